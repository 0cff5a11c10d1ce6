import { describe, expect, it } from 'vitest';
import { integralImage, integralImages, rectSum, squaredIntegralImage } from './integral.js';

function randomImage(width: number, height: number, seed: number) {
  const data = new Uint8Array(width * height);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

function bruteSum(img: { width: number; data: Uint8Array }, x: number, y: number, w: number, h: number, sq: boolean) {
  let total = 0;
  for (let r = y; r < y + h; r++) {
    for (let c = x; c < x + w; c++) {
      const v = img.data[r * img.width + c];
      total += sq ? v * v : v;
    }
  }
  return total;
}

describe('integral images', () => {
  const img = randomImage(13, 9, 7);

  it('have a zero first row and column and the table size (w+1) x (h+1)', () => {
    const ii = integralImage(img);
    expect(ii.length).toBe(14 * 10);
    for (let x = 0; x <= 13; x++) expect(ii[x]).toBe(0);
    for (let y = 0; y <= 9; y++) expect(ii[y * 14]).toBe(0);
    expect(ii[ii.length - 1]).toBe(bruteSum(img, 0, 0, 13, 9, false));
  });

  it('give every rectangle sum exactly, plain and squared', () => {
    const { ii, ii2 } = integralImages(img);
    expect(squaredIntegralImage(img)).toEqual(ii2);
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 13; x++) {
        for (const [w, h] of [
          [1, 1],
          [13 - x, 9 - y],
          [Math.min(3, 13 - x), Math.min(5, 9 - y)],
        ]) {
          expect(rectSum(ii, 14, x, y, w, h)).toBe(bruteSum(img, x, y, w, h, false));
          expect(rectSum(ii2, 14, x, y, w, h)).toBe(bruteSum(img, x, y, w, h, true));
        }
      }
    }
    expect(rectSum(ii, 14, 4, 4, 0, 3)).toBe(0);
  });

  it('stay exact for a large bright image', () => {
    const big = { width: 1000, height: 800, data: new Uint8Array(1000 * 800).fill(255) };
    const { ii, ii2 } = integralImages(big);
    expect(rectSum(ii, 1001, 0, 0, 1000, 800)).toBe(255 * 800_000);
    expect(rectSum(ii2, 1001, 0, 0, 1000, 800)).toBe(255 * 255 * 800_000);
  });

  it('reject malformed images with BAD_INPUT', () => {
    expect(() => integralImages({ width: 3, height: 2, data: new Uint8Array(5) })).toThrow(/6 bytes/);
    expect(() => integralImage({ width: 0, height: 2, data: new Uint8Array(0) })).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(() => integralImage({ width: 2.5, height: 2, data: new Uint8Array(5) })).toThrow(/positive integers/);
  });
});
