import { describe, expect, it } from 'vitest';
import { createRng, randomIndex, shuffleInPlace } from './prng.js';

describe('createRng', () => {
  it('repeats for a seed, differs across seeds, and stays in [0, 1)', () => {
    const a = createRng(5);
    const b = createRng(5);
    const c = createRng(6);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('is roughly uniform', () => {
    const rng = createRng(11);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[randomIndex(rng, 10)]++;
    // Expected 10000 per bin, sd about 95: 6 sd would be a broken generator.
    for (const n of bins) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });

  it('shuffles to a permutation and rejects non-integer seeds', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = shuffleInPlace([...items], createRng(1));
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(() => createRng(1.5)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
