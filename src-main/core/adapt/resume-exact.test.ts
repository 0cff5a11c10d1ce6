import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { getStoredModel, loadRunModel, saveRunModel, type Project } from '../project/index.js';
import { phantomProject, TINY } from './phantom-project.test-util.js';
import { runFinetune } from './run-finetune.js';

/**
 * A run interrupted after epoch 1 and resumed ends with the weights of an uninterrupted run: the
 * checkpoint carries Adam's moments and step count, and everything else of epoch 2 (shuffling,
 * augmentation, hard negatives, learning rate) is drawn from the run's seed and epoch.
 */
const modelsDir = sharedModelsDir();
const params = { ...TINY, epochs: 2, learningRate: 1e-3 };
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;

beforeAll(async () => {
  fx = await phantomProject();
  project = fx.project;
});
afterAll(() => fx?.cleanup());

/** Weights of the run's last checkpoint (epoch 2's; 'final' would be the best epoch's). */
async function lastWeights(runId: string): Promise<Float32Array[]> {
  const model: tfl.LayersModel = await loadRunModel(project, runId, 'checkpoint');
  try {
    return model.getWeights().map((w) => w.dataSync() as Float32Array);
  } finally {
    model.dispose();
  }
}

/** Largest |a - b| of any weight relative to the largest |a| of its tensor. */
function worstRelative(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    let diff = 0;
    let scale = 1e-12;
    for (let j = 0; j < x.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - b[i][j]));
      scale = Math.max(scale, Math.abs(x[j]));
    }
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}

/** A run cancelled as soon as epoch 2 trains (epoch 1's checkpoint is stored by then); its id. */
async function cancelledAfterEpoch1(): Promise<string> {
  const controller = new AbortController();
  let runId = '';
  await expect(
    runFinetune(project, {
      level: 'fa',
      params,
      modelsDir,
      workers: 2,
      inline: true,
      signal: controller.signal,
      onRun: (id) => (runId = id),
      onProgress: (p) => p.phase === 'train' && p.epoch === 2 && controller.abort(),
    }),
  ).rejects.toThrow(/cancelled/);
  return runId;
}

describe('resuming a fine-tuning run', () => {
  it('ends with the weights of an uninterrupted run, and differs when the optimizer state is lost', async () => {
    const whole = await runFinetune(project, { level: 'fa', params, modelsDir, workers: 2, inline: true });
    expect(whole.backend).toMatch(/ x2$/);
    const reference = await lastWeights(whole.runId);

    const interrupted = await cancelledAfterEpoch1();
    const meta = getStoredModel(project, `${interrupted}/checkpoint`)!.metadata as { optimizer?: { kind: string; step: number } };
    // One Adam step per batch of epoch 1 (mined negatives join from epoch 2 on).
    expect(meta.optimizer).toMatchObject({ kind: 'adam', step: Math.ceil(whole.trainPatches / params.batchSize) });
    const resumed = await runFinetune(project, { level: 'fa', resume: interrupted, modelsDir, workers: 2, inline: true });
    expect(resumed.resumedAfterEpoch).toBe(1);
    expect(resumed.history.map((h) => h.trainLoss)).toEqual(whole.history.map((h) => h.trainLoss));
    const resumedDiff = worstRelative(reference, await lastWeights(interrupted));
    console.info(`resumed vs uninterrupted: largest weight difference ${resumedDiff.toExponential(2)} of its tensor's largest weight`);
    expect(resumedDiff).toBeLessThan(1e-6);

    // The same interruption with the moments dropped from the checkpoint (as checkpoints were before
    // they were kept): Adam restarts, and epoch 2 ends elsewhere.
    const lost = await cancelledAfterEpoch1();
    const stored = getStoredModel(project, `${lost}/checkpoint`)!;
    const model = await loadRunModel(project, lost, 'checkpoint');
    const { optimizer: _dropped, ...withoutOptimizer } = stored.metadata;
    await saveRunModel(project, lost, 'checkpoint', model, withoutOptimizer);
    model.dispose();
    await runFinetune(project, { level: 'fa', resume: lost, modelsDir, workers: 2, inline: true });
    const lostDiff = worstRelative(reference, await lastWeights(lost));
    console.info(`resumed without optimizer state vs uninterrupted: ${lostDiff.toExponential(2)}`);
    expect(lostDiff).toBeGreaterThan(1e-4);
  });

  it('refuses a worker count that is not a whole number from 1 to 64 before creating a run', async () => {
    const runs = () => (project.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
    const before = runs();
    await expect(runFinetune(project, { level: 'fa', params, modelsDir, workers: 0 })).rejects.toThrow(/workers must be a whole number from 1 to 64 \(got 0\)/);
    await expect(runFinetune(project, { level: 'fa', params, modelsDir, workers: 1.5 })).rejects.toThrow(/workers must be a whole number/);
    expect(runs()).toBe(before);
  });
});
