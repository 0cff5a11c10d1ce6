/**
 * `sonotl study --resume` after a SIGKILL, with the built CLI (so the computation runs in its worker
 * thread and each fold network crosses to the main thread to be stored): the network of fold 1, stored
 * before the kill, is used as it is, the other folds are trained, and the study finishes in its own runs.
 * That the results equal an uninterrupted study's is checked in src-main/core/study/resume-study.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns, openProject } from '../src-main/core/project/index.js';
import { sonotl } from './helpers/cli.js';
import { CLI, ROOT, SHARED } from './helpers/paths.js';
import { TINY_FINETUNE, TINY_STUDY } from '../src-main/core/study/tiny-study.test-util.js';

const MODELS = join(SHARED, 'models');
const missing = existsSync(join(MODELS, 'mobilenet_v2_0.35_224', 'model.json')) ? null : `${MODELS}/mobilenet_v2_0.35_224 is missing`;
const work = mkdtempSync(join(tmpdir(), 'sonotl-study-resume-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = {
  methods: ['haar', 'pa'],
  split: 'kfold',
  folds: 3,
  ...TINY_STUDY,
  finetune: TINY_FINETUNE,
};

/** Starts the study and SIGKILLs it once its first fold network is stored and the second one is in training. */
function killAfterFirstNetwork(dir: string, config: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'study', dir, '--config', config, '--models', MODELS, '--out', join(work, 'stopped')], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    let weights = '';
    const poll = setInterval(() => {
      const models = join(dir, 'models');
      for (const run of existsSync(models) ? readdirSync(models) : []) {
        const file = join(models, run, 'fold-1', 'weights.bin');
        // Fold 2's training starts only after fold 1's passes, long after its network was stored.
        if (existsSync(file) && /finetune +fold 2\//.test(stderr) && !weights) {
          weights = file;
          child.kill('SIGKILL');
        }
      }
    }, 50);
    const limit = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(limit);
      if (signal === 'SIGKILL' && weights) resolve(weights);
      else reject(new Error(`the study was not killed after its first fold network (code ${code}, signal ${signal}):\n${stderr.slice(-2000)}`));
    });
  });
}

describe.skipIf(missing !== null)('sonotl study --resume', () => {
  it('goes on after a kill without training the stored fold network again', async () => {
    const dir = join(work, 'p');
    expect(sonotl(['demo', dir, '--count', '6', '--no-study'], { timeoutMs: 60_000 }).status).toBe(0);
    const config = join(work, 'study.json');
    writeFileSync(config, JSON.stringify(CONFIG));
    const weights = await killAfterFirstNetwork(dir, config);
    const before = { mtime: statSync(weights).mtimeMs, bytes: readFileSync(weights) };
    const stopped = (() => {
      const p = openProject(dir);
      try {
        return listRuns(p);
      } finally {
        p.close();
      }
    })();
    expect(stopped.map((r) => r.status)).toEqual(['interrupted', 'interrupted']);

    expect(sonotl(['study', dir, '--resume', stopped[0].id, '--quick']).stderr).toMatch(/--resume continues a study with its own settings; leave out --quick/);
    const r = sonotl(['study', dir, '--resume', stopped[0].id, '--models', MODELS, '--out', join(work, 'resumed'), '--json'], { timeoutMs: 90_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(r.stdout) as { runs: Record<string, string>; table1: Array<{ method: string; n: number }> };
    expect(out.runs).toEqual(Object.fromEntries(stopped.map((s) => [s.method, s.id])));
    expect(out.table1.map((x) => [x.method, x.n])).toEqual([['haar', 6], ['pa', 6]]);
    expect(r.stderr).toMatch(/fold 1\/3.*reused from the interrupted study/);
    expect(statSync(weights).mtimeMs).toBe(before.mtime);
    expect(readFileSync(weights).equals(before.bytes)).toBe(true);
    const p = openProject(dir);
    try {
      expect(listRuns(p).map((x) => x.status)).toEqual(['done', 'done']);
    } finally {
      p.close();
    }
  }, 150_000);
});
