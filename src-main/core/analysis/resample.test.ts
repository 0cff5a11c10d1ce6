import { describe, expect, it } from 'vitest';
import { normalizeTo01, resizeArea } from './resample.js';

const ramp = (w: number, h: number) => ({ width: w, height: h, data: Float32Array.from({ length: w * h }, (_, i) => (i % w) + 10 * Math.floor(i / w)) });

describe('resizeArea', () => {
  it('halving averages each 2x2 block', () => {
    const img = ramp(4, 4);
    const out = resizeArea(img, 2, 2);
    // Block (0,0) holds 0, 1, 10, 11.
    expect(Array.from(out.data)).toEqual([5.5, 7.5, 25.5, 27.5]);
  });

  it('keeps the mean for non-integer ratios and constants stay constant', () => {
    const img = ramp(7, 5);
    const mean = (d: Float32Array) => d.reduce((a, b) => a + b, 0) / d.length;
    const out = resizeArea(img, 3, 2);
    expect(mean(out.data)).toBeCloseTo(mean(img.data), 4);
    const flat = resizeArea({ width: 9, height: 9, data: new Float32Array(81).fill(0.25) }, 4, 5);
    for (const v of flat.data) expect(v).toBeCloseTo(0.25, 6);
  });

  it('weights partly covered pixels by their overlap', () => {
    // 3 pixels into 2: the first output covers pixel 0 and half of pixel 1.
    const out = resizeArea({ width: 3, height: 2, data: Float32Array.from([0, 3, 6, 0, 3, 6]) }, 2, 1);
    expect(out.data[0]).toBeCloseTo((0 + 0.5 * 3) / 1.5, 6);
    expect(out.data[1]).toBeCloseTo((0.5 * 3 + 6) / 1.5, 6);
  });

  it('refuses empty targets', () => {
    expect(() => resizeArea(ramp(4, 4), 0, 2)).toThrow(/target size must be whole pixels/);
  });
});

describe('normalizeTo01', () => {
  it('stretches to [0, 1] and maps a constant map to zeros', () => {
    expect(Array.from(normalizeTo01([2, 4, 6]))).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeTo01([3, 3]))).toEqual([0, 0]);
    expect(Array.from(normalizeTo01([0, 10], [0, 5]))).toEqual([0, 1]);
  });
});
