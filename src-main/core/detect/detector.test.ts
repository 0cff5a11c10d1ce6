import { describe, expect, it } from 'vitest';
import type { Box } from '../metrics/index.js';
import { DEFAULT_DETECT_PARAMS, detectBox, KEPT_WINDOWS, topWindows } from './detector.js';

/** A grid of 40x40 windows over a 320x240 image, scored by closeness to a target box's centre. */
function scene(): { candidates: Box[]; scores: Float64Array; score: (wins: Box[]) => Promise<Float64Array> } {
  const target = { cx: 170, cy: 110 };
  const closeness = (b: Box) => 1 / (1 + Math.hypot(b.x + b.w / 2 - target.cx, b.y + b.h / 2 - target.cy) / 20);
  const candidates: Box[] = [];
  for (let y = 0; y + 40 <= 240; y += 20) for (let x = 0; x + 40 <= 320; x += 20) candidates.push({ x, y, w: 40, h: 40 });
  const scores = Float64Array.from(candidates, closeness);
  return { candidates, scores, score: async (wins) => Float64Array.from(wins, closeness) };
}

describe('topWindows', () => {
  it('ranks the k best windows best first, keeping the candidates order among ties and NaN last', () => {
    const wins: Box[] = Array.from({ length: 7 }, (_, i) => ({ x: i, y: 0, w: 5, h: 5 }));
    const scores = [0.2, 0.9, Number.NaN, 0.5, 0.9, 0.1, 0.7];
    expect(topWindows(wins, scores, 4).map((w) => [w.x, w.score])).toEqual([
      [1, 0.9],
      [4, 0.9],
      [6, 0.7],
      [3, 0.5],
    ]);
    expect(topWindows(wins, scores, 10).map((w) => w.x)).toEqual([1, 4, 6, 3, 0, 5, 2]);
    expect(topWindows(wins, scores, 0)).toEqual([]);
    expect(() => topWindows(wins, scores.slice(1), 3)).toThrow(/6 scores for 7 windows/);
  });
});

describe('detectBox', () => {
  it('returns the top-scoring candidate windows, ranked as a full sort would rank them, before refinement', async () => {
    const { candidates, scores, score } = scene();
    const d = await detectBox(score, candidates, { width: 320, height: 240 }, DEFAULT_DETECT_PARAMS, scores);
    const sorted = candidates.map((b, i) => ({ ...b, score: scores[i] })).sort((a, b) => b.score - a.score);
    expect(d.windows).toHaveLength(KEPT_WINDOWS);
    expect(d.windows).toEqual(sorted.slice(0, KEPT_WINDOWS));
    // They are candidates as scored, not the refined box: refinement moved the box off the grid.
    for (const w of d.windows) expect(candidates).toContainEqual({ x: w.x, y: w.y, w: w.w, h: w.h });
    expect(d.windows[0].score).toBeGreaterThanOrEqual(d.windows.at(-1)!.score);
  });

  it('keeps every candidate when there are fewer than KEPT_WINDOWS, also without refinement', async () => {
    const { score } = scene();
    const few: Box[] = [
      { x: 0, y: 0, w: 40, h: 40 },
      { x: 150, y: 90, w: 40, h: 40 },
      { x: 280, y: 200, w: 40, h: 40 },
    ];
    const d = await detectBox(score, few, { width: 320, height: 240 }, { ...DEFAULT_DETECT_PARAMS, refine: false, merge: 'best' });
    expect(d.windows.map((w) => [w.x, w.y])).toEqual([
      [150, 90],
      [280, 200],
      [0, 0],
    ]);
    expect(d.box).toEqual(few[1]);
  });
});
