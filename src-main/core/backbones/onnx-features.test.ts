/**
 * Acceptance: the ONNX export of the real MobileNetV2 0.35, run in ONNX Runtime, gives the same pooled
 * 1280-d features as tfjs on real ultrasound crops, before and after the weights change.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLayersModel } from '../onnx/export-tfjs.js';
import { maxAbsDiff, seededRandom } from '../onnx/test-support.js';
import { loadBackbone } from './locate.js';
import { createFeatureExtractor, nchwToNhwc, preprocess } from './onnx-features.js';
import { getBackbone } from './registry.js';
import { hc18Samples, readGrayPng, sharedModelsDir } from './test-fixtures.js';

const entry = getBackbone('mobilenet_v2_0.35_224');
const [H, W] = entry.inputSize;
const TOL = 1e-4;

let model: tfl.LayersModel;
let batch: Float32Array;
let n: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadBackbone(entry.id, { env: { SONOTL_MODELS: sharedModelsDir() } });
  // Three annotated heads plus one box hanging over the image corner (edge replication path).
  const samples = await hc18Samples(3);
  const crops = [...samples, { file: samples[0].file, box: { x: -40, y: -25, w: 300, h: 260 } }];
  n = crops.length;
  batch = new Float32Array(n * 3 * H * W);
  for (const [i, c] of crops.entries()) preprocess(await readGrayPng(c.file), c.box, entry.inputSize, batch, i * 3 * H * W);
});

afterAll(() => model?.dispose());

/** Reference: tfjs on the same (NHWC) batch, global average pooling of `out_relu`. */
function tfjsFeatures(): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(nchwToNhwc(batch, n, 3, H, W), [n, H, W, 3]);
    return tf.mean(model.predict(x) as tf.Tensor, [1, 2]).dataSync() as Float32Array;
  });
}

async function onnxFeatures(): Promise<Float32Array> {
  const extractor = await createFeatureExtractor(exportLayersModel(model, { outputLayer: entry.featureLayer, pooling: 'avg' }), {
    threads: 2,
    providers: ['cpu'],
  });
  try {
    expect(extractor.inputShape).toEqual([3, H, W]);
    expect(extractor.featureDim).toBe(entry.featureDim);
    return await extractor.run(batch, n);
  } finally {
    await extractor.close();
  }
}

describe('MobileNetV2 0.35 ONNX export vs tfjs on HC18 crops', () => {
  let before: Float32Array;

  it('gives the same 1280-d features', async () => {
    const expected = tfjsFeatures();
    before = await onnxFeatures();
    expect(before).toHaveLength(n * 1280);
    const diff = maxAbsDiff(before, expected);
    console.log(`pretrained: max |ORT - tfjs| = ${diff.toExponential(2)} over ${n}x1280 features`);
    expect(diff).toBeLessThan(TOL);
    // Not a degenerate comparison: features are spread out and differ between crops.
    const first = before.subarray(0, 1280);
    expect(Math.max(...first)).toBeGreaterThan(0.5);
    expect(maxAbsDiff(first, before.subarray(1280, 2560))).toBeGreaterThan(0.1);
  });

  it('still matches after a fine-tuning step and perturbed batch-norm statistics', async () => {
    // One SGD step on the partial-adaptation layers (stem + first block) with a dummy loss on the
    // output of those layers (backpropagating through the whole net would take a minute on tfjs-cpu)...
    const groups = entry.layerGroups.flatMap((g) => g.layers);
    const trainable = new Set(groups);
    const vars = model.layers.filter((l) => trainable.has(l.name)).flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
    // Conv1, depthwise and project kernels (bias-free) + gamma and beta of their three batch norms.
    expect(vars.length).toBe(9);
    const head = tfl.model({ inputs: model.inputs, outputs: model.getLayer(groups[groups.length - 1]).output as tfl.SymbolicTensor });
    const x = tf.tensor4d(nchwToNhwc(batch.subarray(0, 3 * H * W), 1, 3, H, W), [1, H, W, 3]);
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(head.apply(x) as tf.Tensor)) as tf.Scalar, vars);
    x.dispose();
    const optimizer = tf.train.sgd(0.5);
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    optimizer.dispose();

    // ...and every other weight, moving means/variances included, scaled by 1 +- 1% at random.
    const rand = seededRandom(11);
    for (const layer of model.layers) {
      if (trainable.has(layer.name) || layer.weights.length === 0) continue;
      const perturbed = layer.getWeights().map((w) => tf.tidy(() => {
        const noise = Float32Array.from({ length: w.size }, () => 1 + 0.02 * (rand() - 0.5));
        return tf.mul(w, tf.tensor(noise, w.shape));
      }));
      layer.setWeights(perturbed);
      tf.dispose(perturbed);
    }

    const expected = tfjsFeatures();
    const after = await onnxFeatures();
    const moved = maxAbsDiff(after, before);
    const diff = maxAbsDiff(after, expected);
    console.log(`after update: features moved by up to ${moved.toFixed(3)}; max |ORT - tfjs| = ${diff.toExponential(2)}`);
    // The export must follow the new weights (not a cached copy) and still agree with tfjs.
    expect(moved).toBeGreaterThan(1e-2);
    expect(diff).toBeLessThan(TOL);
  });
});

describe('createFeatureExtractor', () => {
  it('rejects a batch of the wrong size and use after close', async () => {
    const extractor = await createFeatureExtractor(exportLayersModel(model, { pooling: 'avg' }), { threads: 1, providers: ['cpu'] });
    expect(extractor.provider).toBe('cpu');
    await expect(extractor.run(new Float32Array(3 * H * W + 1), 1)).rejects.toThrow(/not 1 images of 3x224x224/);
    await extractor.close();
    await expect(extractor.run(new Float32Array(3 * H * W), 1)).rejects.toThrow(/closed/);
  });

  it('rejects a model whose output is not pooled features', async () => {
    const bytes = exportLayersModel(model, { outputLayer: 'Conv1_relu', pooling: 'none' });
    await expect(createFeatureExtractor(bytes, { threads: 1, providers: ['cpu'] })).rejects.toThrow(/expected pooled features/);
  });
});
