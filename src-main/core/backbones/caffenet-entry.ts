/**
 * CaffeNet's registry entry, kept apart from the tfjs builder (caffenet.ts) so that listing backbones
 * does not load tfjs. Input size, LRN and widths here are the published network's; see caffenet.ts.
 */
import type { BackboneEntry } from './registry.js';

/**
 * CaffeNet's stages in network order, each with the layers of buildCaffeNet (caffenet.ts) it holds.
 * PA ("conv1-2 frozen") freezes the first two, which are therefore the entry's layerGroups; the fc8
 * classifier head is not a stage because the studies replace it.
 */
export const CAFFENET_STAGES = [
  { name: 'conv1', layers: ['conv1', 'pool1_pad', 'pool1', 'norm1'] },
  { name: 'conv2', layers: ['conv2', 'pool2_pad', 'pool2', 'norm2'] },
  { name: 'conv3', layers: ['conv3'] },
  { name: 'conv4', layers: ['conv4'] },
  { name: 'conv5', layers: ['conv5', 'pool5_pad', 'pool5'] },
  { name: 'fc6', layers: ['pool5_flatten', 'fc6', 'drop6'] },
  { name: 'fc7', layers: ['fc7'] },
] as const;

/** Where the ONNX Model Zoo publishes the file the registry entry loads. */
export const CAFFENET_ONNX_FILE = 'caffenet-12.onnx';
export const CAFFENET_ONNX_URL =
  'https://github.com/onnx/models/raw/main/validated/vision/classification/caffenet/model/caffenet-12.onnx';

export const caffeNet: BackboneEntry = {
  id: 'caffenet',
  architecture: 'CaffeNet (BVLC reference CaffeNet, AlexNet variant)',
  inputSize: [227, 227],
  preprocessing: 'caffe',
  layerGroups: CAFFENET_STAGES.slice(0, 2),
  stages: CAFFENET_STAGES,
  featureLayer: 'fc7',
  featurePooling: 'none',
  featureDim: 4096,
  sourceUrl: CAFFENET_ONNX_URL,
  // sha256 and size (243,863,798 bytes) as listed for caffenet-12.onnx in the zoo's ONNX_HUB_MANIFEST.json
  // ("model_sha"); that manifest's hashes equal the Git LFS oids of the files (checked on caffenet-9.onnx
  // and caffenet-12.tar.gz).
  weightsSha256: 'ea563e5c47d1f58e1717cf1a2d8bf288b8adc07af0ad228b622096cd243aeecb',
  weightsFile: CAFFENET_ONNX_FILE,
  license: 'BSD-3-Clause (ONNX Model Zoo); BVLC model licence: unrestricted use',
};
