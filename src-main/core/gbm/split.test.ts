import { describe, expect, it } from 'vitest';
import { FEATURE_STRIDE, MISSING_OFFSET } from './histogram.js';
import { Rng } from './rng.js';
import { findBestSplit, resetSplit, SPLIT_BIN, SPLIT_CL, SPLIT_FEATURE, SPLIT_GAIN, SPLIT_GL, SPLIT_HL, SPLIT_MISSING_LEFT } from './split.js';

interface Bin { g: number; h: number; c: number }

function histOf(bins: Bin[], missing: Bin = { g: 0, h: 0, c: 0 }): Float64Array {
  const hist = new Float64Array(FEATURE_STRIDE);
  bins.forEach((b, i) => hist.set([b.g, b.h, b.c], 3 * i));
  hist.set([missing.g, missing.h, missing.c], MISSING_OFFSET);
  return hist;
}

function score(g: number, h: number, l2: number): number {
  return (g * g) / (h + l2);
}

/** Every threshold and both missing-value directions, the slow way. */
function bruteForce(bins: Bin[], missing: Bin, l2: number, minLeaf: number, minHess: number): { gain: number; bin: number; missLeft: number } {
  const tot = [...bins, missing].reduce((a, b) => ({ g: a.g + b.g, h: a.h + b.h, c: a.c + b.c }), { g: 0, h: 0, c: 0 });
  let best = { gain: 0, bin: -1, missLeft: 0 };
  for (let t = 0; t < bins.length; t++) {
    for (const missLeft of missing.c > 0 ? [0, 1] : [0]) {
      const left = bins.slice(0, t + 1).reduce((a, b) => ({ g: a.g + b.g, h: a.h + b.h, c: a.c + b.c }), missLeft ? { ...missing } : { g: 0, h: 0, c: 0 });
      const rc = tot.c - left.c;
      if (left.c < minLeaf || rc < minLeaf || left.h < minHess || tot.h - left.h < minHess) continue;
      const gain = score(left.g, left.h, l2) + score(tot.g - left.g, tot.h - left.h, l2) - score(tot.g, tot.h, l2);
      if (gain > best.gain + 1e-12) best = { gain, bin: t, missLeft };
    }
  }
  return best;
}

describe('findBestSplit', () => {
  it('agrees with an exhaustive search, with and without missing values', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const nb = 2 + rng.nextInt(30);
      const bins: Bin[] = [];
      for (let b = 0; b < nb; b++) {
        const c = rng.nextFloat() < 0.2 ? 0 : 1 + rng.nextInt(15);
        bins.push({ g: c === 0 ? 0 : (rng.nextFloat() - 0.5) * c, h: c * 0.2 * rng.nextFloat(), c });
      }
      const mc = trial % 2 === 0 ? 1 + rng.nextInt(20) : 0;
      const missing = { g: (rng.nextFloat() - 0.3) * mc, h: mc * 0.2, c: mc };
      const l2 = trial % 3 === 0 ? 1.5 : 0;
      const minLeaf = 1 + rng.nextInt(10);
      const tot = [...bins, missing].reduce((a, b) => ({ g: a.g + b.g, h: a.h + b.h, c: a.c + b.c }), { g: 0, h: 0, c: 0 });
      const best = new Float64Array(8);
      resetSplit(best, 0);
      findBestSplit(histOf(bins, missing), 0, nb, 4, tot.g, tot.h, tot.c, l2, minLeaf, 1e-3, best, 0);
      const want = bruteForce(bins, missing, l2, minLeaf, 1e-3);
      if (want.bin < 0) {
        expect(best[SPLIT_FEATURE]).toBe(-1);
        continue;
      }
      expect(best[SPLIT_FEATURE]).toBe(4);
      expect(best[SPLIT_GAIN]).toBeCloseTo(want.gain, 9);
      // Recompute the gain of the reported split from its own left sums.
      const gl = best[SPLIT_GL];
      const hl = best[SPLIT_HL];
      expect(score(gl, hl, l2) + score(tot.g - gl, tot.h - hl, l2) - score(tot.g, tot.h, l2)).toBeCloseTo(want.gain, 9);
      expect(best[SPLIT_CL]).toBeGreaterThanOrEqual(minLeaf);
      expect(tot.c - best[SPLIT_CL]).toBeGreaterThanOrEqual(minLeaf);
    }
  });

  it('splits off the missing values when they alone differ', () => {
    const bins = [{ g: -5, h: 2.5, c: 10 }, { g: -5, h: 2.5, c: 10 }];
    const missing = { g: 8, h: 2.5, c: 10 };
    const best = new Float64Array(8);
    resetSplit(best, 0);
    findBestSplit(histOf(bins, missing), 0, 2, 0, -2, 7.5, 30, 0, 5, 1e-3, best, 0);
    expect(best[SPLIT_BIN]).toBe(1);
    expect(best[SPLIT_MISSING_LEFT]).toBe(0);
    expect(best[SPLIT_CL]).toBe(20);
  });

  it('respects min_samples_leaf and only replaces a record with a strictly better split', () => {
    const bins = [{ g: -10, h: 1, c: 3 }, { g: 1, h: 1, c: 30 }, { g: 1, h: 1, c: 30 }];
    const best = new Float64Array(8);
    resetSplit(best, 0);
    findBestSplit(histOf(bins), 0, 3, 2, -8, 3, 63, 0, 20, 1e-3, best, 0);
    expect(best[SPLIT_BIN]).toBe(1); // the 3-row bin alone would be the best cut but is too small
    const before = Array.from(best);
    findBestSplit(histOf(bins), 0, 3, 7, -8, 3, 63, 0, 20, 1e-3, best, 0);
    expect(Array.from(best)).toEqual(before); // equal gain on a higher feature index loses
    findBestSplit(histOf(bins), 0, 3, 1, -8, 3, 63, 0, 20, 1e-3, best, 0);
    expect(best[SPLIT_FEATURE]).toBe(1); // equal gain on a lower index wins, whatever the scan order
  });

  it('finds nothing in a constant feature or a pure node', () => {
    const best = new Float64Array(8);
    resetSplit(best, 0);
    findBestSplit(histOf([{ g: 3, h: 1, c: 50 }]), 0, 1, 0, 3, 1, 50, 0, 1, 1e-3, best, 0);
    const zero = [{ g: 0, h: 1, c: 25 }, { g: 0, h: 1, c: 25 }];
    findBestSplit(histOf(zero), 0, 2, 0, 0, 2, 50, 0, 1, 1e-3, best, 0);
    expect(best[SPLIT_FEATURE]).toBe(-1);
  });
});
