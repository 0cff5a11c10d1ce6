/**
 * Weight re-layouts between TensorFlow (NHWC activations, HWIO kernels) and ONNX (NCHW activations, OIHW
 * kernels), and batch-norm folding. Pure functions on flat float arrays so they can be tested alone.
 */

/** Conv2D kernel [kh, kw, cin, cout] -> ONNX Conv weight [cout, cin, kh, kw]. */
export function hwioToOihw(kernel: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel[src + o];
      }
    }
  }
  return out;
}

/**
 * DepthwiseConv2D kernel [kh, kw, cin, multiplier] -> grouped Conv weight [cin*multiplier, 1, kh, kw].
 * TF numbers depthwise output channels c*multiplier + m, which is exactly the order ONNX gives the
 * outputs of group c, so no channel shuffle is needed.
 */
export function depthwiseToOihw(kernel: Float32Array, [kh, kw, cin, mult]: number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let c = 0; c < cin; c++) {
        for (let m = 0; m < mult; m++) {
          out[((c * mult + m) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + c) * mult + m];
        }
      }
    }
  }
  return out;
}

/**
 * Reorders the rows of a Dense kernel [h*w*c, units] that follows a Keras Flatten of an NHWC tensor so
 * it can be applied to the flatten of the same tensor stored NCHW (row order c, h, w). Doing this once
 * at export time avoids a Transpose of the activations on every inference.
 */
export function hwcRowsToChw(kernel: Float32Array, h: number, w: number, c: number, units: number): Float32Array {
  if (kernel.length !== h * w * c * units) {
    throw new Error(`Dense kernel has ${kernel.length} values, expected ${h}*${w}*${c}*${units}`);
  }
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        const src = ((y * w + x) * c + ch) * units;
        const dst = ((ch * h + y) * w + x) * units;
        out.set(kernel.subarray(src, src + units), dst);
      }
    }
  }
  return out;
}

export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * Folds inference-mode batch norm y = gamma*(x-mean)/sqrt(var+eps) + beta into the affine layer that
 * produced x, in place. `channelOf(i)` gives the output channel of weight element i.
 *
 * The per-channel scale gamma/sqrt(var+eps) is rounded to float32 once, as ONNX Runtime's own Conv+BN
 * fusion does, and weights and bias are then scaled in double precision with that same value. Measured
 * on MobileNetV2 0.35 against tfjs (which applies batch norm unfolded): max feature difference 1-3e-5
 * this way, 5-7e-5 with an unrounded scale; the network amplifies one-ulp weight changes that much.
 */
export function foldBatchNorm(
  weight: Float32Array,
  bias: Float32Array,
  channelOf: (index: number) => number,
  bn: BatchNormParams,
): void {
  const channels = bias.length;
  if (bn.gamma.length !== channels) {
    throw new Error(`batch norm has ${bn.gamma.length} channels, the layer before it ${channels}`);
  }
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.epsilon);
  for (let i = 0; i < weight.length; i++) weight[i] = weight[i] * scale[channelOf(i)];
  for (let c = 0; c < channels; c++) bias[c] = (bias[c] - bn.mean[c]) * scale[c] + bn.beta[c];
}

/**
 * TensorFlow SAME padding for one spatial axis: output = ceil(in / stride) and, when the total padding
 * is odd, the extra row/column goes at the end (bottom/right). ONNX pads are explicit, so this must be
 * reproduced exactly or the receptive fields shift by one pixel.
 */
export function samePadding(inSize: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + effective - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}
