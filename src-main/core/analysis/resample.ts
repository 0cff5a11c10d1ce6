import { SonoError } from '../errors.js';
import { assertFloatImage, type FloatImage } from './float-image.js';

/**
 * Resizes by area averaging: each output pixel is the mean of the source area it covers, with partial
 * pixels weighted by their overlap. Response maps are smaller than the network input (112 or 55 px for
 * 224), and the classical filter outputs compared with them have fine detail that point sampling
 * would alias into noise; averaging is what a coarser sensor would have measured.
 */
export function resizeArea(img: FloatImage, width: number, height: number): FloatImage {
  assertFloatImage(img, 'resize');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SonoError('BAD_INPUT', `resize: target size must be whole pixels >= 1 (got ${width}x${height})`);
  }
  if (width === img.width && height === img.height) return { width, height, data: img.data.slice() };
  const cols = axisWeights(img.width, width);
  const rows = axisWeights(img.height, height);
  // Rows first into a float64 buffer (height of the source, width of the target), then columns.
  const tmp = new Float64Array(img.height * width);
  for (let y = 0; y < img.height; y++) {
    const src = y * img.width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (const [i, w] of cols[x]) acc += w * img.data[src + i];
      tmp[y * width + x] = acc;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (const [j, w] of rows[y]) {
      const src = j * width;
      for (let x = 0; x < width; x++) out[y * width + x] += w * tmp[src + x];
    }
  }
  return { width, height, data: out };
}

/**
 * For each of `n` output cells along an axis of `m` source pixels: the source indices it overlaps and
 * weights summing to 1. Enlarging works too (each output cell then lies within one or two source pixels).
 */
function axisWeights(m: number, n: number): Array<Array<[number, number]>> {
  const scale = m / n;
  const out: Array<Array<[number, number]>> = [];
  for (let k = 0; k < n; k++) {
    const a = k * scale;
    const b = (k + 1) * scale;
    const taps: Array<[number, number]> = [];
    for (let i = Math.floor(a); i < Math.min(m, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 1e-12) taps.push([i, overlap / (b - a)]);
    }
    out.push(taps);
  }
  return out;
}

/** Min and max of the values (NaN-free input assumed). */
export function valueRange(data: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Maps [lo, hi] linearly to [0, 1] (values outside are clamped). A constant map (hi = lo) becomes all
 * zeros rather than a division by zero: a dead filter is shown black.
 */
export function normalizeTo01(data: ArrayLike<number>, range: [number, number] = valueRange(data)): Float32Array {
  const [lo, hi] = range;
  const out = new Float32Array(data.length);
  const span = hi - lo;
  if (!(span > 0)) return out;
  for (let i = 0; i < data.length; i++) {
    const v = (data[i] - lo) / span;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
