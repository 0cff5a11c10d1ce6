import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { filterGradAxis } from './conv-geometry.js';
import { composeKernel, WASM } from './kernel-scope.js';
import { assertShape, cropSpatial, explicitPad } from './spatial-ops.js';

/**
 * dW[i,j,c,m] = sum over n,y,x of xPadded[n, y*s+i*d, x*s+j*d, c] * dy[n,y,x,c*M+m]. Folding the batch
 * into the channel axis (x as [1,h,w,n*c], dy as an [oh,ow,n*c,M] filter) makes that a single depthwise
 * convolution - dilated by the forward stride, stepping by the forward dilation - whose per-image
 * results are then summed over n.
 */
export const depthwiseBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true,
  );
  assertShape(dy.shape, info.outShape);
  const rows = filterGradAxis({
    inSize: info.inHeight, outSize: info.outHeight, padBefore: info.padInfo.top,
    stride: info.strideHeight, filterSize: info.filterHeight, dilation: info.dilationHeight,
  });
  const cols = filterGradAxis({
    inSize: info.inWidth, outSize: info.outWidth, padBefore: info.padInfo.left,
    stride: info.strideWidth, filterSize: info.filterWidth, dilation: info.dilationWidth,
  });
  const [fh, fw, channels, multiplier] = filterShape;
  const batch = info.batchSize;

  return composeKernel(backend, (s) => {
    const used = cropSpatial(s, x, 0, 0, rows.keep, cols.keep);
    const imagesAsChannels = s.reshape(s.transpose(used, [1, 2, 0, 3]), [1, rows.keep, cols.keep, batch * channels]);
    const dyAsFilter = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, batch * channels, multiplier]);
    const perImage = s.depthwiseConv2d(imagesAsChannels, dyAsFilter, {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: explicitPad(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter),
    });
    const summed = batch === 1 ? perImage : s.sum(s.reshape(perImage, [fh, fw, batch, channels * multiplier]), 2);
    return s.reshape(summed, filterShape);
  });
};

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM,
  kernelFunc: depthwiseBackpropFilterWasm,
};
