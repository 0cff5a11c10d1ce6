import { SonoError } from '../errors.js';

/** A single-channel image in row-major order: pixel (x, y) is `data[y * width + x]`. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

export function createFloatImage(width: number, height: number): FloatImage {
  return { width, height, data: new Float32Array(width * height) };
}

/**
 * Rejects images the filters cannot work on. Finite differences need two samples along each axis, and a
 * NaN anywhere would spread through every FFT output, so it is cheaper to refuse than to debug later.
 */
export function assertFloatImage(img: FloatImage, what: string): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) {
    throw new SonoError('BAD_INPUT', `${what}: image must be at least 2x2 pixels (got ${width}x${height})`);
  }
  if (data.length !== width * height) {
    throw new SonoError(
      'BAD_INPUT',
      `${what}: image data has ${data.length} values but ${width}x${height} needs ${width * height}`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new SonoError('BAD_INPUT', `${what}: image has a non-finite value at pixel ${i % width},${Math.floor(i / width)}`);
    }
  }
}

/**
 * Index into [0, n) for a sample at `i` under half-sample symmetric extension (d c b a | a b c d | d c b a),
 * which is scipy.ndimage's 'reflect' mode. Works for any distance outside the range because the extension
 * is periodic with period 2n.
 */
export function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}
