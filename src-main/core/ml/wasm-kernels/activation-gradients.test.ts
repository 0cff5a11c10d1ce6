import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTraining } from '../backend.js';
import { seededValues, valuesOn, wasmVersusCpu } from './compare-backends.js';
import { MASKED_GRAD } from './activation-gradients.js';
import { isTrainingKernelInstalled } from './register.js';

/**
 * The one-pass relu / clipByValue gradients on WASM against the CPU backend, which keeps tfjs's own
 * formulas: inputs include values exactly at the bounds (0 and 6), where relu's gradient is 0 and
 * clip's is 1, and values beyond them.
 */
function activations(shape: number[]): tf.Tensor {
  const v = seededValues(shape.reduce((a, b) => a * b, 1), 41).map((u) => u * 9);
  for (let i = 0; i < v.length; i += 7) v[i] = 0;
  for (let i = 3; i < v.length; i += 11) v[i] = 6;
  return tf.tensor(v, shape);
}

beforeAll(async () => {
  await initTraining({ prefer: 'wasm' });
});

describe('masked activation gradients', () => {
  it('are installed on WASM', () => {
    expect(isTrainingKernelInstalled(MASKED_GRAD)).toBe(true);
  });

  for (const shape of [[2, 7, 5, 3], [1000]]) {
    it(`relu, clipByValue(0, 6) and the ReLU6 chain, shape ${shape.join('x')}: equal to the CPU backend`, async () => {
      const errors = await wasmVersusCpu(() => {
        const x = activations(shape);
        const r = tf.mul(activations(shape), 0.5);
        const grad = (f: (a: tf.Tensor) => tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), r)))(x);
        return [grad((a) => tf.relu(a)), grad((a) => tf.clipByValue(a, 0, 6)), grad((a) => tf.clipByValue(tf.relu(a), 0, 6)), grad((a) => tf.clipByValue(a, -2.5, 1))];
      });
      expect(errors).toEqual([0, 0, 0, 0]);
    });
  }

  it('gives relu 0 at 0 and clip 1 at its bounds', async () => {
    const [relu, clip] = await valuesOn('wasm', () => {
      const x = tf.tensor([-1, 0, 3, 6, 7]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(x), tf.grad((a: tf.Tensor) => tf.sum(tf.clipByValue(a, 0, 6)))(x)];
    });
    expect(Array.from(relu)).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(clip)).toEqual([0, 1, 1, 1, 0]);
  });

  it('runs as one kernel instead of five for the clip', async () => {
    await valuesOn('wasm', () => []);
    const x = activations([4, 8, 8, 2]);
    const profile = await tf.profile(() => tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(tf.clipByValue(a, 0, 6)))(x)));
    x.dispose();
    expect(profile.kernelNames).toContain(MASKED_GRAD);
    expect(profile.kernelNames).not.toContain('LogicalAnd');
  });
});
