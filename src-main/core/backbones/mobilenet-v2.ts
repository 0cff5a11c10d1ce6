/**
 * MobileNetV2, width multiplier 0.35, 224x224 input, ImageNet weights without the classifier (Keras
 * Applications weights as converted to tfjs for Teachable Machine). 410,208 parameters; `out_relu` is
 * [N, 7, 7, 1280], so average pooling gives a 1280-d embedding.
 */
import type { BackboneEntry } from './registry.js';

/**
 * The first two convolution stages, MobileNetV2's equivalent of CaffeNet's conv1-conv2 (the paper's PA
 * freezes conv1-conv2 and fine-tunes the rest). Like conv1-conv2 they are the network's lowest-level
 * filters (edges, blobs) ahead of its first spatial reduction inside the blocks:
 * - `stem`: the stride-2 3x3 stem convolution `Conv1` (with its padding layer `Conv1_pad`), its batch
 *   norm `bn_Conv1` and ReLU6 `Conv1_relu`: 112x112x16 for a 224 input.
 * - `block0`: the first inverted-residual block, which Keras names `expanded_conv_*`. Unlike later
 *   blocks it has no 1x1 expansion (expansion factor 1): a 3x3 depthwise conv + BN + ReLU6, then the
 *   linear 1x1 projection to 8 channels + BN (no activation, no residual).
 * PA keeps these two groups frozen; the later blocks (`block_1_*`...`block_16_*`, `Conv_1`, `out_relu`)
 * are fine-tuned, so they are not listed.
 */
const stem = ['Conv1_pad', 'Conv1', 'bn_Conv1', 'Conv1_relu'] as const;
const block0 = [
  'expanded_conv_depthwise',
  'expanded_conv_depthwise_BN',
  'expanded_conv_depthwise_relu',
  'expanded_conv_project',
  'expanded_conv_project_BN',
] as const;

export const mobileNetV2_035_224: BackboneEntry = {
  id: 'mobilenet_v2_0.35_224',
  architecture: 'MobileNetV2 (alpha 0.35)',
  inputSize: [224, 224],
  preprocessing: 'tf',
  layerGroups: [
    { name: 'stem', layers: stem },
    { name: 'block0', layers: block0 },
  ],
  featureLayer: 'out_relu',
  featurePooling: 'avg',
  featureDim: 1280,
  sourceUrl:
    'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
  weightsSha256: 'e159deb3afa15bc63a53edb3eb31d0d6de1a25f0d8d72d9b8372b5088a902a8a',
  license: 'Apache-2.0 (Keras Applications weights, Google)',
};
