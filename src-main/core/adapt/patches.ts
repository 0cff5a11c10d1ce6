/**
 * Organ-vs-background training patches for fine-tuning, drawn from a project's annotated training images
 * with the detector's own machinery: candidate windows of the shapes the training boxes take, positives
 * at Dice >= positiveDice with a truth (topped up with jittered truths), negatives below negativeDice.
 * Images are split by subject into training and validation patches, so early stopping never watches a
 * subject the network trains on.
 */
import { bestDice, selectSamples, type SampleParams } from '../detect/samples.js';
import { DEFAULT_WINDOW_PARAMS, learnWindowShapes, slidingWindows, windowKey } from '../detect/windows.js';
import { SonoError } from '../errors.js';
import { subjectSplit, type Box } from '../metrics/index.js';
import { createRng, shuffleInPlace } from '../metrics/prng.js';
import type { FinetuneParams } from './params.js';

export interface TrainingImage {
  id: number;
  name: string;
  /** Absolute path of the stored image file. */
  file: string;
  width: number;
  height: number;
  subject: string | null;
  truths: Box[];
}

export interface Patch {
  /** Index into the image list. */
  image: number;
  box: Box;
  label: 0 | 1;
}

export interface PatchSets {
  train: Patch[];
  validation: Patch[];
  /** Per training image: random candidate negatives not among its patches, for hard-negative mining. */
  negativePools: Array<{ image: number; boxes: Box[] }>;
  /** Images whose patches validate. */
  validationImages: number;
}

/** Per-image seed, so an image gives the same patches whichever other images are in the run. */
function imageSeed(seed: number, imageId: number): number {
  return (Math.imul(seed ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(imageId, 0x85ebca77)) >>> 0;
}

export function samplePatches(images: readonly TrainingImage[], p: FinetuneParams): PatchSets {
  if (images.length === 0) throw new SonoError('BAD_INPUT', 'fine-tuning needs at least one training image with a box');
  const shapes = learnWindowShapes(images.flatMap((img) => img.truths.map((t) => ({ ...t, imageWidth: img.width, imageHeight: img.height }))), DEFAULT_WINDOW_PARAMS);
  const sample: SampleParams = {
    positiveDice: p.positiveDice,
    negativeDice: p.negativeDice,
    positivesPerImage: p.positivesPerImage,
    negativeRatio: p.negativeRatio,
    hardNegativesPerImage: 0,
    jitter: 0.1,
  };
  // With fewer than two subjects there is nothing to hold out without losing all training data.
  const split =
    p.validationFraction > 0 && new Set(images.map((img, i) => img.subject ?? `#${i}`)).size >= 2
      ? subjectSplit(images.map((img) => img.subject), { train: 1 - p.validationFraction, val: p.validationFraction, test: 0 }, p.seed)
      : images.map(() => 'train' as const);
  const out: PatchSets = { train: [], validation: [], negativePools: [], validationImages: 0 };
  images.forEach((img, i) => {
    const cands = slidingWindows(img.width, img.height, shapes, DEFAULT_WINDOW_PARAMS.stride);
    const s = selectSamples(cands, img.truths, img, sample, createRng(imageSeed(p.seed, img.id)));
    const target = split[i] === 'val' ? out.validation : out.train;
    if (split[i] === 'val') out.validationImages++;
    s.windows.forEach((box, k) => target.push({ image: i, box, label: s.labels[k] === 1 ? 1 : 0 }));
    if (split[i] !== 'val' && p.hardNegativesPerImage > 0) {
      const used = new Set(s.windows.map(windowKey));
      const pool = cands.filter((c) => !used.has(windowKey(c)) && bestDice(c, img.truths) < p.negativeDice);
      shuffleInPlace(pool, createRng(imageSeed(p.seed + 1, img.id)));
      if (pool.length > 0) out.negativePools.push({ image: i, boxes: pool.slice(0, p.hardNegativePool) });
    }
  });
  if (!out.train.some((x) => x.label === 1) || !out.train.some((x) => x.label === 0)) {
    throw new SonoError('BAD_INPUT', `fine-tuning found ${out.train.filter((x) => x.label === 1).length} positive and ${out.train.filter((x) => x.label === 0).length} negative training patches; it needs both`);
  }
  return out;
}
