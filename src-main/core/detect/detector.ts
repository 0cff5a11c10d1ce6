/**
 * One organ box per image: score every candidate window, take the best one (or the score-weighted
 * average of the top windows that overlap it), then refine it coarse-to-fine on the same score.
 */
import { SonoError } from '../errors.js';
import { iou, type Box } from '../metrics/index.js';
import { DEFAULT_REFINE_PARAMS, refineBox, type RefineParams, type ScoreWindows } from './refine.js';
import { snapWindow } from './windows.js';

export interface DetectParams {
  /** 'best': the top-scoring window; 'weighted': the score-weighted mean of the top windows overlapping it. Default 'weighted'. */
  merge: 'best' | 'weighted';
  /** Windows merged at most ('weighted'). Default 5. */
  topK: number;
  /** Least IoU with the best window for a window to be merged. Default 0.5. */
  mergeIou: number;
  refine: boolean;
  refineParams: RefineParams;
}

export const DEFAULT_DETECT_PARAMS: DetectParams = { merge: 'weighted', topK: 5, mergeIou: 0.5, refine: true, refineParams: DEFAULT_REFINE_PARAMS };

/** Candidate windows a detection keeps for Review, best first: enough to see where the classifier looked. */
export const KEPT_WINDOWS = 10;

export interface ScoredWindow extends Box {
  score: number;
}

export interface Detection {
  box: Box;
  score: number;
  /** The box before refinement (after merging), for diagnosing where localisation is lost. */
  coarse: Box;
  /** Windows scored in all. */
  evaluated: number;
  /** The top-scoring candidates (at most KEPT_WINDOWS), best first, as scored before merging and refinement. */
  windows: ScoredWindow[];
}

/** The `k` highest-scoring windows, best first; ties keep the candidates' order, and NaN scores rank last. */
export function topWindows(windows: readonly Box[], scores: ArrayLike<number>, k: number): ScoredWindow[] {
  if (scores.length !== windows.length) throw new SonoError('BAD_INPUT', `${scores.length} scores for ${windows.length} windows`);
  const key = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  // Insertion into a short sorted list: k is small, and a full sort of thousands of candidates per image is not needed.
  const top: number[] = [];
  for (let i = 0; i < windows.length && k > 0; i++) {
    if (top.length === k && key(i) <= key(top[k - 1])) continue;
    let at = top.length;
    while (at > 0 && key(i) > key(top[at - 1])) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top.map((i) => ({ x: windows[i].x, y: windows[i].y, w: windows[i].w, h: windows[i].h, score: scores[i] }));
}

/** Score-weighted mean of the top windows overlapping the best one, edges averaged. */
export function mergeTop(windows: readonly Box[], scores: ArrayLike<number>, topK: number, minIou: number): Box {
  const order = Array.from({ length: windows.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const best = windows[order[0]];
  let x0 = 0;
  let y0 = 0;
  let x1 = 0;
  let y1 = 0;
  let total = 0;
  let taken = 0;
  for (const i of order) {
    if (taken >= topK) break;
    const w = windows[i];
    if (iou(w, best) < minIou) continue;
    // Scores are probabilities; a floor keeps a zero-probability best window from dividing by zero.
    const s = Math.max(scores[i], 1e-9);
    x0 += s * w.x;
    y0 += s * w.y;
    x1 += s * (w.x + w.w);
    y1 += s * (w.y + w.h);
    total += s;
    taken++;
  }
  return { x: x0 / total, y: y0 / total, w: (x1 - x0) / total, h: (y1 - y0) / total };
}

/**
 * Detects the organ in one image. `scores` may be given when the candidates were already scored (the
 * study scores them in a batch with other methods); otherwise `score` is called on all candidates.
 */
export async function detectBox(
  score: ScoreWindows,
  candidates: readonly Box[],
  image: { width: number; height: number },
  params: DetectParams = DEFAULT_DETECT_PARAMS,
  scores?: ArrayLike<number>,
): Promise<Detection> {
  if (candidates.length === 0) throw new SonoError('BAD_INPUT', 'no candidate windows to detect from');
  const s = scores ?? (await score([...candidates]));
  let evaluated = scores ? 0 : candidates.length;
  let bestIndex = 0;
  for (let i = 1; i < candidates.length; i++) if (s[i] > s[bestIndex]) bestIndex = i;
  let box = candidates[bestIndex];
  let boxScore = s[bestIndex];
  if (params.merge === 'weighted') {
    const merged = snapWindow(mergeTop(candidates, s, params.topK, params.mergeIou), image.width, image.height);
    if (merged.x !== box.x || merged.y !== box.y || merged.w !== box.w || merged.h !== box.h) {
      box = merged;
      boxScore = (await score([merged]))[0];
      evaluated++;
    }
  }
  const coarse = box;
  const windows = topWindows(candidates, s, KEPT_WINDOWS);
  if (!params.refine) return { box, score: boxScore, coarse, evaluated, windows };
  const refined = await refineBox(score, box, boxScore, image, params.refineParams);
  return { box: refined.box, score: refined.score, coarse, evaluated: evaluated + refined.evaluated, windows };
}
