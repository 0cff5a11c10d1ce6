import { SonoError } from '../errors.js';
import { reflectIndex } from './float-image.js';

/**
 * Gaussian smoothing as scipy.ndimage.gaussian_filter does it (and so skimage.filters.gaussian, which
 * Frangi's Hessian is built on): a sampled, sum-normalised kernel truncated at round(4σ) pixels, applied
 * separably with 'reflect' (half-sample symmetric) borders. Matching those choices, not just "a Gaussian",
 * is what makes the Frangi output agree with scikit-image near borders and at small σ.
 */

export const GAUSSIAN_TRUNCATE = 4;

/** Half of the symmetric kernel: weights[0] is the centre tap, weights[j] the taps at ±j. */
export function gaussianHalfKernel(sigma: number, truncate = GAUSSIAN_TRUNCATE): Float64Array {
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new SonoError('BAD_INPUT', `Gaussian sigma must be a positive number (got ${sigma})`);
  }
  const radius = Math.floor(truncate * sigma + 0.5);
  const weights = new Float64Array(radius + 1);
  let sum = 0;
  for (let j = 0; j <= radius; j++) {
    weights[j] = Math.exp((-0.5 * j * j) / (sigma * sigma));
    sum += j === 0 ? weights[j] : 2 * weights[j];
  }
  for (let j = 0; j <= radius; j++) weights[j] /= sum;
  return weights;
}

/**
 * Smooths a `width` × `height` row-major image. `out` (and the internal row pass) are Float64 so that
 * the finite differences taken afterwards do not amplify single-precision rounding.
 */
export function gaussianFilter(
  data: Float32Array | Float64Array,
  width: number,
  height: number,
  sigma: number,
  out: Float64Array = new Float64Array(width * height),
): Float64Array {
  if (data.length !== width * height || out.length !== width * height) {
    throw new SonoError('BAD_INPUT', `Gaussian filter: buffers do not match ${width}x${height}`);
  }
  const k = gaussianHalfKernel(sigma);
  const r = k.length - 1;

  // Rows: copy each row with its reflected margins into one buffer so the tap loop has no branches.
  const rowPass = new Float64Array(width * height);
  const line = new Float64Array(width + 2 * r);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let i = 0; i < line.length; i++) line[i] = data[base + reflectIndex(i - r, width)];
    for (let x = 0; x < width; x++) {
      const c = x + r;
      let acc = k[0] * line[c];
      for (let j = 1; j <= r; j++) acc += k[j] * (line[c - j] + line[c + j]);
      rowPass[base + x] = acc;
    }
  }

  // Columns: accumulate whole rows at a time, which streams memory instead of striding down columns.
  for (let y = 0; y < height; y++) {
    const dst = y * width;
    const centre = y * width;
    for (let x = 0; x < width; x++) out[dst + x] = k[0] * rowPass[centre + x];
    for (let j = 1; j <= r; j++) {
      const above = reflectIndex(y - j, height) * width;
      const below = reflectIndex(y + j, height) * width;
      const kj = k[j];
      for (let x = 0; x < width; x++) out[dst + x] += kj * (rowPass[above + x] + rowPass[below + x]);
    }
  }
  return out;
}
