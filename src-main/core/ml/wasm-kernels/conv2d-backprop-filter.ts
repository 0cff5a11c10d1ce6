import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { filterGradAxis } from './conv-geometry.js';
import { composeKernel, type KernelScope, WASM } from './kernel-scope.js';
import { assertShape, cropSpatial, explicitPad } from './spatial-ops.js';

type Shape4 = [number, number, number, number];

/**
 * dW[i,j,c,k] = sum over n,y,x of xPadded[n, y*s+i, x*s+j, c] * dy[n,y,x,k]. With the input's channels
 * moved to the batch axis and its batch to the channel axis, that is one ordinary convolution of x by dy
 * (dy as an [oh, ow, n, k] filter dilated by the forward stride), run by the backend's XNNPACK Conv2D.
 * Unpadded 1x1 convolutions take a cheaper matrix-product route instead.
 */
export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('WASM Conv2DBackpropFilter supports only NHWC (the WASM Conv2D does too)');
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  assertShape(dy.shape, info.outShape);
  const rows = filterGradAxis({
    inSize: info.inHeight, outSize: info.outHeight, padBefore: info.padInfo.top,
    stride: info.strideHeight, filterSize: info.filterHeight, dilation: 1,
  });
  const cols = filterGradAxis({
    inSize: info.inWidth, outSize: info.outWidth, padBefore: info.padInfo.left,
    stride: info.strideWidth, filterSize: info.filterWidth, dilation: 1,
  });

  const unpadded = [rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter].every((p) => p === 0);
  const pointwise = info.filterHeight === 1 && info.filterWidth === 1 && unpadded;
  if (pointwise) return composeKernel(backend, (s) => pointwiseFilterGrad(s, x, dy, info, rows.keep, cols.keep));

  return composeKernel(backend, (s) => {
    const used = cropSpatial(s, x, 0, 0, rows.keep, cols.keep);
    const channelsAsBatch = s.transpose(used, [3, 1, 2, 0]);
    const dyAsFilter = s.transpose(dy, [1, 2, 0, 3]);
    const grad = s.conv2d(channelsAsBatch, dyAsFilter, {
      dilations: [info.strideHeight, info.strideWidth],
      pad: explicitPad(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter),
    });
    return s.transpose(grad, [1, 2, 0, 3]);
  });
};

/**
 * A 1x1 convolution without padding is a matrix product over the (sampled) pixels, so dW = X^T DY. The
 * GEMM needs one operand transposed; the WASM transpose costs about as much as the GEMM for a wide
 * operand, so the one with fewer channels is transposed (measured 2-5x faster than the convolution
 * formulation on MobileNetV2's expand/project layers).
 */
function pointwiseFilterGrad(
  s: KernelScope, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, rows: number, cols: number,
): TensorInfo {
  const { batchSize, inChannels, outChannels, strideHeight, strideWidth } = info;
  const sampled = strideHeight === 1 && strideWidth === 1
    ? cropSpatial(s, x, 0, 0, rows, cols)
    : s.run('StridedSlice', { x }, {
      begin: [0, 0, 0, 0], end: [batchSize, rows, cols, inChannels], strides: [1, strideHeight, strideWidth, 1],
      beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
    });
  const pixels = batchSize * info.outHeight * info.outWidth;
  const xPixels = s.reshape(sampled, [pixels, inChannels]);
  const dyPixels = s.reshape(dy, [pixels, outChannels]);
  const transposeFirst = { transposeA: true, transposeB: false };
  if (inChannels <= outChannels) {
    return s.reshape(s.run('BatchMatMul', { a: xPixels, b: dyPixels }, transposeFirst), [1, 1, inChannels, outChannels]);
  }
  const gradTransposed = s.run('BatchMatMul', { a: dyPixels, b: xPixels }, transposeFirst);
  return s.reshape(s.transpose(gradTransposed, [1, 0]), [1, 1, inChannels, outChannels]);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilterWasm,
};
