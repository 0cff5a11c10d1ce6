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

/** A span of a window in cells, widened to its nearest whole cell when thinner than a hundredth of one. */
function span(a: number, b: number, n: number): [number, number] {
  if (b - a >= 1e-2) return [a, b];
  const cell = Math.min(n - 1, Math.max(0, Math.floor((a + b) / 2)));
  return [cell, cell + 1];
}

/**
 * Pooled features of each window into `out`: window k's vector starts at `outOffset + k * rowStride`
 * (default: packed rows, windows.length x channels). A larger stride writes into one block of a wider
 * matrix, as fusion does with its concatenated families.
 */
export function roiAveragePool(map: FeatureMap, windows: readonly Box[], out?: Float32Array, outOffset = 0, rowStride = map.channels): Float32Array {
  const { data, cols, channels } = map;
  if (data.length !== map.rows * cols * channels) {
    throw new SonoError('BAD_INPUT', `feature map holds ${data.length} values, not ${map.rows}x${cols}x${channels}`);
  }
  if (rowStride < channels) throw new SonoError('BAD_INPUT', `row stride ${rowStride} is less than the ${channels} channels`);
  const result = out ?? new Float32Array(windows.length * channels);
  const table = integralOf(map);
  for (let k = 0; k < windows.length; k++) poolWindow(map, table, windows[k], result, outOffset + k * rowStride);
  return result;
}

/**
 * sum = F(u1, v1) - F(u0, v1) - F(u1, v0) + F(u0, v0), each F a bilinear read of the table (four
 * entries). The 16 offsets and weights are scalars so the channel loop reads no arrays but the table:
 * this loop is most of the CNN methods' detection time.
 */
function poolWindow(map: FeatureMap, table: Float64Array, win: Box, out: Float32Array, dst: number): void {
  const { cols, rows, channels } = map;
  const cells = windowToCells(map, win);
  const [u0, u1] = span(cells.u0, cells.u1, cols);
  const [v0, v1] = span(cells.v0, cells.v1, rows);
  const stride = (cols + 1) * channels;
  const j0 = Math.min(cols - 1, Math.floor(u0));
  const j1 = Math.min(cols - 1, Math.floor(u1));
  const i0 = Math.min(rows - 1, Math.floor(v0));
  const i1 = Math.min(rows - 1, Math.floor(v1));
  const fx0 = u0 - j0;
  const fx1 = u1 - j1;
  const fy0 = v0 - i0;
  const fy1 = v1 - i1;
  // Corner t = (u, v) reads entries base, base + C, base + stride, base + stride + C with the bilinear weights.
  const b11 = i1 * stride + j1 * channels;
  const b01 = i1 * stride + j0 * channels;
  const b10 = i0 * stride + j1 * channels;
  const b00 = i0 * stride + j0 * channels;
  const c11 = b11 + channels, d11 = b11 + stride, e11 = d11 + channels;
  const c01 = b01 + channels, d01 = b01 + stride, e01 = d01 + channels;
  const c10 = b10 + channels, d10 = b10 + stride, e10 = d10 + channels;
  const c00 = b00 + channels, d00 = b00 + stride, e00 = d00 + channels;
  const w11a = (1 - fx1) * (1 - fy1), w11b = fx1 * (1 - fy1), w11c = (1 - fx1) * fy1, w11d = fx1 * fy1;
  const w01a = (1 - fx0) * (1 - fy1), w01b = fx0 * (1 - fy1), w01c = (1 - fx0) * fy1, w01d = fx0 * fy1;
  const w10a = (1 - fx1) * (1 - fy0), w10b = fx1 * (1 - fy0), w10c = (1 - fx1) * fy0, w10d = fx1 * fy0;
  const w00a = (1 - fx0) * (1 - fy0), w00b = fx0 * (1 - fy0), w00c = (1 - fx0) * fy0, w00d = fx0 * fy0;
  const area = (u1 - u0) * (v1 - v0);
  for (let c = 0; c < channels; c++) {
    // Summed in this order, term by term, so the result does not depend on how the loop is written.
    let sum = 0 + (w11a * table[b11 + c] + w11b * table[c11 + c] + w11c * table[d11 + c] + w11d * table[e11 + c]);
    sum -= w01a * table[b01 + c] + w01b * table[c01 + c] + w01c * table[d01 + c] + w01d * table[e01 + c];
    sum -= w10a * table[b10 + c] + w10b * table[c10 + c] + w10c * table[d10 + c] + w10d * table[e10 + c];
    sum += w00a * table[b00 + c] + w00b * table[c00 + c] + w00c * table[d00 + c] + w00d * table[e00 + c];
    out[dst + c] = sum / area;
  }
}
