import { SonoError } from '../errors.js';

/** An 8-bit gray image, row-major, one byte per pixel. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Summed-area tables of an image and of its squared pixels, both (width+1) x (height+1) with a zero first
 * row and column, so any rectangle sum is four look-ups with no edge cases. Float64 holds the sums exactly:
 * even the squared table of a 2^16 x 2^16 image stays below 2^53.
 */
export interface IntegralImages {
  ii: Float64Array;
  ii2: Float64Array;
  width: number;
  height: number;
}

export function checkGrayImage(img: GrayImage): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SonoError('BAD_INPUT', `Gray image size must be positive integers, got ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height) {
    throw new SonoError(
      'BAD_INPUT',
      `Gray image data must be a Uint8Array of width*height = ${width * height} bytes, got ${data?.length ?? 'none'}`,
    );
  }
}

/** Integral image of `img`: entry (y*(width+1) + x) is the sum of pixels with row < y and column < x. */
export function integralImage(img: GrayImage): Float64Array {
  return buildIntegral(img, false);
}

/** Integral image of the squared pixels, for window variances. */
export function squaredIntegralImage(img: GrayImage): Float64Array {
  return buildIntegral(img, true);
}

/** Both tables in one call, which is what window normalisation needs. */
export function integralImages(img: GrayImage): IntegralImages {
  return { ii: buildIntegral(img, false), ii2: buildIntegral(img, true), width: img.width, height: img.height };
}

function buildIntegral(img: GrayImage, squared: boolean): Float64Array {
  checkGrayImage(img);
  const { width, height, data } = img;
  const stride = width + 1;
  const out = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let rowSum = 0;
    const src = y * width;
    const above = y * stride + 1;
    const dst = above + stride;
    for (let x = 0; x < width; x++) {
      const v = data[src + x];
      rowSum += squared ? v * v : v;
      out[dst + x] = out[above + x] + rowSum;
    }
  }
  return out;
}

/**
 * Sum over the w x h rectangle with top-left (x, y) of an integral image with row stride `stride`
 * (= image width + 1). Unchecked: it sits in the innermost feature loop, so callers validate boxes once.
 */
export function rectSum(ii: Float64Array, stride: number, x: number, y: number, w: number, h: number): number {
  const top = y * stride + x;
  const bottom = top + h * stride;
  return ii[bottom + w] - ii[bottom] - ii[top + w] + ii[top];
}
