// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { setPlatform } from '../platform';
import { createFakeBackend, makeRun, type FakeBackend } from '../testing/fake-platform';
import { useProgressStore } from './progress';
import { requestOf, useRunsStore, type RunForm } from './runs';

let fake: FakeBackend;

beforeEach(() => {
  fake = createFakeBackend(2);
  setPlatform(fake);
  setActivePinia(createPinia());
  useProgressStore().start();
});

const form = (over: Partial<RunForm> = {}): RunForm => ({
  methods: ['na'],
  backbone: 'mobilenet_v2_0.35_224',
  extraBackbones: [],
  split: 'kfold',
  folds: null,
  seed: null,
  quick: true,
  maxIter: null,
  learningRate: null,
  maxLeafNodes: null,
  epochs: null,
  finetuneRate: null,
  ...over,
});

describe('the run request', () => {
  it('sends only the values the user set, over the chosen preset', () => {
    expect(requestOf(form())).toEqual({ methods: ['na'], split: 'kfold', quick: true, backbone: 'mobilenet_v2_0.35_224' });
    expect(requestOf(form({ folds: 4, seed: 7, maxIter: 20, learningRate: 0.05, quick: false }))).toEqual({
      methods: ['na'],
      split: 'kfold',
      quick: false,
      backbone: 'mobilenet_v2_0.35_224',
      folds: 4,
      seed: 7,
      gbm: { maxIter: 20, learningRate: 0.05 },
    });
    // Fine-tuning settings go with PA or FA only.
    expect(requestOf(form({ epochs: 2, finetuneRate: 0.001 }))).not.toHaveProperty('finetune');
    expect(requestOf(form({ methods: ['fa'], epochs: 2, finetuneRate: 0.001 })).finetune).toEqual({ epochs: 2, learningRate: 0.001 });
    // Folds mean nothing for a fixed split and are not sent.
    expect(requestOf(form({ split: 'fixed', folds: 4 }))).not.toHaveProperty('folds');
    // Extra backbones are sent when chosen, never repeating the main one.
    expect(requestOf(form({ extraBackbones: ['caffenet', 'mobilenet_v2_0.35_224'] })).extraBackbones).toEqual(['caffenet']);
    expect(requestOf(form({ extraBackbones: ['mobilenet_v2_0.35_224'] }))).not.toHaveProperty('extraBackbones');
  });
});

