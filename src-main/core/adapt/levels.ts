/**
 * The paper's three adaptation levels and which backbone layers each one leaves frozen.
 * - NA (no adaptation): every weight keeps its ImageNet value; nothing trains.
 * - PA (partial adaptation): the registry's `layerGroups` stay frozen (for CaffeNet conv1-conv2 with
 *   their pooling and LRN, the paper's definition; for MobileNetV2 the equivalent stem convolution and
 *   first inverted-residual block), everything after them is fine-tuned together with the classification
 *   head.
 * - FA (full adaptation): every layer is fine-tuned.
 */
import { SonoError } from '../errors.js';
import type { BackboneEntry } from '../backbones/registry.js';

export const ADAPT_LEVELS = ['na', 'pa', 'fa'] as const;
export type AdaptLevel = (typeof ADAPT_LEVELS)[number];

export function parseLevel(value: string): AdaptLevel {
  const v = value.trim().toLowerCase();
  if ((ADAPT_LEVELS as readonly string[]).includes(v)) return v as AdaptLevel;
  throw new SonoError('BAD_INPUT', `adaptation level "${value}" is not one of ${ADAPT_LEVELS.join(', ')}`, value);
}

/** Names of the backbone layers whose weights stay at their pretrained values at `level`. */
export function frozenLayerNames(entry: BackboneEntry, level: AdaptLevel, allLayers: readonly string[]): Set<string> {
  if (level === 'na') return new Set(allLayers);
  if (level === 'fa') return new Set();
  if (entry.layerGroups.length === 0) {
    throw new SonoError('UNSUPPORTED', `backbone ${entry.id} names no layer groups to keep frozen, so partial adaptation (PA) would be full adaptation; use FA, or register it with layer groups`, entry.id);
  }
  const frozen = new Set(entry.layerGroups.flatMap((g) => g.layers));
  const missing = [...frozen].filter((n) => !allLayers.includes(n));
  if (missing.length > 0) {
    throw new SonoError('BAD_INPUT', `backbone ${entry.id} has no layer ${missing[0]} named in its registry layer groups`, entry.id);
  }
  return frozen;
}

const TRAINABLE_PREPROCESSING: readonly string[] = ['tf', 'caffe'];
const TRAINABLE_POOLING: readonly string[] = ['avg', 'none'];

/**
 * Whether training patches can be made for the entry (see network.ts): an average-pooled feature map
 * trains on small square crops of `cropSize`, a feature vector (CaffeNet's fc7) on crops of the
 * network's own input size; both with the entry's preprocessing. An entry read from a user's backbones
 * file may name anything, hence the check by value.
 */
export function checkFinetunable(entry: BackboneEntry): void {
  const problems: string[] = [];
  if (!TRAINABLE_PREPROCESSING.includes(entry.preprocessing)) problems.push(`preprocessing '${entry.preprocessing}' is not one of ${TRAINABLE_PREPROCESSING.join(', ')}`);
  if (!TRAINABLE_POOLING.includes(entry.featurePooling)) problems.push(`feature pooling '${entry.featurePooling}' is not one of ${TRAINABLE_POOLING.join(', ')}`);
  const [h, w] = entry.inputSize;
  // Feature-vector backbones train at their own input size, through the square crops of the training loop.
  if (entry.featurePooling === 'none' && !(Number.isInteger(h) && h >= 1 && h === w)) problems.push(`its feature vector needs square training crops of its input size, which is ${h}x${w}`);
  if (problems.length > 0) throw new SonoError('UNSUPPORTED', `backbone ${entry.id} cannot be fine-tuned here: ${problems.join('; ')}`, entry.id);
}
