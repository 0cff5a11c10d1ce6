import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import * as tf from '@tensorflow/tfjs-core';
import { getRun, getStoredModel, listRunLosses, listRunModels, loadRunModel, saveRunModel, type Project } from '../project/index.js';
import { HEAD_LOGIT } from './network.js';
import { phantomProject, TINY } from './phantom-project.test-util.js';
import type { FinetuneProgress } from './progress.js';
import { runFinetune } from './run-finetune.js';

/** Acceptance 5 of issue 3: a run is cancelled, resumes from its last checkpoint, and reports its backend. */
const modelsDir = sharedModelsDir();
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;

beforeAll(async () => {
  fx = await phantomProject();
  project = fx.project;
});
afterAll(() => fx?.cleanup());

describe('fine-tuning run lifecycle', () => {
  it('is cancelled after its first epoch and resumes from that checkpoint', async () => {
    const controller = new AbortController();
    const events: FinetuneProgress[] = [];
    let runId = '';
    const params = { ...TINY, epochs: 3 };
    await expect(
      runFinetune(project, {
        level: 'fa',
        params,
        modelsDir,
        inline: true,
        signal: controller.signal,
        onRun: (id) => (runId = id),
        onProgress: (p) => {
          events.push(p);
          // Cancel as soon as epoch 2 starts training: epoch 1's checkpoint is stored by then.
          if (p.phase === 'train' && p.epoch === 2) controller.abort();
        },
      }),
    ).rejects.toThrow(/fine-tuning cancelled/);
    const cancelled = getRun(project, runId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.backend).toMatch(/^(wasm|cpu|tensorflow)/);
    const checkpoint = getStoredModel(project, `${runId}/checkpoint`)!;
    expect((checkpoint.metadata.state as { epochsDone: number }).epochsDone).toBe(1);
    expect(getStoredModel(project, `${runId}/final`)).toBeNull();
    // The cancelled run keeps its loss curve up to its last checkpoint.
    const lossEpochs = () => listRunLosses(project, [runId]).flatMap((l) => l.networks.map((n) => [n.network, n.epochs.map((e) => [e.epoch, e.trainLoss, e.valLoss])]));
    const curveOf = (h: ReadonlyArray<{ epoch: number; trainLoss: number; valLoss: number | null }>) => h.map((e) => [e.epoch, e.trainLoss, e.valLoss]);
    expect(lossEpochs()).toEqual([['final', curveOf((checkpoint.metadata.state as { history: Array<{ epoch: number; trainLoss: number; valLoss: number | null }> }).history)]]);
    expect(lossEpochs()[0][1]).toHaveLength(1);
    // Progress named the phases, epochs, batches, a finite loss, throughput and an ETA.
    const train = events.filter((e) => e.phase === 'train');
    expect(train[0]).toMatchObject({ epoch: 1, batch: 1, epochs: 3 });
    expect(train.every((e) => Number.isFinite(e.loss) && (e.imagesPerSecond ?? 0) > 0)).toBe(true);
    expect(train.some((e) => e.etaSeconds !== null && e.etaSeconds > 0)).toBe(true);
    // Hard negatives are mined with the epoch-1 network before epoch 2 trains.
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['load', 'sample', 'train', 'validate', 'save', 'mine']));
    expect(events.findIndex((e) => e.phase === 'mine')).toBeGreaterThan(events.findIndex((e) => e.phase === 'save'));

    const resumedEvents: FinetuneProgress[] = [];
    const r = await runFinetune(project, { level: 'pa', resume: runId, modelsDir, inline: true, onProgress: (p) => resumedEvents.push(p) });
    expect(r.runId).toBe(runId);
    // The run keeps its own level and settings, whatever the resuming call asked for.
    expect(r.level).toBe('fa');
    expect(r.resumedAfterEpoch).toBe(1);
    expect(resumedEvents.find((e) => e.phase === 'train')?.epoch).toBe(2);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(r.minedNegatives).toBeGreaterThan(0);
    expect(r.minedNegatives).toBeLessThanOrEqual(2 * r.trainImages);
    const finalState = getStoredModel(project, `${runId}/checkpoint`)!.metadata.state as { mined: Array<{ box: { w: number } }> };
    expect(finalState.mined).toHaveLength(r.minedNegatives);
    expect(r.history[0]).toEqual((checkpoint.metadata.state as { history: unknown[] }).history[0]);
    expect(r.history.every((h) => h.valLoss !== null && Number.isFinite(h.valLoss))).toBe(true);
    // Resumed, the stored curve is the whole run's: the first session's epoch and the resumed ones.
    expect(lossEpochs()).toEqual([['final', curveOf(r.history)]]);
    const done = getRun(project, runId);
    expect(done.status).toBe('done');
    expect(done.backend).toBe(r.backend);
    expect(listRunModels(project, runId).map((m) => m.id.split('/')[1]).sort()).toEqual(['best', 'checkpoint', 'final']);
    await expect(runFinetune(project, { level: 'fa', resume: runId, modelsDir, inline: true })).rejects.toThrow(/already finished/);
  });

  it('stops with a clear message when the loss becomes NaN', async () => {
    // A run cancelled after epoch 1 whose checkpoint then holds a NaN weight (as a diverged run would).
    const controller = new AbortController();
    let runId = '';
    await expect(
      runFinetune(project, {
        level: 'pa',
        params: { ...TINY, epochs: 2 },
        modelsDir,
        inline: true,
        signal: controller.signal,
        onRun: (id) => (runId = id),
        onProgress: (p) => p.phase === 'train' && p.epoch === 2 && controller.abort(),
      }),
    ).rejects.toThrow(/cancelled/);
    const stored = getStoredModel(project, `${runId}/checkpoint`)!;
    const model = await loadRunModel(project, runId, 'checkpoint');
    const head = model.getLayer(HEAD_LOGIT);
    const [kernel, bias] = head.getWeights();
    head.setWeights([kernel, tf.fill(bias.shape, Number.NaN)]);
    await saveRunModel(project, runId, 'checkpoint', model, stored.metadata);
    model.dispose();

    await expect(runFinetune(project, { level: 'pa', resume: runId, modelsDir, inline: true })).rejects.toThrow(
      /fine-tuning stopped: the training loss became NaN in epoch 2, batch 1 .*lower the learning rate/,
    );
    const run = getRun(project, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/training loss became NaN/);
  });

  it('refuses bad settings and unknown runs with one-line errors', async () => {
    await expect(runFinetune(project, { level: 'pa', params: { cropSize: 100 }, modelsDir })).rejects.toThrow(/cropSize: must be a multiple of 32/);
    await expect(runFinetune(project, { level: 'pa', params: { epoch: 2 } as never, modelsDir })).rejects.toThrow(/fine-tuning settings/);
    await expect(runFinetune(project, { level: 'pa', resume: 'r-nope', modelsDir })).rejects.toThrow(/run r-nope is not in this project/);
    await expect(runFinetune(project, { level: 'pa', category: 'liver', modelsDir })).rejects.toThrow(/no boxes of category "liver"/);
  });
});
