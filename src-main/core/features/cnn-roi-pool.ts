/**
 * ROI average pooling on a CNN feature map: a window's feature is the average of the map cells it
 * covers, each weighted by the fraction of the cell inside the window (separable along x and y), so a
 * window shifted by a few pixels changes its feature smoothly instead of jumping from cell to cell.
 *
 * Cell j of a map with total stride 32 stands for network-input pixels [32 j, 32 j + 32). That is the
 * alignment under which pooling reproduces the per-window crop approach: a 224 x 224 crop taken at a
 * multiple of 32 yields a 7 x 7 map whose cells are exactly the whole-image cells of that block (up to
 * the zero padding at the crop's border, which the whole image replaces with real context).
 */
import { SonoError } from '../errors.js';
import type { Box } from '../metrics/index.js';
import type { FeatureMap } from './cnn-feature-map.js';

export const CELL_SIZE = 32;

/** Window of image pixels -> cell coordinates [u0, u1) x [v0, v1) of the map, clamped to the map. */
export function windowToCells(map: FeatureMap, win: Box, cellSize = CELL_SIZE): { u0: number; u1: number; v0: number; v1: number } {
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return {
    u0: clamp((win.x * map.scaleX) / cellSize, map.cols),
    u1: clamp(((win.x + win.w) * map.scaleX) / cellSize, map.cols),
    v0: clamp((win.y * map.scaleY) / cellSize, map.rows),
    v1: clamp(((win.y + win.h) * map.scaleY) / cellSize, map.rows),
  };
}

/**
 * Overlap of [a, b) with each unit cell, as (first cell, weights). A span thinner than a hundredth of a
 * cell (a window squeezed against the far border by clamping) takes the nearest cell whole.
 */
export function cellWeights(a: number, b: number, n: number): { first: number; weights: Float64Array } {
  if (b - a < 1e-2) {
    const cell = Math.min(n - 1, Math.max(0, Math.floor((a + b) / 2)));
    return { first: cell, weights: Float64Array.of(1) };
  }
  const first = Math.min(n - 1, Math.floor(a));
  const last = Math.min(n - 1, Math.max(first, Math.ceil(b) - 1));
  const weights = new Float64Array(last - first + 1);
  for (let j = first; j <= last; j++) weights[j - first] = Math.max(0, Math.min(b, j + 1) - Math.max(a, j));
  return { first, weights };
}

/** Pooled features of each window into `out` at `outOffset` (windows.length x channels, row-major). */
export function roiAveragePool(map: FeatureMap, windows: readonly Box[], out?: Float32Array, outOffset = 0): Float32Array {
  const { data, cols, channels } = map;
  if (data.length !== map.rows * cols * channels) {
    throw new SonoError('BAD_INPUT', `feature map holds ${data.length} values, not ${map.rows}x${cols}x${channels}`);
  }
  const result = out ?? new Float32Array(windows.length * channels);
  const acc = new Float64Array(channels);
  for (let k = 0; k < windows.length; k++) {
    const { u0, u1, v0, v1 } = windowToCells(map, windows[k]);
    const wx = cellWeights(u0, u1, cols);
    const wy = cellWeights(v0, v1, map.rows);
    acc.fill(0);
    let total = 0;
    for (let i = 0; i < wy.weights.length; i++) {
      const rowBase = (wy.first + i) * cols;
      for (let j = 0; j < wx.weights.length; j++) {
        const wgt = wy.weights[i] * wx.weights[j];
        if (wgt === 0) continue;
        total += wgt;
        const base = (rowBase + wx.first + j) * channels;
        for (let c = 0; c < channels; c++) acc[c] += wgt * data[base + c];
      }
    }
    const dst = outOffset + k * channels;
    for (let c = 0; c < channels; c++) result[dst + c] = acc[c] / total;
  }
  return result;
}
