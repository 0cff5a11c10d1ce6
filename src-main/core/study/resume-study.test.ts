import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantomProject } from '../adapt/phantom-project.test-util.js';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { allAnnotations, getRun, getStoredModel, listImages, listRunModels, listRuns, setSplit, updateAnnotation, type Project } from '../project/index.js';
import { QUICK_OVERRIDES, resolveStudyConfig } from './config.js';
import type { StudyProgress } from './progress.js';
import { resumeStudy, runStudy, type StudyResult } from './run-study.js';
import { listDetections } from './store.js';
import { TINY_FINETUNE, TINY_STUDY } from './tiny-study.test-util.js';

/**
 * A study cancelled after its first fold network was stored, then resumed: the stored network is used
 * as it is (not trained again), the other folds are trained, and Table 1 and every detection equal those
 * of the same study run without a stop. A tiny phantom study (3 folds, PA for 1 epoch), computed inline.
 */
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;

const config = resolveStudyConfig({
  ...QUICK_OVERRIDES,
  methods: ['haar', 'pa'],
  split: 'kfold',
  folds: 3,
  ...TINY_STUDY,
  finetune: TINY_FINETUNE,
});

beforeAll(async () => {
  fx = await phantomProject(6);
  project = fx.project;
});
afterAll(() => fx?.cleanup());

const table = (r: StudyResult) => r.rows.map((x) => ({ method: x.method, set: x.set, n: x.n, failures: x.failures, meanDice: x.meanDice, accuracy: x.accuracy }));
const boxes = (r: StudyResult) =>
  r.computation.detections
    .map((d) => ({ key: `${d.method}:${d.fold}:${d.imageId}`, box: d.box, score: d.score }))
    .sort((a, b) => a.key.localeCompare(b.key));

