import { describe, expect, it } from 'vitest';
import { bootstrapMeanCI, wilson } from './intervals.js';

describe('wilson', () => {
  /*
   * Hand formula with z = 1.959964 (95%), p = s/n:
   *   centre = (p + z²/2n) / (1 + z²/n),  half = z/(1 + z²/n) * sqrt(p(1-p)/n + z²/4n²).
   * 3/45:  p = 0.066667, z²/n = 0.085370, centre = 0.109350/1.085370 = 0.100749,
   *        half = 1.805794 * sqrt(0.0013827 + 0.00047426) = 0.077817  ->  [0.0229, 0.1786].
   * 0/10:  centre = half = 0.192073/1.384146 = 0.138767              ->  [0, 0.2775].
   * 10/10: mirror image of 0/10                                        ->  [0.7225, 1].
   */
  it('matches hand-computed intervals to 4 decimals', () => {
    const [lo1, hi1] = wilson(3, 45);
    expect(lo1).toBeCloseTo(0.0229, 4);
    expect(hi1).toBeCloseTo(0.1786, 4);
    const [lo2, hi2] = wilson(0, 10);
    expect(lo2).toBe(0);
    expect(hi2).toBeCloseTo(0.2775, 4);
    const [lo3, hi3] = wilson(10, 10);
    expect(lo3).toBeCloseTo(0.7225, 4);
    expect(hi3).toBe(1);
  });

  it('matches to 1e-9 with the exact z, and widens at 99%', () => {
    const [lo, hi] = wilson(3, 45);
    expect(lo).toBeCloseTo(0.022932032599250987, 9);
    expect(hi).toBeCloseTo(0.17856601963591895, 9);
    // 99%: z = 2.575829, same formula.
    const [lo99, hi99] = wilson(3, 45, 0.99);
    expect(lo99).toBeCloseTo(0.01701188036620513, 9);
    expect(hi99).toBeCloseTo(0.22768497065395024, 9);
  });

  it('is [0, 1] without data and rejects impossible counts', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(() => wilson(5, 4)).toThrow(/successes <= n/);
    expect(() => wilson(1.5, 4)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => wilson(1, -1)).toThrow(/n >= 0/);
    expect(() => wilson(1, 4, 1)).toThrow(/Confidence/);
  });
});

function skewedSample(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = -Math.log((s + 1) / 4294967297); // exponential, mean 1
  }
  return out;
}

describe('bootstrapMeanCI', () => {
  const small = skewedSample(30, 1);

  it('reports the sample mean and an interval around it', () => {
    const r = bootstrapMeanCI(small, { seed: 7 });
    const mean = small.reduce((a, b) => a + b, 0) / small.length;
    expect(r.mean).toBeCloseTo(mean, 14);
    expect(r.lo).toBeLessThan(r.mean);
    expect(r.hi).toBeGreaterThan(r.mean);
    // Standard error of an exponential mean over 30 items is about 1/sqrt(30) = 0.18, so the 95% interval
    // is roughly +-0.36 wide on each side: neither absurdly narrow nor wide.
    expect(r.hi - r.lo).toBeGreaterThan(0.3);
    expect(r.hi - r.lo).toBeLessThan(1.2);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    expect(bootstrapMeanCI(small, { seed: 3 })).toEqual(bootstrapMeanCI(small, { seed: 3 }));
    expect(bootstrapMeanCI(small)).toEqual(bootstrapMeanCI(small, { seed: 0 }));
    expect(bootstrapMeanCI(small, { seed: 4 }).lo).not.toBe(bootstrapMeanCI(small, { seed: 3 }).lo);
  });

  it('narrows with more data and widens with higher confidence', () => {
    const big = skewedSample(3000, 1);
    const wSmall = bootstrapMeanCI(small, { seed: 1 });
    const wBig = bootstrapMeanCI(big, { seed: 1, resamples: 500 });
    // Width scales as 1/sqrt(n): 10x narrower for 100x the data, allow slack for the resampling noise.
    expect(wBig.hi - wBig.lo).toBeLessThan((wSmall.hi - wSmall.lo) / 5);
    const w99 = bootstrapMeanCI(small, { seed: 1, confidence: 0.99 });
    expect(w99.hi - w99.lo).toBeGreaterThan(wSmall.hi - wSmall.lo);
  });

  it('collapses to the value for constant data and rejects bad input', () => {
    expect(bootstrapMeanCI([2.5, 2.5, 2.5])).toEqual({ mean: 2.5, lo: 2.5, hi: 2.5 });
    expect(() => bootstrapMeanCI([])).toThrow(/at least one/);
    expect(() => bootstrapMeanCI([1, Number.NaN])).toThrow(/value 1/);
    expect(() => bootstrapMeanCI([1, 2], { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapMeanCI([1, 2], { seed: 0.5 })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
