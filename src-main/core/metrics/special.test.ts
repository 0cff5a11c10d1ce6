import { describe, expect, it } from 'vitest';
import { chiSquare1Survival, erfc, normalCdf, normalQuantile } from './special.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('erfc', () => {
  // Reference values from 40-digit arithmetic (mpmath), rounded to double.
  const table: Array<[number, number]> = [
    [0, 1],
    [0.1, 0.887537083981715],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [1.5, 0.033894853524689274],
    [2, 0.004677734981047266],
    [2.5, 0.0004069520174449589],
    [3, 2.209049699858544e-5],
    [5, 1.537459794428035e-12],
    [10, 2.088487583762545e-45],
    [20, 5.395865611607901e-176],
  ];

  it('matches high-precision values to 1e-14 relative, far tail included', () => {
    for (const [x, want] of table) expect(rel(erfc(x), want), `erfc(${x})`).toBeLessThan(1e-14);
  });

  it('is continuous where it switches method and uses erfc(-x) = 2 - erfc(x)', () => {
    expect(rel(erfc(1 - 1e-12), erfc(1 + 1e-12))).toBeLessThan(1e-11);
    expect(erfc(-0.5)).toBeCloseTo(2 - 0.4795001221869535, 15);
    expect(erfc(-30)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(erfc(Number.NaN)).toBeNaN();
  });
});

describe('normal distribution', () => {
  it('has the textbook quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 13);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 13);
    expect(normalQuantile(0.5)).toBe(0);
    expect(rel(normalQuantile(1e-10), -6.361340902404056)).toBeLessThan(1e-13);
  });

  it('inverts the CDF', () => {
    for (const p of [1e-6, 0.01, 0.2, 0.5, 0.7, 0.99]) expect(rel(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
  });

  it('rejects p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, Number.NaN]) expect(() => normalQuantile(p)).toThrow(/p in \(0, 1\)/);
  });
});

describe('chiSquare1Survival', () => {
  it('gives the textbook tail probabilities', () => {
    // 3.841458820694124 is the 95% point of chi-square(1): its tail is 0.05.
    expect(chiSquare1Survival(3.841458820694124)).toBeCloseTo(0.05, 13);
    // 6.634896601021214 is the 99% point.
    expect(chiSquare1Survival(6.634896601021214)).toBeCloseTo(0.01, 13);
    expect(chiSquare1Survival(0)).toBe(1);
    expect(chiSquare1Survival(-1)).toBe(1);
  });
});
