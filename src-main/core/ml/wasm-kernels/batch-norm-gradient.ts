import * as tf from '@tensorflow/tfjs-core';
import { backend_util, FusedBatchNorm, type FusedBatchNormAttrs, type GradConfig, registerGradient } from '@tensorflow/tfjs-core';

/**
 * The gradient of tf.batchNorm without tfjs's full-size intermediates. tfjs 4.22's own gradient tiles
 * the per-channel factor rsqrt(variance + eps) out to the whole activation shape before multiplying
 * (a Tile as large as the activation, for every batch-norm layer, in every step), and computes x - mean
 * and dy * scale eagerly even when only dx is wanted. Fine-tuning runs batch norm in inference mode, so
 * dx is the only full-size result needed below the trained layers; here it is one broadcast multiply by
 * a per-channel vector, and the other terms are computed only when the tape asks for them. Same
 * formulas as tfjs's, so training-mode batch norm (mean and variance on the tape) stays correct.
 * Backend-independent (a gradient, not a kernel); registered for every training backend.
 */
export const batchNormGradConfig: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const axes = backend_util.getReductionAxes(mean.shape, x.shape);
    // Per channel, summed over every axis the statistics were broadcast along. (A product with a row of
    // ones instead of WASM's Sum, which transposes the reduced axes last, measured slower.)
    const perChannel = (t: tf.Tensor): tf.Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const rsqrt = () => tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const factor = () => (scale == null ? rsqrt() : tf.mul(rsqrt(), scale));
    // Per channel, the sum of dy * (x - mean): the variance and scale terms are multiples of it.
    const centred = () => perChannel(tf.mul(g, tf.sub(x, mean)));
    return {
      x: () => tf.reshape(tf.mul(g, factor()), x.shape),
      mean: () => tf.mul(perChannel(g), tf.neg(factor())),
      variance: () => {
        const r = rsqrt();
        const k = tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5));
        return tf.mul(centred(), scale == null ? k : tf.mul(k, scale));
      },
      scale: () => tf.mul(centred(), rsqrt()),
      offset: () => perChannel(g),
    };
  },
};

/** Installs the gradient above over tfjs's (idempotent; the registry is global to tfjs-core). */
export function registerBatchNormGradient(): void {
  registerGradient(batchNormGradConfig);
}
