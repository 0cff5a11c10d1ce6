import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRun, openProject, setRunStatus, type Project, type RunStatus } from '../core/project/index.js';
import { saveRunMetrics } from '../core/study/store.js';
import { table1Entries } from './run-results.js';

describe('table1Entries', () => {
  let dir: string;
  let project: Project;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonotl-table1-'));
    project = openProject(join(dir, 'p'), { create: true });
  });
  afterEach(() => {
    project?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A run in `status` that saved cross-validation metrics before it got there. */
  function runWithMetrics(method: string, status: RunStatus, meanDice: number): string {
    const run = createRun(project, { method });
    saveRunMetrics(project, run.id, 'cv', [
      { name: 'n', value: 9, lo: null, hi: null },
      { name: 'meanDice', value: meanDice, lo: meanDice - 0.1, hi: meanDice + 0.05 },
    ]);
    if (status !== 'queued') setRunStatus(project, run.id, status);
    return run.id;
  }

  it('lists only finished runs: partial metrics of stopped runs are never reported as results', () => {
    const done = runWithMetrics('haar', 'done', 0.9);
    const stopped = (['cancelled', 'interrupted', 'failed', 'running', 'queued'] as const).map((s, i) => runWithMetrics(`m-${s}`, s, 0.5 + i / 100));
    const rows = table1Entries(project);
    expect(rows.map((r) => [r.runId, r.status, r.scope, r.n, r.meanDice])).toEqual([[done, 'done', 'cv', 9, { value: 0.9, lo: 0.9 - 0.1, hi: 0.9 + 0.05 }]]);
    // Asking for them by id does not bring them back either.
    expect(table1Entries(project, stopped)).toEqual([]);
    expect(table1Entries(project, [stopped[0], done]).map((r) => r.runId)).toEqual([done]);
  });

  it('drops a run that was done and then restarted, until it is done again', () => {
    const id = runWithMetrics('haar', 'done', 0.9);
    expect(table1Entries(project)).toHaveLength(1);
    setRunStatus(project, id, 'running');
    expect(table1Entries(project)).toEqual([]);
    setRunStatus(project, id, 'done');
    expect(table1Entries(project).map((r) => r.runId)).toEqual([id]);
  });
});
