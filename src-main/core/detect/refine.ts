/**
 * Coarse-to-fine refinement of a detected box. The candidate grid has steps of `stride` x the window side
 * and a handful of sizes, so the best grid window can sit half a step and half a size rung away from the
 * organ: enough to lose Dice 0.8 on its own. Refinement is a pattern search on the classifier's score:
 * try shifting each edge pair and resizing around the centre by the current step, move to the best
 * neighbour while the score improves, otherwise halve the step, down to one pixel.
 */
import type { Box } from '../metrics/index.js';
import { snapWindow, windowKey } from './windows.js';

/** Scores a batch of windows of one image (higher = more likely the organ). */
export type ScoreWindows = (windows: Box[]) => Promise<Float64Array>;

export interface RefineParams {
  /** First step as a fraction of the box side (half the grid stride is a natural start). Default 0.0625. */
  initialStep: number;
  /** Stop when the step falls below this many pixels. Default 1. */
  minStepPx: number;
  /** Most rounds (batches of neighbours). Default 24. */
  maxRounds: number;
}

export const DEFAULT_REFINE_PARAMS: RefineParams = { initialStep: 0.0625, minStepPx: 1, maxRounds: 24 };

export interface Refined {
  box: Box;
  score: number;
  /** Windows scored during refinement. */
  evaluated: number;
}

export function neighbours(b: Box, step: number): Box[] {
  const dx = Math.max(1, Math.round(step * b.w));
  const dy = Math.max(1, Math.round(step * b.h));
  return [
    { ...b, x: b.x - dx },
    { ...b, x: b.x + dx },
    { ...b, y: b.y - dy },
    { ...b, y: b.y + dy },
    { ...b, x: b.x - dx, w: b.w + 2 * dx },
    { ...b, x: b.x + dx, w: b.w - 2 * dx },
    { ...b, y: b.y - dy, h: b.h + 2 * dy },
    { ...b, y: b.y + dy, h: b.h - 2 * dy },
    { x: b.x - dx, y: b.y - dy, w: b.w + 2 * dx, h: b.h + 2 * dy },
    { x: b.x + dx, y: b.y + dy, w: b.w - 2 * dx, h: b.h - 2 * dy },
  ];
}

export async function refineBox(
  score: ScoreWindows,
  start: Box,
  startScore: number,
  image: { width: number; height: number },
  params: RefineParams = DEFAULT_REFINE_PARAMS,
): Promise<Refined> {
  let box = snapWindow(start, image.width, image.height);
  let best = startScore;
  const seen = new Map<string, number>([[windowKey(box), best]]);
  let step = params.initialStep;
  let evaluated = 0;
  for (let round = 0; round < params.maxRounds; round++) {
    if (step * Math.min(box.w, box.h) < params.minStepPx) break;
    const fresh: Box[] = [];
    const candidates: Array<{ box: Box; key: string }> = [];
    for (const n of neighbours(box, step)) {
      const s = snapWindow(n, image.width, image.height);
      const key = windowKey(s);
      if (candidates.some((c) => c.key === key)) continue;
      candidates.push({ box: s, key });
      if (!seen.has(key)) fresh.push(s);
    }
    if (fresh.length > 0) {
      const scores = await score(fresh);
      evaluated += fresh.length;
      fresh.forEach((f, i) => seen.set(windowKey(f), scores[i]));
    }
    let moved = false;
    for (const c of candidates) {
      const s = seen.get(c.key)!;
      if (s > best) {
        best = s;
        box = c.box;
        moved = true;
      }
    }
    if (!moved) step /= 2;
  }
  return { box, score: best, evaluated };
}
