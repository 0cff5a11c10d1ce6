import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * tfjs-layers has no local response normalisation layer; SonoTL's exporter converts a custom layer
 * registered as 'LRN' (see src-main/core/onnx/layer-converters.ts).
 */
class LRN extends tfl.layers.Layer {
  static readonly className = 'LRN';
  constructor(private readonly args: { depthRadius: number; bias: number; alpha: number; beta: number }) {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const { depthRadius, bias, alpha, beta } = this.args;
    return tf.localResponseNormalization(x, depthRadius, bias, alpha, beta);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args };
  }
}
tf.serialization.registerClass(LRN);

/**
 * bvlc_reference_caffenet's shape up to fc7 (4096-d) with random weights, for timing only. Caffe's conv2,
 * conv4 and conv5 use two groups; tfjs-layers' Conv2D has no groups, so these are ungrouped (about 1.6x
 * the multiply-adds of the grouped net), and the torch peer is built the same way.
 */
export function caffenetShape(): tfl.LayersModel {
  // Caffe's alpha is per window (alpha / size per element); tf's is per element.
  const lrn = () => new LRN({ depthRadius: 2, bias: 1, alpha: 1e-4 / 5, beta: 0.75 });
  const relu = 'relu' as const;
  return tfl.sequential({
    name: 'caffenet_shape',
    layers: [
      tfl.layers.conv2d({ inputShape: [227, 227, 3], filters: 96, kernelSize: 11, strides: 4, activation: relu, name: 'conv1' }),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }),
      lrn(),
      tfl.layers.conv2d({ filters: 256, kernelSize: 5, padding: 'same', activation: relu, name: 'conv2' }),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool2' }),
      lrn(),
      tfl.layers.conv2d({ filters: 384, kernelSize: 3, padding: 'same', activation: relu, name: 'conv3' }),
      tfl.layers.conv2d({ filters: 384, kernelSize: 3, padding: 'same', activation: relu, name: 'conv4' }),
      tfl.layers.conv2d({ filters: 256, kernelSize: 3, padding: 'same', activation: relu, name: 'conv5' }),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool5' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: 4096, activation: relu, name: 'fc6' }),
      tfl.layers.dense({ units: 4096, activation: relu, name: 'fc7' }),
    ],
  });
}
