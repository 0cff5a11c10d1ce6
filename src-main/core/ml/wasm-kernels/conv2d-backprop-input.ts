import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { inputGradAxis } from './conv-geometry.js';
import { composeKernel, WASM } from './kernel-scope.js';
import { assertShape, cropSpatial, explicitPad, insertZeros } from './spatial-ops.js';

/**
 * dx = full convolution of dy (stride-1 zeros inserted between its rows and columns) with the filter
 * flipped in space and with in/out channels swapped, run by the backend's XNNPACK Conv2D. Replaces the
 * WASM backend's own Conv2DBackpropInput, which is a scalar loop.
 */
export const conv2DBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') throw new Error('WASM Conv2DBackpropInput supports only NHWC (the WASM Conv2D does too)');
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  assertShape(dy.shape, info.outShape);
  const rows = inputGradAxis({
    inSize: info.inHeight, outSize: info.outHeight, padBefore: info.padInfo.top,
    stride: info.strideHeight, filterSize: info.filterHeight, dilation: 1,
  });
  const cols = inputGradAxis({
    inSize: info.inWidth, outSize: info.outWidth, padBefore: info.padInfo.left,
    stride: info.strideWidth, filterSize: info.filterWidth, dilation: 1,
  });

  return composeKernel(backend, (s) => {
    const spread = insertZeros(s, dy, info.strideHeight, info.strideWidth);
    const flipped = s.transpose(s.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const full = s.conv2d(spread, flipped, {
      dilations: [1, 1],
      pad: explicitPad(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter),
    });
    return cropSpatial(s, full, rows.cropBefore, cols.cropBefore, info.inHeight, info.inWidth);
  });
};

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2DBackpropInputWasm,
};
