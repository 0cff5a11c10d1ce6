import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledWorkerUrl, runWorkerJob } from './worker-job.js';

const dir = mkdtempSync(join(tmpdir(), 'sonotl-worker-job-'));
/** A worker script in plain JS (workers cannot load the test's TypeScript). */
function workerFile(name: string, body: string): URL {
  const file = join(dir, name);
  writeFileSync(file, `import { parentPort, workerData } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(file);
}

describe('runWorkerJob', () => {
  it('passes the worker its data and own messages, and resolves with its result', async () => {
    const url = workerFile('ok.mjs', `parentPort.postMessage({ type: 'tick', n: 1 }); parentPort.postMessage({ type: 'result', result: workerData.x * 2 });`);
    const seen: unknown[] = [];
    await expect(runWorkerJob<number, { type: 'tick'; n: number }>(url, { x: 21 }, { what: 'job', cancelGraceMs: 1000, onMessage: (m) => seen.push(m) })).resolves.toBe(42);
    expect(seen).toEqual([{ type: 'tick', n: 1 }]);
  });

  it('rejects with the worker\'s SonoError, and with a clear error when it exits without an answer', async () => {
    const failing = workerFile('err.mjs', `parentPort.postMessage({ type: 'error', code: 'BAD_INPUT', message: 'x.png is not an image', subject: 'x.png' });`);
    await expect(runWorkerJob(failing, null, { what: 'job', cancelGraceMs: 1000 })).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'x.png is not an image' });
    const silent = workerFile('exit.mjs', `process.exit(3);`);
    await expect(runWorkerJob(silent, null, { what: 'job', cancelGraceMs: 1000 })).rejects.toThrow('job worker stopped (exit code 3) before finishing');
  });

  it('posts cancel to the worker, and terminates one that ignores it after the grace period', async () => {
    const polite = workerFile('polite.mjs', `parentPort.on('message', (m) => { if (m.type === 'cancel') parentPort.postMessage({ type: 'error', code: 'CANCELLED', message: 'job cancelled' }); });`);
    const a = new AbortController();
    const p1 = runWorkerJob(polite, null, { what: 'job', signal: a.signal, cancelGraceMs: 10_000 });
    setTimeout(() => a.abort(), 50);
    await expect(p1).rejects.toMatchObject({ code: 'CANCELLED' });

    const stubborn = workerFile('stubborn.mjs', `setInterval(() => {}, 1000);`);
    const b = new AbortController();
    const p2 = runWorkerJob(stubborn, null, { what: 'job', signal: b.signal, cancelGraceMs: 100 });
    setTimeout(() => b.abort(), 50);
    await expect(p2).rejects.toMatchObject({ code: 'CANCELLED', message: 'job cancelled' });
    await expect(runWorkerJob(stubborn, null, { what: 'job', signal: b.signal, cancelGraceMs: 100 })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('delivers the outcome only after settleAfter, and fails the job when it fails', async () => {
    const url = workerFile('ok2.mjs', `parentPort.postMessage({ type: 'result', result: 'done' });`);
    const order: string[] = [];
    const r = await runWorkerJob<string, never>(url, null, { what: 'job', cancelGraceMs: 1000, settleAfter: async () => void order.push('stored') });
    order.push(r);
    expect(order).toEqual(['stored', 'done']);
    await expect(runWorkerJob(url, null, { what: 'job', cancelGraceMs: 1000, settleAfter: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
  });
});

describe('compiledWorkerUrl', () => {
  it('is null for a TypeScript module and for a .js module without a worker.js beside it', () => {
    expect(compiledWorkerUrl(import.meta.url)).toBeNull();
    expect(compiledWorkerUrl(pathToFileURL(join(dir, 'client.js')).href)).toBeNull();
    writeFileSync(join(dir, 'worker.js'), '');
    expect(compiledWorkerUrl(pathToFileURL(join(dir, 'client.js')).href)?.href).toBe(pathToFileURL(join(dir, 'worker.js')).href);
  });
});
