import { describe, expect, it } from 'vitest';
import { reflectIndex } from './float-image.js';
import { reflectPad } from './reflect-pad.js';

describe('reflectIndex', () => {
  it('extends half-sample symmetrically and periodically', () => {
    const n = 4;
    const got = Array.from({ length: 16 }, (_, k) => reflectIndex(k - 6, n));
    // indices -6..9 of a b c d: (c d) d c b a | a b c d | d c b a (a b)
    expect(got).toEqual([2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1]);
    expect(reflectIndex(-1, 1)).toBe(0);
    expect(reflectIndex(5, 1)).toBe(0);
  });
});

describe('reflectPad', () => {
  it('centres the image and mirrors it outwards', () => {
    const img = { width: 3, height: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const p = reflectPad(img, 8, 4);
    expect([p.offsetX, p.offsetY]).toEqual([2, 1]);
    const rows = Array.from({ length: 4 }, (_, y) => Array.from(p.data.subarray(y * 8, y * 8 + 8)));
    expect(rows).toEqual([
      [2, 1, 1, 2, 3, 3, 2, 1],
      [2, 1, 1, 2, 3, 3, 2, 1],
      [5, 4, 4, 5, 6, 6, 5, 4],
      [5, 4, 4, 5, 6, 6, 5, 4],
    ]);
  });
});
