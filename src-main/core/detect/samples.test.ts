import { describe, expect, it } from 'vitest';
import { createRng } from '../metrics/prng.js';
import { DEFAULT_SAMPLE_PARAMS, bestDice, checkSampleParams, hardNegatives, selectSamples } from './samples.js';
import { windowKey } from './windows.js';
import type { Box } from '../metrics/index.js';

const image = { width: 400, height: 300 };
const truth: Box = { x: 100, y: 80, w: 160, h: 120 };

/** Every shift of the truth box by a fraction of its size: Dice from 1 down to 0, so every band is populated. */
function shiftedCandidates(): Box[] {
  const out: Box[] = [];
  for (let dx = -1; dx <= 1.0001; dx += 0.05) {
    for (let dy = -0.5; dy <= 0.5001; dy += 0.25) out.push({ x: truth.x + dx * truth.w, y: truth.y + dy * truth.h, w: truth.w, h: truth.h });
  }
  return out;
}

describe('training window samples', () => {
  it('labels by the Dice thresholds and leaves the band between them out', () => {
    const params = { ...DEFAULT_SAMPLE_PARAMS, positivesPerImage: 6, negativeRatio: 10 };
    const candidates = shiftedCandidates();
    // The band the defaults leave out must hold candidates, or the check below proves nothing.
    expect(candidates.some((c) => bestDice(c, [truth]) >= params.negativeDice && bestDice(c, [truth]) < params.positiveDice)).toBe(true);
    const s = selectSamples(candidates, [truth], image, params, createRng(3));
    const pos = s.windows.filter((_, i) => s.labels[i] === 1);
    const neg = s.windows.filter((_, i) => s.labels[i] === 0);
    expect(pos.length).toBe(6);
    expect(neg.length).toBeGreaterThan(0);
    for (const p of pos) expect(bestDice(p, [truth])).toBeGreaterThanOrEqual(params.positiveDice);
    for (const n of neg) expect(bestDice(n, [truth])).toBeLessThan(params.negativeDice);
  });

  it('puts near misses among the negatives by default: a window at Dice 0.6 must rank below a good one', () => {
    expect(DEFAULT_SAMPLE_PARAMS.positiveDice).toBeGreaterThan(0.8);
    expect(DEFAULT_SAMPLE_PARAMS.negativeDice).toBeGreaterThan(0.6);
    // A horizontal shift by 40 % of the width leaves Dice 1 - 0.4.
    const farther = { ...truth, x: truth.x + 0.4 * truth.w };
    expect(bestDice(farther, [truth])).toBeCloseTo(0.6, 5);
    const s = selectSamples([farther], [truth], image, { ...DEFAULT_SAMPLE_PARAMS, negativeRatio: 1 }, createRng(1));
    expect(s.windows.map(windowKey)).toContain(windowKey(farther));
    expect(s.labels[s.windows.map(windowKey).indexOf(windowKey(farther))]).toBe(0);
  });

  it('mines hard negatives only below negativeDice, highest score first, not overlapping each other', () => {
    const candidates = shiftedCandidates();
    const scores = candidates.map((c) => bestDice(c, [truth])); // a classifier that loves near misses
    const picked = hardNegatives(candidates, scores, [truth], new Set(), 3, 0.7);
    expect(picked.length).toBe(3);
    for (const p of picked) expect(bestDice(p, [truth])).toBeLessThan(0.7);
    expect(bestDice(picked[0], [truth])).toBeGreaterThan(0.6);
  });

  it('refuses thresholds in the wrong order', () => {
    expect(() => checkSampleParams({ ...DEFAULT_SAMPLE_PARAMS, positiveDice: 0.6, negativeDice: 0.7 })).toThrow(/0 < negativeDice <= positiveDice <= 1, got 0.7 and 0.6/);
  });
});
