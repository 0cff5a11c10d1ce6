import { describe, expect, it } from 'vitest';
import { createRng } from '../metrics/prng.js';
import type { Box } from '../metrics/index.js';
import type { FeatureMap } from './cnn-feature-map.js';
import { roiAveragePool, windowToCells } from './cnn-roi-pool.js';

/** The definition, cell by cell: each covered cell weighted by the fraction of it inside the window. */
function directPool(map: FeatureMap, win: Box): Float64Array {
  const weights = (a: number, b: number, n: number): { first: number; w: number[] } => {
    if (b - a < 1e-2) return { first: Math.min(n - 1, Math.max(0, Math.floor((a + b) / 2))), w: [1] };
    const first = Math.min(n - 1, Math.floor(a));
    const last = Math.min(n - 1, Math.max(first, Math.ceil(b) - 1));
    const w: number[] = [];
    for (let j = first; j <= last; j++) w.push(Math.max(0, Math.min(b, j + 1) - Math.max(a, j)));
    return { first, w };
  };
  const { u0, u1, v0, v1 } = windowToCells(map, win);
  const wx = weights(u0, u1, map.cols);
  const wy = weights(v0, v1, map.rows);
  const acc = new Float64Array(map.channels);
  let total = 0;
  wy.w.forEach((a, i) =>
    wx.w.forEach((b, j) => {
      total += a * b;
      const base = ((wy.first + i) * map.cols + wx.first + j) * map.channels;
      for (let c = 0; c < map.channels; c++) acc[c] += a * b * map.data[base + c];
    }),
  );
  return acc.map((v) => v / total);
}

describe('roiAveragePool', () => {
  const rng = createRng(7);
  const map: FeatureMap = { rows: 9, cols: 13, channels: 5, scaleX: 0.7, scaleY: 0.55, data: Float32Array.from({ length: 9 * 13 * 5 }, () => rng() * 4 - 1) };
  const W = (13 * 32) / 0.7;
  const H = (9 * 32) / 0.55;

  it('equals the cell-by-cell weighted average for random, border-clamped and very thin windows', () => {
    const windows: Box[] = [];
    for (let k = 0; k < 300; k++) {
      const w = 5 + rng() * W * 0.8;
      const h = 5 + rng() * H * 0.8;
      windows.push({ x: rng() * W * 1.1 - 0.1 * W, y: rng() * H * 1.1 - 0.1 * H, w, h });
    }
    windows.push({ x: 0, y: 0, w: W, h: H }, { x: W - 0.01, y: H - 0.01, w: 50, h: 50 }, { x: -40, y: 10, w: 30, h: 30 }, { x: 100, y: 100, w: 0.2, h: 0.2 });
    const got = roiAveragePool(map, windows);
    windows.forEach((win, k) => {
      const want = directPool(map, win);
      for (let c = 0; c < map.channels; c++) expect(Math.abs(got[k * map.channels + c] - want[c])).toBeLessThan(1e-5);
    });
  });

  it('pools a window that is exactly one cell to that cell, and writes at the offset asked for', () => {
    const cell = { x: (32 * 4) / 0.7, y: (32 * 2) / 0.55, w: 32 / 0.7, h: 32 / 0.55 };
    const out = new Float32Array(3 * map.channels);
    roiAveragePool(map, [cell], out, map.channels);
    const base = (2 * map.cols + 4) * map.channels;
    for (let c = 0; c < map.channels; c++) expect(out[map.channels + c]).toBeCloseTo(map.data[base + c], 5);
    expect(Array.from(out.subarray(0, map.channels))).toEqual([0, 0, 0, 0, 0]);
  });

  it('writes rows at an offset and stride into a wider matrix, leaving the other columns alone', () => {
    const windows: Box[] = [
      { x: 10, y: 20, w: 200, h: 150 },
      { x: 55.5, y: 3, w: 90, h: 240 },
    ];
    const stride = map.channels + 3;
    const out = new Float32Array(2 + windows.length * stride).fill(-99);
    roiAveragePool(map, windows, out, 2, stride);
    const packed = roiAveragePool(map, windows);
    windows.forEach((_, k) => {
      expect(Array.from(out.subarray(2 + k * stride, 2 + k * stride + map.channels))).toEqual(Array.from(packed.subarray(k * map.channels, (k + 1) * map.channels)));
      expect(Array.from(out.subarray(2 + k * stride + map.channels, 2 + (k + 1) * stride))).toEqual([-99, -99, -99]);
    });
    expect(() => roiAveragePool(map, windows, out, 0, map.channels - 1)).toThrow(/row stride/);
  });

  it('refuses a map whose data does not match its shape', () => {
    expect(() => roiAveragePool({ ...map, data: new Float32Array(10) }, [{ x: 0, y: 0, w: 10, h: 10 }])).toThrow(/holds 10 values, not 9x13x5/);
  });
});
