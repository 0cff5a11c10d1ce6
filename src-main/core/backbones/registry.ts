/**
 * The ImageNet-pretrained backbones SonoTL knows how to find, verify, load and export. An entry holds
 * what the study code needs without loading the network: input size and scaling, the layer groups that
 * partial adaptation freezes or unfreezes together, and which layer gives the embedding.
 */
import { SonoError } from '../errors.js';
import { mobileNetV2_035_224 } from './mobilenet-v2.js';

/** 'tf': RGB x / 127.5 - 1, i.e. [0, 255] -> [-1, 1] (Keras `preprocess_input` mode "tf"). */
export type Preprocessing = 'tf';

export interface LayerGroup {
  name: string;
  /** tfjs layer names, input to output. Layers without weights are listed too so a group is contiguous. */
  layers: readonly string[];
}

export interface BackboneEntry {
  id: string;
  architecture: string;
  /** [height, width] of the network input, in pixels. */
  inputSize: readonly [number, number];
  preprocessing: Preprocessing;
  /**
   * Groups in input-to-output order. Partial adaptation ("PA") fine-tunes the first k groups and keeps
   * the rest frozen, so each group is a unit that is trained or frozen as a whole.
   */
  layerGroups: readonly LayerGroup[];
  /** Layer whose output, globally average-pooled, is the embedding. */
  featureLayer: string;
  featurePooling: 'avg';
  featureDim: number;
  /** URL of the tfjs `model.json`; weight shards are fetched relative to it. */
  sourceUrl: string;
  /**
   * sha256 (hex) of the weight data: the bytes of all shards of model.json's weightsManifest,
   * concatenated in manifest order (for a single `weights.bin`, simply that file's hash).
   */
  weightsSha256: string;
  license: string;
}

const entries: readonly BackboneEntry[] = [mobileNetV2_035_224];

export function listBackbones(): readonly BackboneEntry[] {
  return entries;
}

export function getBackbone(id: string): BackboneEntry {
  const entry = entries.find((e) => e.id === id);
  if (!entry) {
    throw new SonoError('NOT_FOUND', `unknown backbone ${id}; known: ${entries.map((e) => e.id).join(', ')}`, id);
  }
  return entry;
}
