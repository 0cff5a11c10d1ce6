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
 * The map's summed-area table, (rows + 1) x (cols + 1) x channels in float64: entry (i, j) is the sum of
 * cells above and left of it. The integral of the piecewise-constant map up to a fractional point is the
 * bilinear interpolation of this table, so a window's weighted sum costs four interpolations per channel
 * whatever its size, instead of one pass over every cell it covers. Kept per map: a detection pools
 * thousands of windows from the same few maps.
 */
const integrals = new WeakMap<FeatureMap, Float64Array>();

function integralOf(map: FeatureMap): Float64Array {
  const hit = integrals.get(map);
  if (hit) return hit;
  const { data, rows, cols, channels } = map;
  const stride = (cols + 1) * channels;
  const table = new Float64Array((rows + 1) * stride);
  for (let i = 0; i < rows; i++) {
    const rowSum = new Float64Array(channels);
    for (let j = 0; j < cols; j++) {
      const src = (i * cols + j) * channels;
      const above = i * stride + (j + 1) * channels;
      const dst = above + stride;
      for (let c = 0; c < channels; c++) {
        rowSum[c] += data[src + c];
        table[dst + c] = table[above + c] + rowSum[c];
      }
    }
  }
  integrals.set(map, table);
  return table;
}

/** Corner indices and weights of the bilinear interpolation of the table at fractional (u, v). */
function corner(u: number, v: number, map: FeatureMap): { idx: [number, number, number, number]; w: [number, number, number, number] } {
  const j = Math.min(map.cols - 1, Math.floor(u));
  const i = Math.min(map.rows - 1, Math.floor(v));
  const fx = u - j;
  const fy = v - i;
  const stride = (map.cols + 1) * map.channels;
  const base = i * stride + j * map.channels;
  return {
    idx: [base, base + map.channels, base + stride, base + stride + map.channels],
    w: [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy],
  };
}

/** A span of a window in cells, widened to its nearest whole cell when thinner than a hundredth of one. */
function span(a: number, b: number, n: number): [number, number] {
  if (b - a >= 1e-2) return [a, b];
  const cell = Math.min(n - 1, Math.max(0, Math.floor((a + b) / 2)));
  return [cell, cell + 1];
}

/** Pooled features of each window into `out` at `outOffset` (windows.length x channels, row-major). */
export function roiAveragePool(map: FeatureMap, windows: readonly Box[], out?: Float32Array, outOffset = 0): Float32Array {
  const { data, cols, channels } = map;
  if (data.length !== map.rows * cols * channels) {
    throw new SonoError('BAD_INPUT', `feature map holds ${data.length} values, not ${map.rows}x${cols}x${channels}`);
  }
  const result = out ?? new Float32Array(windows.length * channels);
  const table = integralOf(map);
  for (let k = 0; k < windows.length; k++) {
    const cells = windowToCells(map, windows[k]);
    const [u0, u1] = span(cells.u0, cells.u1, cols);
    const [v0, v1] = span(cells.v0, cells.v1, map.rows);
    // sum = F(u1, v1) - F(u0, v1) - F(u1, v0) + F(u0, v0), each F a bilinear read of the table.
    const terms = [corner(u1, v1, map), corner(u0, v1, map), corner(u1, v0, map), corner(u0, v0, map)];
    const signs = [1, -1, -1, 1];
    const area = (u1 - u0) * (v1 - v0);
    const dst = outOffset + k * channels;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let t = 0; t < 4; t++) {
        const { idx, w } = terms[t];
        sum += signs[t] * (w[0] * table[idx[0] + c] + w[1] * table[idx[1] + c] + w[2] * table[idx[2] + c] + w[3] * table[idx[3] + c]);
      }
      result[dst + c] = sum / area;
    }
  }
  return result;
}
