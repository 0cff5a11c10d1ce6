import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { inputGradAxis } from './conv-geometry.js';
import { composeKernel, WASM } from './kernel-scope.js';
import { assertShape, cropSpatial, explicitPad, insertZeros } from './spatial-ops.js';

/**
 * dx = full depthwise convolution of the zero-inserted dy with the spatially flipped filter, one channel
 * per (input channel, multiplier) pair; with a channel multiplier M > 1 the M contributions to each input
 * channel are then summed.
 */
export const depthwiseBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations ?? 1, pad, dimRoundingMode, true,
  );
  assertShape(dy.shape, info.outShape);
  const rows = inputGradAxis({
    inSize: info.inHeight, outSize: info.outHeight, padBefore: info.padInfo.top,
    stride: info.strideHeight, filterSize: info.filterHeight, dilation: info.dilationHeight,
  });
  const cols = inputGradAxis({
    inSize: info.inWidth, outSize: info.outWidth, padBefore: info.padInfo.left,
    stride: info.strideWidth, filterSize: info.filterWidth, dilation: info.dilationWidth,
  });
  const [fh, fw, channels, multiplier] = filter.shape;

  return composeKernel(backend, (s) => {
    const spread = insertZeros(s, dy, info.strideHeight, info.strideWidth);
    const flipped = s.reshape(s.reverse(filter, [0, 1]), [fh, fw, channels * multiplier, 1]);
    const full = s.depthwiseConv2d(spread, flipped, {
      strides: [1, 1],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad: explicitPad(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter),
    });
    const dx = cropSpatial(s, full, rows.cropBefore, cols.cropBefore, info.inHeight, info.inWidth);
    if (multiplier === 1) return dx;
    return s.sum(s.reshape(dx, [info.batchSize, info.inHeight, info.inWidth, channels, multiplier]), 4);
  });
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: WASM,
  kernelFunc: depthwiseBackpropInputWasm,
};