describe('the runs store', () => {
  it('loads the options, history and current job, and drops methods that cannot run from the form', async () => {
    fake.runs.push(makeRun('r1', { status: 'interrupted' }));
    const store = useRunsStore();
    store.form.methods = ['haar', 'pa'];
    await store.load();
    expect(store.options?.methods.find((m) => m.method === 'pa')).toMatchObject({ available: false, reason: expect.stringContaining('not available') });
    expect(store.form.methods).toEqual(['haar']);
    expect(store.form.backbone).toBe('mobilenet_v2_0.35_224');
    expect(store.runs.map((r) => r.status)).toEqual(['interrupted']);
    expect(store.job).toBeNull();
    expect(store.preset?.folds).toBe(3);
    store.form.quick = false;
    expect(store.preset?.folds).toBe(5);
  });

  it('follows a started study through its progress events to done, and reloads the history', async () => {
    const store = useRunsStore();
    await store.load();
    store.form.methods = ['haar', 'na'];
    expect(await store.start()).toBe(true);
    expect(fake.callsOf('runs.start')[0]).toMatchObject({ methods: ['haar', 'na'], quick: true });
    const job = store.job!;
    expect(store.running).toBe(true);
    expect(store.canStart).toBe(false);

    fake.emit({ type: 'progress', job: job.job, phase: 'detect', fold: 2, done: 3, total: 12, overall: 0.6, etaSeconds: 42, state: 'running' });
    expect(store.job!.progress).toMatchObject({ phase: 'detect', fold: 2, overall: 0.6, etaSeconds: 42 });
    // Events of other jobs (imports) are not the study's.
    fake.emit({ type: 'progress', job: 'import-1', phase: 'import', done: 1, total: 2 });
    expect(store.job!.progress?.phase).toBe('detect');

    fake.emit({ type: 'progress', job: job.job, phase: 'finetune', done: 1, total: 10, overall: 0.7, etaSeconds: 30, epoch: 1, batch: 3, loss: 0.9 });
    fake.emit({ type: 'progress', job: job.job, phase: 'finetune', done: 2, total: 10, overall: 0.72, etaSeconds: 28, epoch: 1, batch: 4, loss: 0.7 });
    expect(store.job!.loss.map((l) => l.loss)).toEqual([0.9, 0.7]);

    const listed = fake.callsOf('runs.list').length;
    fake.finishJob('done');
    expect(store.job!.state).toBe('done');
    expect(store.running).toBe(false);
    await vi.waitFor(() => expect(fake.callsOf('runs.list').length).toBeGreaterThan(listed));
    await vi.waitFor(() => expect(store.runs.every((r) => r.status === 'done')).toBe(true));
    expect(store.runs).toHaveLength(2);
  });

  it('attaches to a study it did not start (after a reload) when its events arrive', async () => {
    const store = useRunsStore();
    await store.load();
    fake.holding.add('runs.active');
    // Started elsewhere: the store learns of it from the events, asking the backend only once.
    await fake.call('runs.start', { methods: ['na'] });
    const actives = fake.callsOf('runs.active').length;
    for (let k = 0; k < 5; k++) fake.emit({ type: 'progress', job: fake.job!.job, phase: 'sample', done: k, total: 12, overall: 0.01 * k, etaSeconds: null });
    expect(fake.callsOf('runs.active').length).toBe(actives + 1);
    fake.holding.delete('runs.active');
    fake.release();
    await vi.waitFor(() => expect(store.job?.job).toBe(fake.job!.job));
    expect(store.running).toBe(true);
  });

  it('shows why a start was refused', async () => {
    const store = useRunsStore();
    await store.load();
    fake.failing.set('runs.start', { code: 'BAD_INPUT', message: 'project /fake/project has no boxes; a study needs annotated images' });
    expect(await store.start()).toBe(false);
    expect(store.error).toBeInstanceOf(ApiError);
    expect((store.error as ApiError).message).toContain('has no boxes');
    expect(store.job).toBeNull();
  });

  it('cancels the running study and restarts a cancelled run with its settings', async () => {
    const store = useRunsStore();
    await store.load();
    await store.start();
    const job = store.job!;
    await store.cancel();
    expect(fake.callsOf('runs.cancel')).toEqual([{ job: job.job }]);
    fake.finishJob('cancelled', 'study cancelled');
    expect(store.job).toMatchObject({ state: 'cancelled', error: 'study cancelled' });
    await vi.waitFor(() => expect(store.runs[0]?.status).toBe('cancelled'));

    expect(await store.restart(job.runIds[0])).toBe(true);
    expect(fake.callsOf('runs.restart')).toEqual([{ runId: job.runIds[0] }]);
    expect(store.job).toMatchObject({ state: 'running', restartOf: job.runIds[0] });
    expect(store.job!.job).not.toBe(job.job);
    // One study at a time: a second start while this one runs is not sent.
    expect(await store.start()).toBe(false);
    expect(fake.callsOf('runs.start')).toHaveLength(1);
  });

  it('resumes a cancelled study in its own runs, with progress as for a start', async () => {
    const store = useRunsStore();
    await store.load();
    await store.start();
    const job = store.job!;
    fake.finishJob('cancelled', 'study cancelled');
    await vi.waitFor(() => expect(store.runs[0]?.status).toBe('cancelled'));
    expect(await store.resume(job.runIds[0])).toBe(true);
    expect(fake.callsOf('runs.resume')).toEqual([{ runId: job.runIds[0] }]);
    expect(store.job).toMatchObject({ state: 'running', resumeOf: job.runIds[0], runIds: [job.runIds[0]] });
    expect(store.running).toBe(true);
    await vi.waitFor(() => expect(store.runs.find((r) => r.id === job.runIds[0])?.status).toBe('running'));
    expect(await store.resume(job.runIds[0])).toBe(false);
  });
});
