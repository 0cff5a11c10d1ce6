import * as tf from '@tensorflow/tfjs-core';
import { FusedBatchNorm } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTraining } from '../backend.js';
import { batchNormGradConfig } from './batch-norm-gradient.js';
import { relativeError, seededTensor, valuesOn } from './compare-backends.js';

/**
 * (tfjs's tape cannot differentiate a batch norm without scale at all, so every case has one.)
 * The replacement batch-norm gradient against the gradient of the same function written out in
 * element-wise ops ((x - mean) * scale / sqrt(variance + eps) + offset, whose gradients are tfjs's
 * Sub/Mul/Div/Sqrt ones), on the WASM and CPU backends, for every input the tape can ask for.
 */
const EPS = 1e-3;

interface Case {
  name: string;
  x: number[];
  channels: number;
  withScale: boolean;
}

const cases: Case[] = [
  { name: 'NHWC activation, per-channel statistics', x: [2, 5, 4, 3], channels: 3, withScale: true },
  { name: 'matrix, per-column statistics', x: [6, 4], channels: 4, withScale: true },
  { name: 'NHWC, 16 channels, batch 4', x: [4, 3, 5, 16], channels: 16, withScale: true },
];

function inputs(c: Case): tf.Tensor[] {
  const x = seededTensor(c.x, 21);
  const mean = tf.mul(seededTensor([c.channels], 22), 0.3);
  // Positive variances away from zero, as running statistics are.
  const variance = tf.add(tf.abs(seededTensor([c.channels], 23)), 0.2);
  const offset = seededTensor([c.channels], 24);
  const scale = seededTensor([c.channels], 25);
  const r = seededTensor(c.x, 26);
  return [x, mean, variance, offset, scale, r];
}

function viaKernel(c: Case): tf.Tensor[] {
  const [x, mean, variance, offset, scale, r] = inputs(c);
  if (!c.withScale) return tf.grads((a, m, v, o) => tf.sum(tf.mul(tf.batchNorm(a, m, v, o, undefined, EPS), r)))([x, mean, variance, offset]);
  return tf.grads((a, m, v, o, s) => tf.sum(tf.mul(tf.batchNorm(a, m, v, o, s, EPS), r)))([x, mean, variance, offset, scale]);
}

function writtenOut(c: Case): tf.Tensor[] {
  const [x, mean, variance, offset, scale, r] = inputs(c);
  const bn = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s?: tf.Tensor) => {
    const norm = tf.div(tf.sub(a, m), tf.sqrt(tf.add(v, EPS)));
    return tf.add(s ? tf.mul(norm, s) : norm, o);
  };
  if (!c.withScale) return tf.grads((a, m, v, o) => tf.sum(tf.mul(bn(a, m, v, o), r)))([x, mean, variance, offset]);
  return tf.grads((a, m, v, o, s) => tf.sum(tf.mul(bn(a, m, v, o, s), r)))([x, mean, variance, offset, scale]);
}

beforeAll(async () => {
  await initTraining({ prefer: 'wasm' });
});

describe('batch-norm gradient without full-size tiles', () => {
  it('is the gradient tfjs uses once training is initialised', () => {
    expect(tf.getGradient(FusedBatchNorm)).toBe(batchNormGradConfig);
  });

  for (const backend of ['wasm', 'cpu']) {
    for (const c of cases) {
      it(`${backend}: ${c.name}`, async () => {
        const actual = await valuesOn(backend, () => viaKernel(c));
        const reference = await valuesOn(backend, () => writtenOut(c));
        expect(actual.length).toBe(c.withScale ? 5 : 4);
        actual.forEach((a, i) => expect(relativeError(a, reference[i]), `input ${i}`).toBeLessThan(1e-5));
      });
    }
  }

  it('asks for no Tile kernel when only dx is needed', async () => {
    await valuesOn('wasm', () => []);
    const x = seededTensor([2, 6, 6, 4], 31);
    const stats = [tf.zeros([4]), tf.ones([4]), tf.zeros([4]), tf.ones([4])];
    const profile = await tf.profile(() => {
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.batchNorm(a, stats[0], stats[1], stats[2], stats[3], EPS)))(x);
      dx.dispose();
    });
    tf.dispose([x, ...stats]);
    expect(profile.kernelNames).toContain('FusedBatchNorm');
    expect(profile.kernelNames).not.toContain('Tile');
  });
});
