/**
 * Training patches for the window classifier. A window is positive when its Dice with a ground-truth box
 * reaches `positiveDice` and negative when it stays below `negativeDice`; windows in between are left
 * out. The detector keeps the best-scoring window, so the classifier must rank a near miss (Dice 0.6-0.7)
 * below a good window, not only tell the organ from background: the defaults (0.85 / 0.70) put near
 * misses among the negatives and keep positives clear of the 0.80 failure line. On hc18-dev (3 folds)
 * this halved Haar's failures against 0.80 / 0.50 (docs/results.md, "Choosing the sample thresholds").
 * Negatives outnumber positives `negativeRatio` to one; hard negatives, the negatives a first-round
 * classifier scores highest, are added in a second round.
 */
import { SonoError } from '../errors.js';
import { dice, iou, type Box } from '../metrics/index.js';
import { shuffleInPlace } from '../metrics/prng.js';
import { snapWindow, windowKey } from './windows.js';

export interface SampleParams {
  /** Default 0.85. */
  positiveDice: number;
  /** Default 0.7. */
  negativeDice: number;
  /** Positives per training image, at most. Default 8. */
  positivesPerImage: number;
  /** Random negatives per positive. Default 3. */
  negativeRatio: number;
  /** Hard negatives added per training image in the second round (0 turns the round off). Default 8. */
  hardNegativesPerImage: number;
  /** Largest relative shift / size change of the jittered truths that fill up the positives. Default 0.1. */
  jitter: number;
}

export const DEFAULT_SAMPLE_PARAMS: SampleParams = {
  positiveDice: 0.85,
  negativeDice: 0.7,
  positivesPerImage: 8,
  negativeRatio: 3,
  hardNegativesPerImage: 8,
  jitter: 0.1,
};

export interface LabelledWindows {
  windows: Box[];
  labels: Uint8Array;
}

export function checkSampleParams(p: SampleParams): void {
  if (!(p.negativeDice > 0 && p.negativeDice <= p.positiveDice && p.positiveDice <= 1)) {
    throw new SonoError('BAD_INPUT', `sample Dice thresholds must satisfy 0 < negativeDice <= positiveDice <= 1, got ${p.negativeDice} and ${p.positiveDice}`);
  }
  for (const [name, v] of [['positivesPerImage', p.positivesPerImage], ['hardNegativesPerImage', p.hardNegativesPerImage]] as const) {
    if (!Number.isInteger(v) || v < (name === 'positivesPerImage' ? 1 : 0) || v > 1000) throw new SonoError('BAD_INPUT', `${name} must be an integer in range, got ${v}`);
  }
  if (!(p.negativeRatio > 0 && p.negativeRatio <= 100)) throw new SonoError('BAD_INPUT', `negativeRatio must be in (0, 100], got ${p.negativeRatio}`);
  if (!(p.jitter >= 0 && p.jitter <= 0.5)) throw new SonoError('BAD_INPUT', `jitter must be in [0, 0.5], got ${p.jitter}`);
}

/** Best Dice of a window against any of the truths (an image may show the organ more than once). */
export function bestDice(win: Box, truths: readonly Box[]): number {
  let best = 0;
  for (const t of truths) best = Math.max(best, dice(win, t));
  return best;
}

/**
 * First-round patches of one training image: positives from the candidate windows, topped up with
 * jittered copies of the truth when the grid holds fewer than wanted (small organs fall between grid
 * steps), then random negatives. `rng` must be seeded per image so that every fold containing the image
 * draws the same patches.
 */
export function selectSamples(
  candidates: readonly Box[],
  truths: readonly Box[],
  image: { width: number; height: number },
  params: SampleParams,
  rng: () => number,
): LabelledWindows {
  if (truths.length === 0) throw new SonoError('BAD_INPUT', 'a training image needs at least one ground-truth box');
  const positives: Box[] = [];
  const negatives: Box[] = [];
  for (const c of candidates) {
    const d = bestDice(c, truths);
    if (d >= params.positiveDice) positives.push(c);
    else if (d < params.negativeDice) negatives.push(c);
  }
  shuffleInPlace(positives, rng);
  const chosen = positives.slice(0, params.positivesPerImage);
  const seen = new Set(chosen.map(windowKey));
  const addPositive = (b: Box): void => {
    const key = windowKey(b);
    if (seen.has(key) || bestDice(b, truths) < params.positiveDice) return;
    seen.add(key);
    chosen.push(b);
  };
  // The truth itself first, then jittered copies: the classifier must also know the exact organ box.
  for (const t of truths) if (chosen.length < params.positivesPerImage) addPositive(snapWindow(t, image.width, image.height));
  for (let attempt = 0; chosen.length < params.positivesPerImage && attempt < 20 * params.positivesPerImage; attempt++) {
    const t = truths[Math.floor(rng() * truths.length)];
    const j = params.jitter;
    const w = t.w * (1 + j * (2 * rng() - 1));
    const h = t.h * (1 + j * (2 * rng() - 1));
    const cx = t.x + t.w / 2 + j * t.w * (2 * rng() - 1);
    const cy = t.y + t.h / 2 + j * t.h * (2 * rng() - 1);
    addPositive(snapWindow({ x: cx - w / 2, y: cy - h / 2, w, h }, image.width, image.height));
  }
  shuffleInPlace(negatives, rng);
  const nNeg = Math.min(negatives.length, Math.round(params.negativeRatio * Math.max(1, chosen.length)));
  const windows = [...chosen, ...negatives.slice(0, nNeg)];
  const labels = new Uint8Array(windows.length);
  labels.fill(1, 0, chosen.length);
  return { windows, labels };
}

/**
 * The `count` highest-scoring negatives not already used, each overlapping earlier picks by at most
 * IoU 0.5 so they are not all shifts of one confusing structure.
 */
export function hardNegatives(
  candidates: readonly Box[],
  scores: ArrayLike<number>,
  truths: readonly Box[],
  used: ReadonlySet<string>,
  count: number,
  negativeDice: number,
): Box[] {
  if (scores.length !== candidates.length) throw new SonoError('BAD_INPUT', `${scores.length} scores for ${candidates.length} windows`);
  const order = Array.from({ length: candidates.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const picked: Box[] = [];
  for (const i of order) {
    if (picked.length >= count) break;
    const c = candidates[i];
    if (used.has(windowKey(c)) || bestDice(c, truths) >= negativeDice) continue;
    if (picked.some((p) => iou(p, c) > 0.5)) continue;
    picked.push(c);
  }
  return picked;
}
