import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { WASM } from './kernel-scope.js';
import { assertShape } from './spatial-ops.js';

/**
 * dW[i,j,c,m] = sum over n,y,x of x[n, y*s+i*d-pad, x*s+j*d-pad, c] * dy[n,y,x,c*M+m], as a direct loop
 * over the backend's heap. Expressing it as one depthwise convolution with dy as an (oh x ow) filter (the
 * earlier form) sent WASM's depthwise kernel filters of thousands of taps, where it is slowest: that
 * kernel was a quarter of a MobileNetV2 training step. Here each output-gradient row of C*M channels is
 * multiplied into at most fh*fw contiguous input rows, with no transposes or intermediate tensors, and
 * the sums are kept in float64 (a sum runs over batch x output pixels, up to hundreds of thousands of terms).
 */
export const depthwiseBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true,
  );
  assertShape(dy.shape, info.outShape);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`DepthwiseConv2dNativeBackpropFilter needs float32 (got ${x.dtype}, ${dy.dtype})`);
  const [fh, fw, channels, multiplier] = filterShape;
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const cm = channels * multiplier;
  const acc = new Float64Array(fh * fw * cm);

  const b = backend as BackendWasm;
  const out = b.makeOutput(filterShape, 'float32');
  // Views after the allocation: growing the heap replaces its buffer.
  const xs = b.typedArrayFromHeap(x) as Float32Array;
  const gs = b.typedArrayFromHeap(dy) as Float32Array;
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const go = ((n * outHeight + oy) * outWidth + ox) * cm;
        for (let i = 0; i < fh; i++) {
          const iy = oy * strideHeight + i * dilationHeight - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let j = 0; j < fw; j++) {
            const ix = ox * strideWidth + j * dilationWidth - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xo = ((n * inHeight + iy) * inWidth + ix) * channels;
            const wo = (i * fw + j) * cm;
            if (multiplier === 1) {
              for (let c = 0; c < channels; c++) acc[wo + c] += xs[xo + c] * gs[go + c];
            } else {
              for (let c = 0; c < channels; c++) {
                const v = xs[xo + c];
                const k = c * multiplier;
                for (let m = 0; m < multiplier; m++) acc[wo + k + m] += v * gs[go + k + m];
              }
            }
          }
        }
      }
    }
  }
  (b.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
};

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM,
  kernelFunc: depthwiseBackpropFilterWasm,
};
