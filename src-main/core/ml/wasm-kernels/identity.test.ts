import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { activateBackend, initTraining } from '../backend.js';
import { isTrainingKernelInstalled } from './register.js';

/** The copy-free WASM Identity: a clone shares the buffer, and either side may be disposed first. */
beforeAll(async () => {
  await initTraining({ prefer: 'wasm' });
  await activateBackend('wasm');
});

describe('WASM Identity', () => {
  it('is installed and clones without allocating', () => {
    expect(isTrainingKernelInstalled('Identity')).toBe(true);
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const dataIds = tf.engine().backend.numDataIds();
    const y = tf.clone(x);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    const before = tf.engine().backend.numDataIds();
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before - 1);
  });

  it('keeps gradients that save their inputs correct after the inputs are disposed', () => {
    const x = tf.tensor([0.5, -1, 2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.exp(a), a)))(x);
    x.dispose();
    const expected = [0.5, -1, 2, 3].map((v) => Math.exp(v) * (1 + v));
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    g.dispose();
  });
});
