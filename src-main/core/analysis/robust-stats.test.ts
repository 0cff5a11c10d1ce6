import { describe, expect, it } from 'vitest';
import { histogramMode, median } from './robust-stats.js';

function sortedMedian(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

describe('median', () => {
  it('agrees with sorting for odd and even counts, duplicates and sorted input', () => {
    let seed = 5;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const inputs: number[][] = [
      [3],
      [2, 1],
      [5, 1, 4, 2, 3],
      [1, 1, 1, 2, 2, 2],
      Array.from({ length: 1000 }, (_, i) => i),
      Array.from({ length: 1001 }, (_, i) => 1000 - i),
      Array.from({ length: 4097 }, () => Math.floor(rnd() * 20)),
      Array.from({ length: 10000 }, rnd),
    ];
    for (const a of inputs) expect(median(Float64Array.from(a))).toBe(sortedMedian(a));
  });

  it('leaves the input untouched unless given as its own scratch', () => {
    const a = Float64Array.from([9, 1, 8, 2, 7]);
    expect(median(a)).toBe(7);
    expect(Array.from(a)).toEqual([9, 1, 8, 2, 7]);
    expect(Number.isNaN(median(new Float64Array(0)))).toBe(true);
  });
});

describe('histogramMode', () => {
  it('returns the centre of the fullest of 50 bins over [0, max]', () => {
    const values = [10, 3.1, 3.15, 3.05, 0.5, 7];
    // Bin width 0.2: 3.05..3.15 fall in bin 15, [3.0, 3.2), centre 3.1.
    expect(histogramMode(values)).toBeCloseTo(3.1, 12);
    expect(histogramMode([0, 0])).toBe(0);
  });

  it('finds the mode of Rayleigh samples (equal to the Rayleigh sigma)', () => {
    let seed = 1;
    const u = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return (seed + 0.5) / 2 ** 32;
    };
    const sigma = 2;
    const samples = Float64Array.from({ length: 200_000 }, () => sigma * Math.sqrt(-2 * Math.log(u())));
    expect(histogramMode(samples)).toBeGreaterThan(1.8);
    expect(histogramMode(samples)).toBeLessThan(2.2);
  });
});
