import { describe, expect, it } from 'vitest';
import { createHessian, gradientX, gradientY, hessianOfSmoothed } from './hessian.js';

describe('gradientX / gradientY', () => {
  it('use central differences inside and one-sided differences at the ends, like numpy.gradient', () => {
    const f = Float64Array.from([1, 4, 9, 16, 25, 1, 4, 9, 16, 25]); // x², two rows of 5
    const gx = new Float64Array(10);
    gradientX(f, 5, 2, gx);
    expect(Array.from(gx.subarray(0, 5))).toEqual([3, 4, 6, 8, 9]);
    const g = Float64Array.from([1, 2, 4, 3, 9, 4]); // column-wise x² in col 0, x+1 in col 1
    const gy = new Float64Array(6);
    gradientY(g, 2, 3, gy);
    expect(Array.from(gy)).toEqual([3, 1, 4, 1, 5, 1]);
  });
});

describe('hessianOfSmoothed', () => {
  it('is exact for a quadratic surface away from the borders', () => {
    const w = 12;
    const h = 9;
    const f = new Float64Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f[y * w + x] = 0.5 * x * x - 1.5 * x * y + 2 * y * y + x;
    const H = createHessian(w * h);
    hessianOfSmoothed(f, w, h, H, new Float64Array(w * h), new Float64Array(w * h));
    for (let y = 2; y < h - 2; y++) {
      for (let x = 2; x < w - 2; x++) {
        const i = y * w + x;
        expect(H.xx[i]).toBeCloseTo(1, 12);
        expect(H.xy[i]).toBeCloseTo(-1.5, 12);
        expect(H.yy[i]).toBeCloseTo(4, 12);
      }
    }
  });
});
