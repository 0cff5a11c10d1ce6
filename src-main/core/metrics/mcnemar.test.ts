import { describe, expect, it } from 'vitest';
import { mcnemar } from './mcnemar.js';

/** Paired results with the given counts of (A right, B right) combinations. */
function pairs(both: number, onlyA: number, onlyB: number, neither: number): [boolean[], boolean[]] {
  const a: boolean[] = [];
  const b: boolean[] = [];
  const add = (n: number, x: boolean, y: boolean) => {
    for (let i = 0; i < n; i++) {
      a.push(x);
      b.push(y);
    }
  };
  add(both, true, true);
  add(onlyA, true, false);
  add(onlyB, false, true);
  add(neither, false, false);
  return [a, b];
}

describe('mcnemar', () => {
  it('uses the exact binomial test for few discordant pairs', () => {
    // b = 1, c = 9, n = 10: P(X <= 1) = (1 + 10)/1024, two-sided p = 22/1024 = 0.021484375.
    const r = mcnemar(...pairs(40, 1, 9, 5));
    expect(r).toMatchObject({ b: 1, c: 9, exact: true, statistic: 1 });
    expect(r.pValue).toBeCloseTo(0.0215, 4);
    expect(r.pValue).toBe(22 / 1024);
    // Symmetric in which classifier wins.
    expect(mcnemar(...pairs(0, 9, 1, 0)).pValue).toBe(22 / 1024);
  });

  it('caps the exact p at 1 and handles no discordant pairs', () => {
    // b = c = 3: 2 * P(X <= 3 | n = 6) = 2 * 42/64 > 1.
    expect(mcnemar(...pairs(5, 3, 3, 5)).pValue).toBe(1);
    expect(mcnemar(...pairs(5, 0, 0, 5))).toMatchObject({ b: 0, c: 0, pValue: 1, exact: true });
    // b = 0, c = 24 is the largest exact case: p = 2 / 2^24.
    expect(mcnemar(...pairs(0, 0, 24, 0)).pValue).toBe(2 / 2 ** 24);
  });

  it('uses the continuity-corrected chi-square from 25 discordant pairs', () => {
    // b = 20, c = 40: statistic (|20 - 40| - 1)^2 / 60 = 361/60 = 6.01667;
    // p = erfc(sqrt(6.01667 / 2)) = erfc(1.734455) = 0.0141714 (scipy chi2.sf gives 0.014171388254012).
    const r = mcnemar(...pairs(100, 20, 40, 10));
    expect(r.exact).toBe(false);
    expect(r.statistic).toBeCloseTo(361 / 60, 12);
    expect(r.pValue).toBeCloseTo(0.014171388254012, 12);
    // b = 12, c = 13 is the first chi-square case: (1 - 1)^2 / 25 = 0, p = 1.
    expect(mcnemar(...pairs(0, 12, 13, 0))).toMatchObject({ exact: false, statistic: 0, pValue: 1 });
    // b = c: the correction must not push the statistic above 0.
    expect(mcnemar(...pairs(0, 15, 15, 0)).statistic).toBe(0);
  });

  it('rejects unpaired input', () => {
    expect(() => mcnemar([true, false], [true])).toThrow(/A has 2 items, B has 1/);
    expect(() => mcnemar([true], [1 as unknown as boolean])).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
