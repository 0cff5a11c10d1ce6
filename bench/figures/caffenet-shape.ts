import * as tfl from '@tensorflow/tfjs-layers';
// The product's LRN layer: one class registered as 'LRN', the one the ONNX exporter converts.
import { LRN } from '../../src-main/core/backbones/caffenet-layers.js';

/**
 * bvlc_reference_caffenet's shape up to fc7 (4096-d) with random weights, for timing only. Caffe's conv2,
 * conv4 and conv5 use two groups; here they are ungrouped (about 1.6x the multiply-adds of the grouped
 * net) because the torch peer (bench/reference/peer_models.py) is built that way, so both sides do the
 * same work.
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
