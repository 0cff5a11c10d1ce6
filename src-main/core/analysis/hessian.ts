/**
 * Second derivatives of an already smoothed image by repeated central differences, as numpy.gradient
 * computes them (one-sided differences on the first and last sample). scikit-image's hessian_matrix
 * (0.19) builds the Hessian this way from a Gaussian-smoothed image, and Frangi's output near borders
 * and at σ = 1 depends on that choice.
 */

export interface Hessian2D {
  /** ∂²/∂x² (along rows). */
  xx: Float64Array;
  /** ∂/∂y of ∂/∂x: the order numpy/skimage use, which differs from ∂/∂x of ∂/∂y only at the borders. */
  xy: Float64Array;
  /** ∂²/∂y² (down columns). */
  yy: Float64Array;
}

export function createHessian(size: number): Hessian2D {
  return { xx: new Float64Array(size), xy: new Float64Array(size), yy: new Float64Array(size) };
}

/** d/dx of a row-major image into `out`. */
export function gradientX(f: Float64Array, width: number, height: number, out: Float64Array): void {
  for (let y = 0; y < height; y++) {
    const b = y * width;
    out[b] = f[b + 1] - f[b];
    for (let x = 1; x < width - 1; x++) out[b + x] = (f[b + x + 1] - f[b + x - 1]) / 2;
    out[b + width - 1] = f[b + width - 1] - f[b + width - 2];
  }
}

/** d/dy of a row-major image into `out`. */
export function gradientY(f: Float64Array, width: number, height: number, out: Float64Array): void {
  const last = (height - 1) * width;
  for (let x = 0; x < width; x++) {
    out[x] = f[width + x] - f[x];
    out[last + x] = f[last + x] - f[last - width + x];
  }
  for (let y = 1; y < height - 1; y++) {
    const b = y * width;
    for (let x = 0; x < width; x++) out[b + x] = (f[b + width + x] - f[b - width + x]) / 2;
  }
}

/** Hessian of `smoothed` into `out`; `gx` and `gy` are scratch of the same size. */
export function hessianOfSmoothed(
  smoothed: Float64Array,
  width: number,
  height: number,
  out: Hessian2D,
  gx: Float64Array,
  gy: Float64Array,
): void {
  gradientX(smoothed, width, height, gx);
  gradientY(smoothed, width, height, gy);
  gradientX(gx, width, height, out.xx);
  gradientY(gx, width, height, out.xy);
  gradientY(gy, width, height, out.yy);
}
