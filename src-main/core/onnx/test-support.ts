/**
 * Helpers for the exporter's parity tests: run a tfjs model and its ONNX export on the same input and
 * measure how far apart they are. Not used by product code.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { useCpuBackend as useCpuBackendFor } from '../ml/cpu-backend.js';
import { exportLayersModel, type ExportOptions } from './export-tfjs.js';

export async function useCpuBackend(): Promise<void> {
  await useCpuBackendFor('the test');
}

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, rand: () => number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/**
 * Replaces every weight with random values (fresh tfjs layers have zero biases and identity batch
 * norms, which would hide folding or bias mistakes). Variances stay positive; `kernelGain` widens the
 * kernels so activations reach ranges where clipping matters.
 */
export function randomizeWeights(model: LayersModel, seed: number, kernelGain = 1): void {
  const rand = seededRandom(seed);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      if (w.originalName.endsWith('moving_variance')) return tf.tensor(randomArray(n, rand, 0.5, 1.5), w.shape as number[]);
      const gain = w.originalName.endsWith('kernel') ? kernelGain : 1;
      return tf.tensor(randomArray(n, rand, -gain, gain), w.shape as number[]);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

/** NHWC -> NCHW for a batch of images. */
export function nhwcToNchw(data: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + x] = data[((b * h + y) * w + x) * c + ch];
      }
    }
  }
  return out;
}

export async function runOnnx(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, dims) };
    const out = (await session.run(feeds))[session.outputNames[0]];
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

/**
 * Exports `model`, runs both on a random NHWC batch and returns the largest absolute difference,
 * plus the output shapes so tests can check the layout convention.
 */
export async function exportParity(
  model: LayersModel,
  opts: ExportOptions = {},
  batch = 2,
  seed = 7,
): Promise<{ diff: number; tfjsShape: number[]; onnxDims: readonly number[]; bytes: Uint8Array; scale: number }> {
  const shape = [batch, ...(model.inputs[0].shape.slice(1) as number[])];
  const input = randomArray(shape.reduce((a, b) => a * b, 1), seededRandom(seed));
  const expected = tf.tidy(() => {
    const x = tf.tensor(input, shape);
    let y = model.predict(x) as tf.Tensor;
    if (opts.pooling === 'avg') y = tf.mean(y, [1, 2]);
    return y;
  });
  const expectedData = (await expected.data()) as Float32Array;
  const tfjsShape = expected.shape;
  expected.dispose();

  const bytes = exportLayersModel(model, opts);
  const nchw = shape.length === 4 && (opts.inputLayout ?? 'nchw') === 'nchw';
  const got = await runOnnx(bytes, nchw ? nhwcToNchw(input, shape) : input, nchw ? [shape[0], shape[3], shape[1], shape[2]] : shape);
  const scale = expectedData.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { diff: maxAbsDiff(got.data, expectedData), tfjsShape, onnxDims: got.dims, bytes, scale };
}
