import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTraining } from '../backend.js';
import { seededTensor, wasmVersusCpu } from './compare-backends.js';
import { isTrainingKernelInstalled, registerWasmTrainingKernels } from './register.js';

interface MatMulCase {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const matrices: MatMulCase[] = [
  { name: 'A B', a: [37, 23], b: [23, 19], transposeA: false, transposeB: false },
  { name: 'A^T B', a: [23, 37], b: [23, 19], transposeA: true, transposeB: false },
  { name: 'A B^T', a: [37, 23], b: [19, 23], transposeA: false, transposeB: true },
  { name: 'A^T B^T', a: [23, 37], b: [19, 23], transposeA: true, transposeB: true },
  { name: 'dense-layer sizes A^T B (x^T dy)', a: [16, 1280], b: [16, 10], transposeA: true, transposeB: false },
];

/** Batched A against one matrix B: the forward path that folds A's batch into rows. */
const broadcastB: MatMulCase[] = [
  { name: '[3,7,5]^T x [7,4]', a: [3, 7, 5], b: [7, 4], transposeA: true, transposeB: false },
  { name: '[2,3,5,7] x [4,7]^T', a: [2, 3, 5, 7], b: [4, 7], transposeA: false, transposeB: true },
  { name: '[4,6,5] x [1,5,3]', a: [4, 6, 5], b: [1, 5, 3], transposeA: false, transposeB: false },
];

/** Both operands batched: left to the original kernel. */
const batched: MatMulCase[] = [
  { name: '[3,5,7] x [3,4,7]^T', a: [3, 5, 7], b: [3, 4, 7], transposeA: false, transposeB: true },
  { name: '[2,7,5]^T x [2,7,4]', a: [2, 7, 5], b: [2, 7, 4], transposeA: true, transposeB: false },
];

function forwardAndGradients(c: MatMulCase, withGradients: boolean): tf.Tensor[] {
  const a = seededTensor(c.a, 31);
  const b = seededTensor(c.b, 32);
  const product = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, c.transposeA, c.transposeB);
  const y = product(a, b);
  if (!withGradients) return [y];
  const r = seededTensor(y.shape, 33);
  return [y, ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(product(p, q), r)))([a, b])];
}

const report: string[] = [];

beforeAll(async () => {
  delete process.env.SONOTL_BACKEND;
  await initTraining({ prefer: 'wasm' });
});

afterAll(() => {
  console.info(`max relative error, WASM vs CPU:\n${report.join('\n')}`);
});

describe('WASM BatchMatMul replacement matches the CPU backend', () => {
  it('is installed, and registering again does not wrap it twice', () => {
    registerWasmTrainingKernels();
    expect(isTrainingKernelInstalled('BatchMatMul')).toBe(true);
  });

  it.each([...matrices, ...batched])('$name: product and both gradients', async (c) => {
    const errors = await wasmVersusCpu(() => forwardAndGradients(c, true));
    report.push(`  ${c.name} (y, dA, dB): ${errors.map((e) => e.toExponential(2)).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThan(1e-4);
  });

  // tfjs's own matMul gradient cannot reduce a broadcast batch, so these are checked forward only.
  it.each(broadcastB)('$name: product', async (c) => {
    const [error] = await wasmVersusCpu(() => forwardAndGradients(c, false));
    report.push(`  ${c.name} (y): ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-4);
  });

  it('produces the broadcast output shape', () => {
    const y = tf.matMul(tf.ones([2, 3, 5, 7]), tf.ones([4, 7]), false, true);
    expect(y.shape).toEqual([2, 3, 5, 4]);
    expect(y.dataSync()[0]).toBe(7);
    y.dispose();
  });
});
