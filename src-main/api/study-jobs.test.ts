import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHc18Slice } from '../../test/helpers/hc18-slice.js';
import { HC18 } from '../../test/helpers/paths.js';
import { importInputs } from '../core/import/run-import.js';
import { listRuns, setRunStatus } from '../core/project/index.js';
import type { ProgressEvent } from './contract.js';
import { dispatch } from './dispatch.js';
import { createService, studyJobsOf, type ApiOutput, type Service } from './service.js';
import { Session } from './session.js';

/**
 * Studies through the contract, as the Runs, Review and Compare views use them: a real quick Haar study
 * on nine HC18 images (computed inline here, in a worker thread from the built code), cancelled, restarted.
 */
const missing = existsSync(join(HC18, 'annotations.coco.json')) ? null : `${HC18} is missing`;

describe.skipIf(missing !== null)('study runs through the API', () => {
  let dir: string;
  let session: Session;
  let service: Service;
  const events: ProgressEvent[] = [];

  async function call<T = unknown>(method: string, input: unknown): Promise<T> {
    const r = await dispatch(service, method, input);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonotl-study-api-'));
    session = new Session(join(dir, 'recent.json'));
    const project = session.open(join(dir, 'p'), true);
    const slice = makeHc18Slice(dir, 9);
    await importInputs(project, [slice.folder], { annotations: { format: 'coco', path: slice.coco }, author: 'tester' });
    service = createService({ session, author: 'tester', emit: (e) => events.push(e) });
  });

  afterAll(() => {
    session?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('validates the request and names what is wrong', async () => {
    const bad = await dispatch(service, 'runs.start', { methods: ['resnet'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('runs.start: methods.0') });
    const folds = await dispatch(service, 'runs.start', { methods: ['haar'], folds: 2 });
    expect(folds.ok).toBe(false);
    const unknownCategory = await dispatch(service, 'runs.start', { methods: ['haar'], category: 'kidney', quick: true });
    expect(unknownCategory.ok).toBe(false);
    if (!unknownCategory.ok) expect(unknownCategory.error.message).toMatch(/no boxes of category "kidney".*fetal-head/);
    const unknownExtra = await dispatch(service, 'runs.start', { methods: ['haar', 'na'], extraBackbones: ['resnet_9000'], quick: true });
    expect(unknownExtra.ok).toBe(false);
    if (!unknownExtra.ok) expect(unknownExtra.error.message).toMatch(/extraBackbones: unknown backbone resnet_9000; known: mobilenet_v2_0\.35_224/);
    const sameTwice = await dispatch(service, 'runs.start', { methods: ['na'], backbone: 'caffenet', extraBackbones: ['caffenet'] });
    expect(sameTwice.ok).toBe(false);
    if (!sameTwice.ok) expect(sameTwice.error.message).toMatch(/caffenet is already the study's backbone/);
    expect(listRuns(session.require())).toEqual([]);
    // A study that could not start leaves no job behind.
    expect(studyJobsOf(service).running).toBe(false);
  });

  it('runs one study at a time, cancels it, restarts it from the beginning and serves its results', async () => {
    events.length = 0;
    const started = await call<ApiOutput<'runs.start'>>('runs.start', { methods: ['haar'], quick: true, folds: 3, gbm: { maxIter: 10 } });
    expect(started.state).toBe('running');
    expect(started.runIds).toHaveLength(1);
    expect(started.config).toMatchObject({ folds: 3, split: 'kfold', gbm: { maxIter: 10, maxLeafNodes: 8 } });

    await expect(call('runs.start', { methods: ['haar'] })).rejects.toMatchObject({ code: 'PROJECT_LOCKED', message: expect.stringContaining('is running') });
    await expect(call('session.close', {})).rejects.toMatchObject({ code: 'PROJECT_LOCKED' });

    expect(await call('runs.cancel', { job: started.job })).toEqual({ cancelled: started.job });
    await studyJobsOf(service).settled();
    const cancelled = await call<ApiOutput<'runs.active'>>('runs.active', {});
    expect(cancelled).toMatchObject({ job: started.job, state: 'cancelled', runIds: started.runIds });
    expect(listRuns(session.require()).find((r) => r.id === started.runIds[0])?.status).toBe('cancelled');
    expect(events.at(-1)).toMatchObject({ job: started.job, phase: 'finished', state: 'cancelled' });

    // A resume goes on in the study's own run with its own settings (a Haar study has no network to reuse).
    await expect(call('runs.resume', { runId: 'r-nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('run r-nope') });
    const resumed = await call<ApiOutput<'runs.resume'>>('runs.resume', { runId: started.runIds[0] });
    expect(resumed).toMatchObject({ state: 'running', resumeOf: started.runIds[0], restartOf: null, runIds: started.runIds });
    expect(resumed.config).toEqual({ ...started.config, category: 'fetal-head' });
    expect(await call('runs.cancel', { job: resumed.job })).toEqual({ cancelled: resumed.job });
    await studyJobsOf(service).settled();
    expect(listRuns(session.require()).find((r) => r.id === started.runIds[0])?.status).toBe('cancelled');

    events.length = 0;
    const again = await call<ApiOutput<'runs.restart'>>('runs.restart', { runId: started.runIds[0] });
    expect(again.restartOf).toBe(started.runIds[0]);
    expect(again.runIds).toHaveLength(1);
    expect(again.runIds[0]).not.toBe(started.runIds[0]);
    expect(again.config).toEqual(started.config);
    await studyJobsOf(service).settled();

    const done = await call<ApiOutput<'runs.active'>>('runs.active', {});
    expect(done, done?.error ?? '').toMatchObject({ state: 'done', error: null });
    const studyEvents = events.filter((e) => e.job === again.job);
    expect(studyEvents.some((e) => e.phase === 'detect' && typeof e.overall === 'number')).toBe(true);
    expect(studyEvents.at(-1)).toMatchObject({ phase: 'finished', state: 'done', overall: 1 });
    const overall = studyEvents.map((e) => e.overall ?? 0);
    expect(overall).toEqual([...overall].sort((a, b) => a - b));

    const runs = await call<ApiOutput<'runs.list'>>('runs.list', {});
    const run = runs.find((r) => r.id === again.runIds[0])!;
    expect(run.status).toBe('done');
    expect(run.metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['n', 'failures', 'meanDice', 'accuracy']));

    const table = await call<ApiOutput<'runs.table'>>('runs.table', {});
    expect(table).toHaveLength(1);
    const row = table[0];
    expect(row).toMatchObject({ runId: run.id, method: 'haar', scope: 'cv', n: 9 });
    expect(row.dice).toHaveLength(9);
    expect(row.failures).toBe(row.dice.filter((d) => d < 0.8).length);
    expect(row.meanDice!.value).toBeCloseTo(row.dice.reduce((s, d) => s + d, 0) / 9, 6);
    expect(row.meanDice!.lo!).toBeLessThanOrEqual(row.meanDice!.value);

    const review = await call<ApiOutput<'runs.detections'>>('runs.detections', { runId: run.id, below: 0.8, offset: 0, limit: 100 });
    expect(review).toMatchObject({ scope: 'cv', scopes: ['cv'], evaluated: 9, failures: row.failures, total: row.failures });
    const dice = review.items.map((d) => d.dice!);
    expect(dice).toEqual([...dice].sort((a, b) => a - b));
    expect(dice.every((d) => d < 0.8)).toBe(true);
    for (const item of review.items) {
      expect(item.truths).toHaveLength(1);
      expect(item.relPath).toMatch(/^images\//);
      expect(item.width).toBe(800);
    }
    // Each detection keeps its top-scoring candidate windows, best first, for the inspector.
    const all = await call<ApiOutput<'runs.detections'>>('runs.detections', { runId: run.id, offset: 0, limit: 100 });
    for (const item of all.items) {
      const { windows, imageId } = await call<ApiOutput<'runs.windows'>>('runs.windows', { detectionId: item.detectionId });
      expect(imageId).toBe(item.imageId);
      expect(windows.map((w) => w.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const scores = windows.map((w) => w.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const w of windows) expect(w.x >= 0 && w.y >= 0 && w.x + w.w <= item.width && w.y + w.h <= item.height).toBe(true);
    }
    // Haar trains no network: the run has no loss curve.
    expect(await call('runs.losses', { runIds: [run.id] })).toEqual([]);
    const strict = await call<ApiOutput<'runs.detections'>>('runs.detections', { runId: run.id, below: 0.3, sort: '-dice', offset: 0, limit: 100 });
    expect(strict.total).toBe(row.dice.filter((d) => d < 0.3).length);
    await expect(call('runs.detections', { runId: run.id, scope: 'test', offset: 0, limit: 10 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no detections in scope "test"') });
    await expect(call('runs.restart', { runId: 'r-nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('run r-nope') });
  });

  it('shows a run whose process died as interrupted, and can restart it', async () => {
    const project = session.require();
    const [run] = await call<ApiOutput<'runs.list'>>('runs.list', {}).then((rs) => rs.filter((r) => r.status === 'done'));
    // What a killed process leaves behind: the run still marked running when the project is next opened.
    setRunStatus(project, run.id, 'running');
    await call('session.close', {});
    await call('session.open', { dir: project.dir });
    const after = await call<ApiOutput<'runs.list'>>('runs.list', {});
    expect(after.find((r) => r.id === run.id)?.status).toBe('interrupted');
    // The metrics it had stored are still there; a restart computes everything again.
    expect(after.find((r) => r.id === run.id)?.metrics.length).toBeGreaterThan(0);
    const again = await call<ApiOutput<'runs.restart'>>('runs.restart', { runId: run.id });
    expect(again).toMatchObject({ state: 'running', restartOf: run.id });
    await studyJobsOf(service).settled();
    expect((await call<ApiOutput<'runs.active'>>('runs.active', {}))?.state).toBe('done');
  });
});