describe('resuming a study', () => {
  it('reuses the fold networks it stored, trains the rest, and gets the uninterrupted results', async () => {
    const whole = await runStudy(project, { config, outDir: join(fx.root, 'whole'), modelsDir: sharedModelsDir(), inline: true });

    const controller = new AbortController();
    const first: StudyProgress[] = [];
    const stopped = runStudy(project, {
      config,
      outDir: join(fx.root, 'stopped'),
      modelsDir: sharedModelsDir(),
      inline: true,
      signal: controller.signal,
      onProgress: (p) => {
        first.push(p);
        if (p.phase === 'finetune' && p.fold === 2) controller.abort();
      },
    });
    await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' });
    const studyRuns = listRuns(project).filter((r) => !Object.values(whole.runs).includes(r.id));
    expect(studyRuns.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    const paRun = studyRuns.find((r) => r.method === 'pa')!;
    // Fold 1's network was stored as soon as it was trained; no checkpoint of it is left behind.
    expect(listRunModels(project, paRun.id).map((m) => m.id.split('/')[1])).toEqual(['fold-1']);
    const weights = join(project.dir, getStoredModel(project, `${paRun.id}/fold-1`)!.path, 'weights.bin');
    const before = { mtime: statSync(weights).mtimeMs, bytes: readFileSync(weights) };

    const events: StudyProgress[] = [];
    const haarRun = studyRuns.find((r) => r.method === 'haar')!;
    const resumed = await resumeStudy(project, { runId: haarRun.id, outDir: join(fx.root, 'resumed'), modelsDir: sharedModelsDir(), inline: true, onProgress: (p) => events.push(p) });

    // The same runs, now done, with no error left from the cancel.
    expect(resumed.runs).toEqual({ haar: haarRun.id, pa: paRun.id });
    for (const r of studyRuns) expect(getRun(project, r.id)).toMatchObject({ status: 'done', error: null });
    // Fold 1 was not trained again: no training step reported for it, and its stored file is untouched.
    const trainedFolds = new Set(events.filter((e) => e.phase === 'finetune' && e.detail?.startsWith('epoch')).map((e) => e.fold));
    expect([...trainedFolds].sort()).toEqual([2, 3]);
    expect(events.some((e) => e.phase === 'finetune' && e.fold === 1 && e.detail === 'reused from the interrupted study')).toBe(true);
    expect(statSync(weights).mtimeMs).toBe(before.mtime);
    expect(readFileSync(weights).equals(before.bytes)).toBe(true);
    expect(listRunModels(project, paRun.id).map((m) => m.id.split('/')[1])).toEqual(['fold-1', 'fold-2', 'fold-3']);
    expect(resumed.computation.finetuned.map((n) => n.fold).sort()).toEqual([1, 2, 3]);

    // Results as if it had never stopped (same seed): Table 1 and every detection.
    expect(table(resumed)).toEqual(table(whole));
    const a = boxes(whole);
    const b = boxes(resumed);
    expect(b.map((d) => d.key)).toEqual(a.map((d) => d.key));
    b.forEach((d, i) => {
      expect(d.box.x).toBeCloseTo(a[i].box.x, 6);
      expect(d.box.y).toBeCloseTo(a[i].box.y, 6);
      expect(d.box.w).toBeCloseTo(a[i].box.w, 6);
      expect(d.box.h).toBeCloseTo(a[i].box.h, 6);
      expect(d.score).toBeCloseTo(a[i].score, 6);
    });
    // Detections are stored with the resumed runs as with any finished study.
    expect(listDetections(project, paRun.id, 'cv').length).toBe(whole.computation.detections.filter((d) => d.method === 'pa').length);

    await expect(resumeStudy(project, { runId: paRun.id, outDir: join(fx.root, 'again'), inline: true })).rejects.toThrow(/already finished/);
  }, 120_000);

  it('goes on with a fold network from its last epoch checkpoint', async () => {
    // One network (a fixed split) for 2 epochs, stopped during the second one.
    const images = listImages(project, { offset: 0, limit: 10 }).items;
    const last = images[images.length - 1].subject;
    setSplit(project, images.filter((i) => i.subject === last).map((i) => i.id), 'test');
    const two = resolveStudyConfig({ ...config, methods: ['pa'], split: 'fixed', finetune: { ...config.finetune, epochs: 2 } });
    try {
      const whole = await runStudy(project, { config: two, outDir: join(fx.root, 'whole2'), modelsDir: sharedModelsDir(), inline: true });
      const controller = new AbortController();
      const before = new Set(listRuns(project).map((r) => r.id));
      const stopped = runStudy(project, {
        config: two,
        outDir: join(fx.root, 'stopped2'),
        modelsDir: sharedModelsDir(),
        inline: true,
        signal: controller.signal,
        onProgress: (p) => (p.phase === 'finetune' && p.detail?.startsWith('epoch 2/') ? controller.abort() : undefined),
      });
      await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' });
      const run = listRuns(project).find((r) => !before.has(r.id))!;
      expect(listRunModels(project, run.id).map((m) => m.id.split('/')[1]).sort()).toEqual(['fold-1-best', 'fold-1-checkpoint']);

      const events: StudyProgress[] = [];
      const resumed = await resumeStudy(project, { runId: run.id, outDir: join(fx.root, 'resumed2'), modelsDir: sharedModelsDir(), inline: true, onProgress: (p) => events.push(p) });
      const epochs = new Set(events.filter((e) => e.phase === 'finetune' && e.detail?.startsWith('epoch')).map((e) => e.detail!.split(',')[0]));
      expect([...epochs]).toEqual(['epoch 2/2']);
      expect(resumed.computation.finetuned[0].history.map((h) => h.epoch)).toEqual([1, 2]);
      expect(resumed.computation.finetuned[0].history.map((h) => h.trainLoss)).toEqual(whole.computation.finetuned[0].history.map((h) => h.trainLoss));
      expect(listRunModels(project, run.id).map((m) => m.id.split('/')[1])).toEqual(['fold-1']);
      expect(table(resumed)).toEqual(table(whole));
      expect(boxes(resumed)).toEqual(boxes(whole));
    } finally {
      setSplit(project, images.map((i) => i.id), null);
    }
  }, 90_000);

  it('refuses to resume once the images or boxes changed, and names runs that cannot be resumed', async () => {
    const controller = new AbortController();
    const before = new Set(listRuns(project).map((r) => r.id));
    const stopped = runStudy(project, { config, outDir: join(fx.root, 'short'), modelsDir: sharedModelsDir(), inline: true, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' });
    const run = listRuns(project).find((r) => !before.has(r.id))!;
    const box = allAnnotations(project)[0];
    updateAnnotation(project, box.id, { box: { x: box.x + 2, y: box.y, w: box.w, h: box.h } }, 'test');
    await expect(resumeStudy(project, { runId: run.id, outDir: join(fx.root, 'changed'), inline: true })).rejects.toThrow(/boxes of .* changed since it started; restart it/);
    await expect(resumeStudy(project, { runId: 'r-none', outDir: join(fx.root, 'x'), inline: true })).rejects.toThrow(/not in this project/);
  }, 60_000);
});
