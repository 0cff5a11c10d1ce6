/**
 * The ImageNet-pretrained backbones SonoTL knows how to find, verify, load and export. An entry holds
 * what the study code needs without loading the network: input size and scaling, the layer groups that
 * partial adaptation freezes or unfreezes together, and which layer gives the embedding.
 */
import { SonoError } from '../errors.js';
import { caffeNet } from './caffenet-entry.js';
import { mobileNetV2_035_224 } from './mobilenet-v2.js';

/** 'tf': RGB x / 127.5 - 1, i.e. [0, 255] -> [-1, 1] (Keras `preprocess_input` mode "tf"). */
export type Preprocessing = 'tf' | 'caffe';
/** 'caffe': BGR planes in [0, 255] minus the per-channel ImageNet mean (B 104, G 117, R 123), no scaling. */
export const CAFFE_MEAN_BGR = [104, 117, 123] as const;

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
   * The network's first conv stages, in input-to-output order: the equivalent of the paper's conv1-conv2.
   * Partial adaptation ("PA") keeps every layer listed here frozen at its pretrained weights and
   * fine-tunes all layers after them; full adaptation ("FA") fine-tunes everything; no adaptation ("NA")
   * trains nothing. Each group is a unit that is frozen as a whole.
   */
  layerGroups: readonly LayerGroup[];
  /**
   * Every stage of the network up to the feature layer, in order (layerGroups are its first entries).
   * Optional: only entries that name their later stages (CaffeNet: conv3..conv5, fc6, fc7) have it.
   */
  stages?: readonly LayerGroup[];
  /** Layer whose output is the embedding: globally average-pooled ('avg') or taken as is ('none'). */
  featureLayer: string;
  featurePooling: 'avg' | 'none';
  featureDim: number;
  /** URL of the tfjs `model.json` (weight shards are fetched relative to it), or of the ONNX `weightsFile`. */
  sourceUrl: string;
  /**
   * sha256 (hex) of the weight data: the bytes of all shards of model.json's weightsManifest,
   * concatenated in manifest order (for a single `weights.bin`, simply that file's hash).
   * For an ONNX entry (`weightsFile`), the sha256 of that file. null: no published hash is known, so
   * the weights cannot be verified (locate says so rather than claiming they are the published ones).
   */
  weightsSha256: string | null;
  /** Set when the weights come as one ONNX file (CaffeNet: `caffenet-12.onnx`) instead of tfjs model.json. */
  weightsFile?: string;
  license: string;
}

const entries: BackboneEntry[] = [mobileNetV2_035_224, caffeNet];

export function listBackbones(): readonly BackboneEntry[] {
  return entries;
}

/** Adds an entry at run time (user backbones); an id already listed is refused. */
export function registerBackbone(entry: BackboneEntry): void {
  if (entries.some((e) => e.id === entry.id)) throw new SonoError('BAD_INPUT', `backbone ${entry.id} is already registered`, entry.id);
  entries.push(entry);
}

export function getBackbone(id: string): BackboneEntry {
  const entry = entries.find((e) => e.id === id);
  if (!entry) {
    throw new SonoError('NOT_FOUND', `unknown backbone ${id}; known: ${entries.map((e) => e.id).join(', ')}`, id);
  }
  return entry;
}
