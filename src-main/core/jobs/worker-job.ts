/**
 * One long computation in a worker thread, so the calling thread (CLI, Electron main, the bridge) stays
 * responsive: the study and fine-tuning both run this way. The worker posts its own messages plus a
 * final `result` or `error`; a cancel is posted to it, and a worker that does not stop within the grace
 * period is terminated. The promise settles exactly once, and the worker is always terminated.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SonoError, type ErrorCode } from '../errors.js';

/** What every worker may post besides its own messages. */
export type WorkerOutcome<R> = { type: 'result'; result: R } | { type: 'error'; code: ErrorCode | null; message: string; subject?: string };

/**
 * The compiled `worker.js` beside the calling module (pass its `import.meta.url`), or null when the module
 * runs from TypeScript sources (the test runner transpiles them in-process): a worker cannot load `.ts`,
 * so callers then run the same code inline.
 */
export function compiledWorkerUrl(moduleUrl: string): URL | null {
  if (!moduleUrl.endsWith('.js')) return null;
  const url = new URL('./worker.js', moduleUrl);
  return existsSync(fileURLToPath(url)) ? url : null;
}

export interface WorkerJobOptions<M> {
  /** Names the work in errors: "<what> cancelled", "<what> worker stopped ...". */
  what: string;
  signal?: AbortSignal;
  /** After a cancel, how long the worker may take to stop cleanly before it is terminated. */
  cancelGraceMs: number;
  /** The worker's own messages (progress, checkpoints, ...). */
  onMessage?: (message: M) => void;
  /** Awaited before the outcome is delivered (e.g. stores still writing); its rejection fails the job. */
  settleAfter?: () => Promise<unknown>;
}

export function runWorkerJob<R, M extends { type: string }>(url: URL, workerData: unknown, opts: WorkerJobOptions<M>): Promise<R> {
  const cancelled = () => new SonoError('CANCELLED', `${opts.what} cancelled`);
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  return new Promise<R>((resolve, reject) => {
    const worker = new Worker(url, { workerData });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      void worker.terminate();
      if (!opts.settleAfter) outcome();
      else opts.settleAfter().then(outcome, reject);
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      killTimer = setTimeout(() => finish(() => reject(cancelled())), opts.cancelGraceMs);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: M | WorkerOutcome<R>) => {
      if (m.type === 'result') finish(() => resolve((m as WorkerOutcome<R> & { type: 'result' }).result));
      else if (m.type === 'error') {
        const e = m as WorkerOutcome<R> & { type: 'error' };
        finish(() => reject(e.code ? new SonoError(e.code, e.message, e.subject) : new Error(e.message)));
      } else opts.onMessage?.(m as M);
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`${opts.what} worker stopped (exit code ${code}) before finishing`))));
  });
}
