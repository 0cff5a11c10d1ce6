import * as tf from '@tensorflow/tfjs-core';

import { activateBackend } from '../backend.js';

/**
 * Error of `actual` against `reference`, relative to the reference's largest magnitude:
 * max|a - b| / max(1e-6, max|b|). Normalising by the largest entry (not per element) keeps entries that
 * cancel to near zero from dominating, which float32 summation order would otherwise turn into noise.
 */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) {
    throw new Error(`cannot compare ${actual.length} values with ${reference.length}`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    const diff = Math.abs(actual[i] - reference[i]);
    // NaN must count as a failure, and Math.max propagates it.
    maxDiff = Number.isNaN(diff) ? NaN : Math.max(maxDiff, diff);
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
  }
  return maxDiff / Math.max(1e-6, maxRef);
}

/** Reproducible values uniform in [-1, 1) (mulberry32), so a failing case can be rerun exactly. */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/**
 * Runs `compute` with `backendName` active and returns the outputs' values. Tensors are created inside
 * `compute`, so every input lives on that backend (values cross backends only as plain arrays).
 */
export async function valuesOn(backendName: string, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await activateBackend(backendName);
  const outputs = tf.tidy(compute);
  try {
    return (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(outputs);
  }
}

/** Relative error of each WASM output against the CPU backend's. */
export async function wasmVersusCpu(compute: () => tf.Tensor[]): Promise<number[]> {
  const reference = await valuesOn('cpu', compute);
  const actual = await valuesOn('wasm', compute);
  return actual.map((values, i) => relativeError(values, reference[i]));
}
