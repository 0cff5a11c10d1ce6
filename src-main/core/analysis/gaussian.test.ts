import { describe, expect, it } from 'vitest';
import { gaussianFilter, gaussianHalfKernel } from './gaussian.js';

describe('gaussianHalfKernel', () => {
  it("uses scipy's radius round(4σ) and sums to 1 over the full kernel", () => {
    for (const [sigma, radius] of [
      [1, 4],
      [0.5, 2],
      [1.6, 6],
      [3, 12],
      [9, 36],
    ]) {
      const k = gaussianHalfKernel(sigma);
      expect(k.length - 1).toBe(radius);
      let sum = k[0];
      for (let j = 1; j < k.length; j++) sum += 2 * k[j];
      expect(sum).toBeCloseTo(1, 12);
      expect(k[1] / k[0]).toBeCloseTo(Math.exp(-0.5 / (sigma * sigma)), 12);
    }
  });

  it('rejects non-positive sigma', () => {
    expect(() => gaussianHalfKernel(0)).toThrow(/positive/);
    expect(() => gaussianHalfKernel(NaN)).toThrow(/positive/);
  });
});

describe('gaussianFilter', () => {
  it('reproduces the kernel as the impulse response away from borders', () => {
    const w = 31;
    const h = 21;
    const img = new Float32Array(w * h);
    img[10 * w + 15] = 1;
    const out = gaussianFilter(img, w, h, 1.5);
    const k = gaussianHalfKernel(1.5);
    for (let dy = -6; dy <= 6; dy++) {
      for (let dx = -6; dx <= 6; dx++) {
        expect(out[(10 + dy) * w + 15 + dx]).toBeCloseTo(k[Math.abs(dx)] * k[Math.abs(dy)], 14);
      }
    }
  });

  it("mirrors at borders like scipy's 'reflect' mode (d c b a | a b c d)", () => {
    // A 1-D row: reflect mode makes the sample left of x=0 equal to x=0 itself.
    const row = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const out = gaussianFilter(row, 10, 1, 1);
    const k = gaussianHalfKernel(1);
    expect(out[0]).toBeCloseTo(k[0] + k[1], 14);
    expect(out[1]).toBeCloseTo(k[1] + k[2], 14);
    expect(out[2]).toBeCloseTo(k[2] + k[3], 14);
  });

  it('preserves constants and linear ramps (reflection keeps them exact only in the interior)', () => {
    const w = 40;
    const h = 30;
    const c = gaussianFilter(new Float32Array(w * h).fill(0.3), w, h, 9);
    for (const v of c) expect(v).toBeCloseTo(0.3, 6);
    const ramp = new Float32Array(w * h).map((_, i) => (i % w) * 0.01);
    const r = gaussianFilter(ramp, w, h, 2);
    for (let x = 8; x < w - 8; x++) expect(r[15 * w + x]).toBeCloseTo(x * 0.01, 6);
  });

  it('handles kernels longer than the image by repeated reflection', () => {
    const row = Float32Array.from([0, 1, 0]);
    const out = gaussianFilter(row, 3, 1, 9);
    // The reflected signal is periodic with period 6 and mean 1/3: a wide Gaussian flattens it to that.
    for (const v of out) expect(v).toBeCloseTo(1 / 3, 3);
  });
});
