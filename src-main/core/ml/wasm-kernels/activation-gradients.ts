import * as tf from '@tensorflow/tfjs-core';
import {
  ClipByValue,
  type ClipByValueAttrs,
  type GradConfig,
  type KernelConfig,
  type KernelFunc,
  registerGradient,
  Relu,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { WASM } from './kernel-scope.js';

/**
 * Keras' ReLU6 in tfjs-layers is relu followed by clipByValue(0, 6), and tfjs differentiates each with
 * separate full-size passes: relu as step + multiply, clip as greaterEqual, lessEqual, logicalAnd,
 * zerosLike and select, every one a fresh activation-sized tensor (about a fifth of a MobileNetV2
 * training step on WASM). Both gradients are "dy where x lies in a range, else 0"; on WASM that is one
 * pass here, a JS loop over the backend's heap. Other backends keep tfjs's formulas.
 */
export const MASKED_GRAD = 'SonoMaskedGrad';

interface MaskAttrs {
  low: number;
  high: number;
  /** x must exceed `low` (relu: the gradient at 0 is 0) instead of reaching it (clip: 1 at the bounds). */
  strictLow: boolean;
}

const maskedGradWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const { low, high, strictLow } = attrs as unknown as MaskAttrs;
  const b = backend as BackendWasm;
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new Error(`${MASKED_GRAD} needs float32 tensors (got ${dy.dtype}, ${x.dtype})`);
  const out = b.makeOutput(x.shape, 'float32');
  // Views after the allocation: growing the heap replaces its buffer.
  const xs = b.typedArrayFromHeap(x) as Float32Array;
  const gs = b.typedArrayFromHeap(dy) as Float32Array;
  const os = b.typedArrayFromHeap(out) as Float32Array;
  const n = os.length;
  if (strictLow) for (let i = 0; i < n; i++) os[i] = xs[i] > low && xs[i] <= high ? gs[i] : 0;
  else for (let i = 0; i < n; i++) os[i] = xs[i] >= low && xs[i] <= high ? gs[i] : 0;
  return out;
};

export const maskedGradConfig: KernelConfig = { kernelName: MASKED_GRAD, backendName: WASM, kernelFunc: maskedGradWasm };

function masked(dy: tf.Tensor, x: tf.Tensor, attrs: MaskAttrs): tf.Tensor {
  return tf.engine().runKernel(MASKED_GRAD, { dy, x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

const onWasm = (dy: tf.Tensor, x: tf.Tensor) => tf.getBackend() === WASM && dy.dtype === 'float32' && x.dtype === 'float32' && dy.size === x.size;

export const reluGradConfig: GradConfig = {
  kernelName: Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const g = dy as tf.Tensor;
    const [x] = saved;
    return { x: () => (onWasm(g, x) ? masked(g, x, { low: 0, high: Infinity, strictLow: true }) : tf.mul(g, tf.step(tf.cast(x, 'float32')))) };
  },
};

export const clipByValueGradConfig: GradConfig = {
  kernelName: ClipByValue,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const g = dy as tf.Tensor;
    const [x] = saved;
    const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
    return {
      x: () =>
        onWasm(g, x)
          ? masked(g, x, { low: clipValueMin, high: clipValueMax, strictLow: false })
          : tf.where(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)), g, tf.zerosLike(g)),
    };
  },
};

export function registerActivationGradients(): void {
  registerGradient(reluGradConfig);
  registerGradient(clipByValueGradConfig);
}
