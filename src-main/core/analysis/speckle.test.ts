import { describe, expect, it } from 'vitest';
import type { FloatImage } from './float-image.js';
import { gaussianFilter } from './gaussian.js';
import { homogeneousRegions, speckleStats } from './speckle.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

/** Rayleigh-distributed envelope (fully developed speckle) with mean `mean`. */
function rayleigh(rand: () => number, mean: number): number {
  return mean * Math.sqrt(-2 * Math.log(rand())) / Math.sqrt(Math.PI / 2);
}

/**
 * 140x140: a black band on top (outside the sector), homogeneous speckle on the left, and on the right
 * speckle over tissue with strong structure (bright stripes every 10 px and a ramp).
 */
function phantom(): FloatImage {
  const w = 140;
  const h = 140;
  const r = seeded(11);
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v: number;
      if (y < 30) v = 0;
      else if (x < 70) v = rayleigh(r, 0.4);
      else v = rayleigh(r, 0.1 + 0.6 * ((x - 70) / 70) + (Math.floor(x / 10) % 2 ? 0.5 : 0));
      data[y * w + x] = v;
    }
  }
  return { width: w, height: h, data };
}

const THEORY_SI = Math.sqrt((4 - Math.PI) / Math.PI);

describe('speckle in homogeneous regions', () => {
  const img = phantom();
  const regions = homogeneousRegions(img);

  it('chooses blocks in the homogeneous speckle, never in the dark band or the structured half', () => {
    expect(regions.length).toBeGreaterThanOrEqual(3);
    for (const r of regions) {
      expect(r.y0).toBeGreaterThanOrEqual(30 / 140 - 1e-9);
      expect(r.x1).toBeLessThanOrEqual(70 / 140 + 1e-9);
    }
  });

  it('measures the Rayleigh speckle index (0.523) and ENL (3.66) of fully developed speckle', () => {
    const s = speckleStats(img, regions);
    expect(s.regionsUsed).toBe(regions.length);
    expect(s.speckleIndex).toBeGreaterThan(THEORY_SI - 0.05);
    expect(s.speckleIndex).toBeLessThan(THEORY_SI + 0.05);
    expect(s.enl).toBeGreaterThan(1 / (THEORY_SI + 0.05) ** 2);
    expect(s.enl).toBeLessThan(1 / (THEORY_SI - 0.05) ** 2 + 0.5);
  });

  it('gives a lower speckle index and higher ENL for a smoothed image in the same regions, and is scale invariant', () => {
    const smooth = { ...img, data: Float32Array.from(gaussianFilter(img.data, img.width, img.height, 1.5)) };
    const raw = speckleStats(img, regions);
    const s = speckleStats(smooth, regions);
    expect(s.speckleIndex).toBeLessThan(0.6 * raw.speckleIndex);
    expect(s.enl).toBeGreaterThan(2 * raw.enl);
    const scaled = speckleStats({ ...img, data: img.data.map((v) => 3 * v) }, regions);
    expect(scaled.speckleIndex).toBeCloseTo(raw.speckleIndex, 5);
  });

  it('maps regions onto a smaller map and skips regions where a map is zero', () => {
    const small = { width: 70, height: 70, data: new Float32Array(70 * 70) };
    const none = speckleStats(small, regions);
    expect(none.regionsUsed).toBe(0);
    expect(Number.isNaN(none.speckleIndex)).toBe(true);
    // Flat at 2 with one black pixel far from the regions: measured from the minimum, the regions have
    // mean 2 and no spread, so SI is 0 and ENL (μ²/σ², infinite) is left out.
    small.data.fill(2);
    small.data[0] = 0;
    const flat = speckleStats(small, regions);
    expect(flat.regionsUsed).toBe(regions.length);
    expect(flat.speckleIndex).toBe(0);
    expect(Number.isNaN(flat.enl)).toBe(true);
  });

  it('refuses a block size larger than the image', () => {
    expect(() => homogeneousRegions(img, { block: 500 })).toThrow(/block size must be 2\.\.140 px/);
  });
});
