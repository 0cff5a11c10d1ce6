import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { activateBackend, initTraining } from '../backend.js';
import { seededTensor } from './compare-backends.js';

type Attrs = Record<string, unknown>;

interface KernelCall {
  name: string;
  kernel: string;
  inputs: () => tf.NamedTensorMap;
  attrs: Attrs;
}

const explicitBeyondFilter = [[0, 0], [4, 3], [3, 4], [0, 0]];

// Each call takes a different internal branch: input cropping, output cropping, zero insertion,
// multiplier summing, batch 1, folded and original matmul paths.
const calls: KernelCall[] = [
  {
    name: 'filter gradient, unread input columns cropped',
    kernel: 'Conv2DBackpropFilter',
    inputs: () => ({ x: seededTensor([2, 11, 8, 3], 1), dy: seededTensor([2, 5, 3, 4], 2) }),
    attrs: { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] },
  },
  {
    name: 'filter gradient, 1x1 strided, more input than output channels',
    kernel: 'Conv2DBackpropFilter',
    inputs: () => ({ x: seededTensor([2, 6, 7, 5], 19), dy: seededTensor([2, 3, 4, 2], 20) }),
    attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 5, 2] },
  },
  {
    name: 'input gradient, stride 2 zero insertion',
    kernel: 'Conv2DBackpropInput',
    inputs: () => ({ dy: seededTensor([2, 5, 4, 4], 3), filter: seededTensor([3, 3, 3, 4], 4) }),
    attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 10, 8, 3] },
  },
  {
    name: 'input gradient, padding beyond the filter cropped from the output',
    kernel: 'Conv2DBackpropInput',
    inputs: () => ({ dy: seededTensor([1, 11, 10, 3], 5), filter: seededTensor([3, 3, 2, 3], 6) }),
    attrs: { strides: 1, pad: explicitBeyondFilter, dataFormat: 'NHWC', inputShape: [1, 6, 5, 2] },
  },
  {
    name: 'depthwise filter gradient, multiplier 2, stride 2',
    kernel: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: () => ({ x: seededTensor([2, 9, 8, 3], 7), dy: seededTensor([2, 5, 4, 6], 8) }),
    attrs: { strides: 2, dilations: 1, pad: 'same', filterShape: [3, 3, 3, 2] },
  },
  {
    name: 'depthwise filter gradient, batch 1',
    kernel: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: () => ({ x: seededTensor([1, 7, 6, 4], 9), dy: seededTensor([1, 7, 6, 4], 10) }),
    attrs: { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 4, 1] },
  },
  {
    name: 'depthwise input gradient, multiplier 3, stride 2',
    kernel: 'DepthwiseConv2dNativeBackpropInput',
    inputs: () => ({ dy: seededTensor([2, 5, 4, 6], 11), filter: seededTensor([3, 3, 2, 3], 12) }),
    attrs: { strides: 2, dilations: 1, pad: 'same', inputShape: [2, 9, 8, 2] },
  },
  {
    name: 'matmul, transposed A (explicit transpose path)',
    kernel: 'BatchMatMul',
    inputs: () => ({ a: seededTensor([7, 5], 13), b: seededTensor([7, 4], 14) }),
    attrs: { transposeA: true, transposeB: false },
  },
  {
    name: 'matmul, batched A folded into rows',
    kernel: 'BatchMatMul',
    inputs: () => ({ a: seededTensor([3, 5, 7], 15), b: seededTensor([1, 4, 7], 16) }),
    attrs: { transposeA: false, transposeB: true },
  },
  {
    name: 'matmul, both batched (original kernel)',
    kernel: 'BatchMatMul',
    inputs: () => ({ a: seededTensor([3, 5, 7], 17), b: seededTensor([3, 7, 4], 18) }),
    attrs: { transposeA: false, transposeB: false },
  },
];

function counts(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
}

beforeAll(async () => {
  delete process.env.SONOTL_BACKEND;
  await initTraining({ prefer: 'wasm' });
  await activateBackend('wasm');
});

describe('WASM training kernels free everything they allocate', () => {
  it.each(calls)('$name', (call) => {
    const run = () => {
      const inputs = call.inputs();
      const out = tf.engine().runKernel(call.kernel, inputs, call.attrs as tf.NamedAttrMap) as tf.Tensor;
      // Reading the values proves the output's data id is live, not freed with the intermediates.
      expect(Number.isFinite(out.dataSync()[0])).toBe(true);
      tf.dispose([out, ...Object.values(inputs)]);
    };
    run();
    const before = counts();
    run();
    run();
    expect(counts()).toEqual(before);
  });

  it('a full training-style gradient step leaves the counts unchanged', () => {
    const step = () => {
      const grads = tf.tidy(() => {
        const x = seededTensor([2, 10, 9, 3], 41) as tf.Tensor4D;
        const w = seededTensor([3, 3, 3, 4], 42) as tf.Tensor4D;
        const dw = seededTensor([3, 3, 4, 1], 43) as tf.Tensor4D;
        const dense = seededTensor([20, 2], 44) as tf.Tensor2D;
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
          const conv = tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'));
          const depthwise = tf.depthwiseConv2d(conv, c as tf.Tensor4D, 1, 'same');
          const features = tf.slice(tf.reshape(depthwise, [2, -1]), [0, 0], [2, 20]);
          return tf.sum(tf.square(tf.matMul(features as tf.Tensor2D, d as tf.Tensor2D)));
        };
        return tf.grads(loss)([x, w, dw, dense]);
      });
      tf.dispose(grads);
    };
    step();
    const before = counts();
    step();
    step();
    expect(counts()).toEqual(before);
  });
});
