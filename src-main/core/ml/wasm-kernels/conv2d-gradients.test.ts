import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTraining } from '../backend.js';
import { seededTensor, wasmVersusCpu } from './compare-backends.js';
import { isTrainingKernelInstalled } from './register.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const cases: ConvCase[] = [
  { name: '3x3 stride 1 SAME, batch 2, 9x7', x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 SAME, even x odd 10x13', x: [2, 10, 13, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 VALID, last row/column unread, 11x8', x: [3, 11, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { name: '3x3 strides (2,1) SAME', x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: [2, 1], pad: 'same' },
  { name: '3x3 numeric padding 1', x: [2, 8, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 1 },
  {
    name: '3x3 explicit padding beyond the filter reach',
    x: [1, 6, 5, 2], filter: [3, 3, 2, 3], strides: 1,
    pad: [[0, 0], [4, 3], [3, 4], [0, 0]],
  },
  {
    name: '5x5 stride 2 explicit asymmetric padding',
    x: [2, 12, 9, 2], filter: [5, 5, 2, 3], strides: 2,
    pad: [[0, 0], [1, 2], [2, 0], [0, 0]],
  },
  { name: '5x5 stride 4 SAME, 17x14', x: [2, 17, 14, 3], filter: [5, 5, 3, 4], strides: 4, pad: 'same' },
  { name: '1x1 stride 1 VALID, 6 -> 4 channels (DY^T X)', x: [2, 7, 5, 6], filter: [1, 1, 6, 4], strides: 1, pad: 'valid' },
  { name: '1x1 stride 1 SAME, 3 -> 8 channels (X^T DY)', x: [2, 5, 6, 3], filter: [1, 1, 3, 8], strides: 1, pad: 'same' },
  { name: '1x1 stride 2 SAME, last row never read, 6x7', x: [2, 6, 7, 3], filter: [1, 1, 3, 4], strides: 2, pad: 'same' },
  { name: '1x1 stride 2 VALID, 6 -> 2 channels, 7x9', x: [2, 7, 9, 6], filter: [1, 1, 6, 2], strides: 2, pad: 'valid' },
  {
    name: '1x1 explicit padding before (convolution path)',
    x: [2, 4, 5, 3], filter: [1, 1, 3, 4], strides: 1,
    pad: [[0, 0], [1, 0], [0, 2], [0, 0]],
  },
  {
    name: '1x1 stride 2 explicit padding after only (convolution path)',
    x: [2, 4, 5, 3], filter: [1, 1, 3, 4], strides: 2,
    pad: [[0, 0], [0, 3], [0, 2], [0, 0]],
  },
  { name: '11x11 stride 4 VALID, CaffeNet conv1 227x227', x: [1, 227, 227, 3], filter: [11, 11, 3, 2], strides: 4, pad: 'valid' },
  { name: '11x11 stride 4 SAME, 45x38', x: [2, 45, 38, 3], filter: [11, 11, 3, 4], strides: 4, pad: 'same' },
  { name: '3x3 stride 1 SAME, 16 -> 16 channels, batch 3, 12x12', x: [3, 12, 12, 16], filter: [3, 3, 16, 16], strides: 1, pad: 'same' },
];

/** d/dx and d/dW of sum(conv2d(x, W) * r): with random r, dy is random rather than all ones. */
function convGradients(c: ConvCase): tf.Tensor[] {
  const x = seededTensor(c.x, 1) as tf.Tensor4D;
  const w = seededTensor(c.filter, 2) as tf.Tensor4D;
  const r = seededTensor(tf.conv2d(x, w, c.strides, c.pad).shape, 3);
  return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
  )([x, w]);
}

const report: string[] = [];

beforeAll(async () => {
  delete process.env.SONOTL_BACKEND;
  await initTraining({ prefer: 'wasm' });
});

afterAll(() => {
  console.info(`max relative error, WASM vs CPU (dx, dW):\n${report.join('\n')}`);
});

describe('WASM conv2d gradients match the CPU backend', () => {
  it('uses this module\'s kernels', () => {
    expect(isTrainingKernelInstalled('Conv2DBackpropFilter')).toBe(true);
    expect(isTrainingKernelInstalled('Conv2DBackpropInput')).toBe(true);
  });

  it.each(cases)('$name', async (c) => {
    const [dxError, dwError] = await wasmVersusCpu(() => convGradients(c));
    report.push(`  ${c.name}: ${dxError.toExponential(2)}, ${dwError.toExponential(2)}`);
    expect(dxError).toBeLessThan(1e-4);
    expect(dwError).toBeLessThan(1e-4);
  });

  it('rejects NCHW, which the WASM convolution cannot run', () => {
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 4, 3, 3]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 4],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });
});
