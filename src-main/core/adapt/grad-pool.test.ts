import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/locate.js';
import { getBackbone } from '../backbones/registry.js';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { initTraining, type TrainingBackend } from '../ml/backend.js';
import { fromPlainModel, toPlainModel, type PlainModel } from './artifacts.js';
import { GradientPool, gradWorkerUrl } from './grad-pool.js';
import type { AdaptLevel } from './levels.js';
import { addHead, atInputSize, trainableVariables } from './network.js';
import { createOptimizer, type OptimizerKind } from './optimizer.js';
import { shardRanges, TrainStep, type StepBatch } from './train-step.js';

/**
 * Data-parallel fine-tuning computes what one thread computes: the same batch stepped with the batch
 * split over a worker and this thread gives the weights of the single-thread step, up to float rounding
 * (batch norm runs in inference mode, so only the summation order of the gradient differs).
 */
const entry = getBackbone('mobilenet_v2_0.35_224');
const CROP = 64;
let backend: TrainingBackend;
let start: PlainModel;

beforeAll(async () => {
  backend = await initTraining();
  const pretrained = await loadBackbone(entry.id, { env: { SONOTL_MODELS: sharedModelsDir() } });
  const sized = await atInputSize(pretrained, CROP, CROP);
  pretrained.dispose();
  const classifier = addHead(sized, entry, 3);
  start = await toPlainModel(classifier);
  classifier.dispose();
});

function batch(count: number, seed: number): StepBatch {
  const x = new Float32Array(count * CROP * CROP * 3);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.618 + seed) * 0.9;
  return { x, y: Float32Array.from({ length: count }, (_, i) => (i + seed) % 2), count };
}

/** Trainable weights after `steps` steps of `threads` threads from the same start. */
async function trained(threads: number, level: Exclude<AdaptLevel, 'na'>, kind: OptimizerKind, batches: StepBatch[], lr: number): Promise<{ weights: Float32Array[]; losses: number[] }> {
  const classifier: tfl.LayersModel = await fromPlainModel(start);
  const vars = trainableVariables(classifier, entry, level);
  const optimizer = createOptimizer(kind, vars);
  const url = gradWorkerUrl();
  if (threads > 1 && !url) throw new Error('no compiled gradient worker: run npm run build:main first');
  const pool = threads > 1 ? await GradientPool.start({ size: threads - 1, url: url!, model: start, backbone: entry, level, backend, cropSize: CROP, vars }) : null;
  try {
    const step = new TrainStep(classifier, vars, optimizer, CROP, pool);
    expect(step.threads).toBe(threads);
    const losses: number[] = [];
    // Copies: a step transfers the workers' shards away from the caller's arrays.
    for (const b of batches) losses.push(await step.run({ x: b.x.slice(), y: b.y.slice(), count: b.count }, lr));
    return { weights: await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array)), losses };
  } finally {
    await pool?.close();
    optimizer.dispose();
    classifier.dispose();
  }
}

/** Largest |a - b| of each variable relative to that variable's largest |a|. */
function worstRelative(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < x.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - b[i][j]));
      scale = Math.max(scale, Math.abs(x[j]));
    }
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}

describe('data-parallel fine-tuning step', () => {
  it('splits a batch into contiguous shards of near-equal size', () => {
    expect(shardRanges(16, 2)).toEqual([{ start: 0, count: 8 }, { start: 8, count: 8 }]);
    expect(shardRanges(7, 3)).toEqual([{ start: 0, count: 3 }, { start: 3, count: 2 }, { start: 5, count: 2 }]);
    expect(shardRanges(1, 4)).toEqual([{ start: 0, count: 1 }]);
  });

  it('FA with Adam: 2 threads give the weights of 1 thread after three steps (the last a partial batch)', async () => {
    const batches = [batch(8, 0), batch(8, 1), batch(3, 2)];
    const one = await trained(1, 'fa', 'adam', batches, 1e-3);
    const two = await trained(2, 'fa', 'adam', batches, 1e-3);
    const zero = await trained(1, 'fa', 'adam', [], 1e-3);
    // The steps moved the weights far more than the threads' difference.
    expect(worstRelative(zero.weights, one.weights)).toBeGreaterThan(1e-3);
    const diff = worstRelative(one.weights, two.weights);
    console.info(`FA Adam, 3 steps: 2 threads vs 1, largest weight difference ${diff.toExponential(2)} of its tensor's largest weight`);
    expect(diff).toBeLessThan(1e-5);
    two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i])).toBeLessThan(1e-5 * Math.abs(one.losses[i])));
  });

  it('PA with SGD: 2 threads give the weights of 1 thread, across a batch too small to split', async () => {
    // The one-patch batch is not split: the next step's workers must still start from its update.
    const batches = [batch(6, 3), batch(1, 5), batch(5, 4)];
    const one = await trained(1, 'pa', 'sgd', batches, 0.05);
    const two = await trained(2, 'pa', 'sgd', batches, 0.05);
    expect(one.weights.length).toBeLessThan(start.weightSpecs.length);
    const diff = worstRelative(one.weights, two.weights);
    console.info(`PA SGD, 3 steps: 2 threads vs 1, largest weight difference ${diff.toExponential(2)} of its tensor's largest weight`);
    expect(diff).toBeLessThan(1e-5);
  });

  it('a worker that cannot load its replica fails the pool with a message naming it', async () => {
    const classifier = await fromPlainModel(start);
    const vars = trainableVariables(classifier, entry, 'fa');
    try {
      await expect(
        GradientPool.start({ size: 1, url: gradWorkerUrl()!, model: start, backbone: entry, level: 'pa', backend, cropSize: CROP, vars }),
      ).rejects.toThrow(/gradient worker 1 failed: could not start: .*trainable variables of other shapes/);
    } finally {
      classifier.dispose();
    }
  });
});
