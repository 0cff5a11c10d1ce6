import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTraining } from '../backend.js';
import { relativeError, seededTensor, valuesOn, wasmVersusCpu } from './compare-backends.js';
import { isTrainingKernelInstalled } from './register.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface DepthwiseCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const cases: DepthwiseCase[] = [
  { name: '3x3 stride 1 SAME, batch 2, 9x7', x: [2, 9, 7, 5], filter: [3, 3, 5, 1], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 SAME, even x odd 10x13', x: [2, 10, 13, 5], filter: [3, 3, 5, 1], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 SAME, odd 9x11', x: [3, 9, 11, 4], filter: [3, 3, 4, 1], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 VALID, 11x8', x: [2, 11, 8, 3], filter: [3, 3, 3, 1], strides: 2, pad: 'valid' },
  { name: '3x3 stride 4 SAME, 13x10', x: [2, 13, 10, 3], filter: [3, 3, 3, 1], strides: 4, pad: 'same' },
  { name: '3x3 stride 1 SAME, batch 1', x: [1, 7, 6, 4], filter: [3, 3, 4, 1], strides: 1, pad: 'same' },
  { name: '5x5 stride 1 SAME, channel multiplier 2', x: [2, 8, 9, 3], filter: [5, 5, 3, 2], strides: 1, pad: 'same' },
  {
    name: '3x3 stride 2 explicit padding, channel multiplier 3',
    x: [1, 9, 8, 2], filter: [3, 3, 2, 3], strides: 2,
    pad: [[0, 0], [1, 2], [0, 1], [0, 0]],
  },
  { name: '3x3 stride 1 SAME, 32 channels, batch 4, 14x14', x: [4, 14, 14, 32], filter: [3, 3, 32, 1], strides: 1, pad: 'same' },
];

/** d/dx and d/dW of sum(depthwiseConv2d(x, W) * r) with random r. */
function depthwiseGradients(c: DepthwiseCase): tf.Tensor[] {
  const x = seededTensor(c.x, 11) as tf.Tensor4D;
  const w = seededTensor(c.filter, 12) as tf.Tensor4D;
  const r = seededTensor(tf.depthwiseConv2d(x, w, c.strides, c.pad).shape, 13);
  return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
  )([x, w]);
}

/** A filter dilated by `d`, written out with zeros between its taps (differentiable in w). */
function spreadFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const [fh, fw, c, m] = w.shape;
  const spread = tf.pad(tf.reshape(w, [fh, 1, fw, 1, c * m]), [[0, 0], [0, d - 1], [0, 0], [0, d - 1], [0, 0]]);
  const full = tf.reshape(spread, [fh * d, fw * d, c, m]);
  return tf.slice(full, [0, 0, 0, 0], [(fh - 1) * d + 1, (fw - 1) * d + 1, c, m]) as tf.Tensor4D;
}

const report: string[] = [];

beforeAll(async () => {
  delete process.env.SONOTL_BACKEND;
  await initTraining({ prefer: 'wasm' });
});

afterAll(() => {
  console.info(`max relative error, WASM vs CPU (dx, dW):\n${report.join('\n')}`);
});

describe('WASM depthwise conv gradients match the CPU backend', () => {
  it('uses this module\'s kernels', () => {
    expect(isTrainingKernelInstalled('DepthwiseConv2dNativeBackpropFilter')).toBe(true);
    expect(isTrainingKernelInstalled('DepthwiseConv2dNativeBackpropInput')).toBe(true);
  });

  it.each(cases)('$name', async (c) => {
    const [dxError, dwError] = await wasmVersusCpu(() => depthwiseGradients(c));
    report.push(`  ${c.name}: ${dxError.toExponential(2)}, ${dwError.toExponential(2)}`);
    expect(dxError).toBeLessThan(1e-4);
    expect(dwError).toBeLessThan(1e-4);
  });

  // tfjs's gradient refuses dilations > 1 and the CPU kernels ignore them, so the reference is the
  // gradient of the equivalent undilated convolution with a zero-spread filter.
  it('handles dilation 2 when the kernels are called directly', async () => {
    const xShape: [number, number, number, number] = [2, 11, 9, 3];
    const filterShape: [number, number, number, number] = [3, 3, 3, 2];
    const attrs = { strides: 1, dilations: 2, pad: 'same' };
    const reference = await valuesOn('cpu', () => {
      const x = seededTensor(xShape, 21) as tf.Tensor4D;
      const w = seededTensor(filterShape, 22) as tf.Tensor4D;
      const r = seededTensor([2, 11, 9, 6], 23);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, spreadFilter(b as tf.Tensor4D, 2), 1, 'same'), r)),
      )([x, w]);
    });
    const actual = await valuesOn('wasm', () => {
      const x = seededTensor(xShape, 21);
      const w = seededTensor(filterShape, 22);
      const dy = seededTensor([2, 11, 9, 6], 23);
      const run = (name: string, inputs: tf.NamedTensorMap, extra: object) =>
        tf.engine().runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return [
        run('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { inputShape: xShape }),
        run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { filterShape }),
      ];
    });
    const [dxError, dwError] = actual.map((values, i) => relativeError(values, reference[i]));
    report.push(`  3x3 dilation 2 SAME, multiplier 2 (direct kernel call): ${dxError.toExponential(2)}, ${dwError.toExponential(2)}`);
    expect(dxError).toBeLessThan(1e-4);
    expect(dwError).toBeLessThan(1e-4);
  });
});
