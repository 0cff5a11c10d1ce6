/**
 * The paper's three adaptation levels and which backbone layers each one leaves frozen.
 * - NA (no adaptation): every weight keeps its ImageNet value; nothing trains.
 * - PA (partial adaptation): the registry's `layerGroups` (the conv1-conv2 equivalent; for MobileNetV2
 *   the stem convolution and the first inverted-residual block) stay frozen, everything after them is
 *   fine-tuned together with the classification head.
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
  const frozen = new Set(entry.layerGroups.flatMap((g) => g.layers));
  const missing = [...frozen].filter((n) => !allLayers.includes(n));
  if (missing.length > 0) {
    throw new SonoError('BAD_INPUT', `backbone ${entry.id} has no layer ${missing[0]} named in its registry layer groups`, entry.id);
  }
  return frozen;
}

/**
 * Fine-tuning here trains on small crops, which needs a fully convolutional backbone (average-pooled
 * feature map) with SonoTL's 'tf' input scaling; others (CaffeNet's fc7) are refused by name.
 */
export function checkFinetunable(entry: BackboneEntry): void {
  if (entry.preprocessing !== 'tf' || entry.featurePooling !== 'avg') {
    throw new SonoError(
      'UNSUPPORTED',
      `backbone ${entry.id} cannot be fine-tuned here: fine-tuning needs a fully convolutional backbone with average-pooled features and 'tf' preprocessing (it has ${entry.featurePooling} pooling, '${entry.preprocessing}' preprocessing)`,
      entry.id,
    );
  }
}
