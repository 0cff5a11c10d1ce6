/**
 * A study whose process is killed with SIGKILL mid-way: on the next open its run shows as
 * 'interrupted' (never 'running' forever, never 'done'), no metrics of it are reported as a finished run's,
 * and the project needs no repair (integrity_check ok, every annotation intact). Runs the built CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../src-main/api/dispatch.js';
import { createService } from '../src-main/api/service.js';
import { Session } from '../src-main/api/session.js';
import { listRuns, openProject } from '../src-main/core/project/index.js';
import { sonotl } from './helpers/cli.js';
import { CLI, ROOT } from './helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-run-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function annotationsOf(dir: string): unknown[] {
  const p = openProject(dir);
  try {
    return p.db.prepare('SELECT id, image_id, category_id, x, y, w, h, deleted FROM annotations ORDER BY id').all();
  } finally {
    p.close();
  }
}

/** Starts `sonotl study` and SIGKILLs it once its progress shows that computing has begun. */
function killStudyMidway(dir: string, out: string): Promise<{ killedAt: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'study', dir, '--quick', '--methods', 'haar', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killedAt = '';
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the study showed no fold progress within 45 s:\n${stderr.slice(-2000)}`));
    }, 45_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      const line = stderr.split('\n').find((l) => /fold 1\//.test(l));
      if (line && !killedAt) {
        killedAt = line.trim();
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (signal === 'SIGKILL' && killedAt) resolve({ killedAt, stderr });
      else reject(new Error(`the study ended by itself (code ${code}, signal ${signal}) before it could be killed:\n${stderr.slice(-2000)}`));
    });
  });
}

describe('a study killed mid-way', () => {
  it('shows as interrupted on the next open, with nothing reported as complete and nothing to repair', async () => {
    const dir = join(work, 'p');
    const demo = sonotl(['demo', dir, '--count', '16', '--no-study'], { timeoutMs: 60_000 });
    expect(demo.status, demo.stderr).toBe(0);
    const before = annotationsOf(dir);
    expect(before.length).toBeGreaterThan(0);

    const { killedAt } = await killStudyMidway(dir, join(work, 'report'));
    expect(killedAt).toMatch(/fold 1\//);

    // The next start: the product's own open marks the dead process's run, with no manual step.
    const session = new Session(join(work, 'recent.json'));
    const project = session.open(dir);
    try {
      const runs = listRuns(project);
      expect(runs.length).toBeGreaterThan(0);
      for (const r of runs) expect(r.status, `run ${r.id}`).toBe('interrupted');
      expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(project.db.prepare('SELECT id, image_id, category_id, x, y, w, h, deleted FROM annotations ORDER BY id').all()).toEqual(before);
      // What the UI is told: the same runs, interrupted, and no metrics of them in any finished row.
      const service = createService({ session, author: 'tester' });
      const listed = await dispatch(service, 'runs.list', {});
      expect(listed.ok).toBe(true);
      const shown = (listed.ok ? listed.value : []) as Array<{ id: string; status: string; finishedAt?: string | null; metrics?: unknown[] }>;
      expect(shown.map((r) => [r.id, r.status])).toEqual(runs.map((r) => [r.id, 'interrupted']));
      const metricRows = (project.db.prepare("SELECT count(*) AS n FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.status = 'done'").get() as { n: number }).n;
      expect(metricRows).toBe(0);
    } finally {
      session.close();
    }
    // Reopening again changes nothing more: the state is stable, not re-derived each time.
    const again = openProject(dir);
    try {
      expect(listRuns(again).map((r) => r.status)).toEqual(listRuns(again).map(() => 'interrupted'));
    } finally {
      again.close();
    }
  }, 120_000);
});
