import { SonoError } from '../errors.js';
import { gaussianFilter } from './gaussian.js';
import { normalizeTo01 } from './resample.js';

function assertSameSize(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length || a.length < 2) {
    throw new SonoError('BAD_INPUT', `${what}: maps must have the same number of pixels, at least 2 (got ${a.length} and ${b.length})`);
  }
}

/**
 * Pearson correlation over all pixels. A constant map has no defined correlation; 0 is returned for it
 * (it shares no structure with anything), so rankings stay total and CSV cells numeric.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameSize(a, b, 'Pearson correlation');
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (!(saa > 0) || !(sbb > 0)) return 0;
  return sab / Math.sqrt(saa * sbb);
}

/** SSIM constants of Wang et al. 2004 for a data range of 1. */
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;
export const SSIM_SIGMA = 1.5;

/**
 * Mean structural similarity (Z. Wang et al., "Image quality assessment: from error visibility to
 * structural similarity", IEEE TIP 2004) with a Gaussian window of σ = 1.5 and population (not sample)
 * statistics, i.e. skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1). Each map is first stretched to [0, 1] by its own min and
 * max: a CNN response and a phase-congruency map have unrelated units, and SSIM compares their
 * luminance, contrast and structure only after that. As in scikit-image, the mean leaves out a border
 * of (window - 1) / 2 pixels where the window is cut by the edge.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  assertSameSize(a, b, 'SSIM');
  if (a.length !== width * height) throw new SonoError('BAD_INPUT', `SSIM: ${a.length} pixels do not make a ${width}x${height} map`);
  const x = normalizeTo01(a);
  const y = normalizeTo01(b);
  const n = x.length;
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const mx = gaussianFilter(x, width, height, SSIM_SIGMA);
  const my = gaussianFilter(y, width, height, SSIM_SIGMA);
  const mxx = gaussianFilter(xx, width, height, SSIM_SIGMA);
  const myy = gaussianFilter(yy, width, height, SSIM_SIGMA);
  const mxy = gaussianFilter(xy, width, height, SSIM_SIGMA);
  // scikit-image's window for σ = 1.5 is 11 px wide (truncate 3.5), so it drops 5 px on every side.
  const pad = Math.min(5, Math.floor((Math.min(width, height) - 1) / 2));
  let sum = 0;
  let count = 0;
  for (let r = pad; r < height - pad; r++) {
    for (let c = pad; c < width - pad; c++) {
      const i = r * width + c;
      const ux = mx[i];
      const uy = my[i];
      const vx = mxx[i] - ux * ux;
      const vy = myy[i] - uy * uy;
      const cxy = mxy[i] - ux * uy;
      sum += ((2 * ux * uy + C1) * (2 * cxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
      count++;
    }
  }
  return sum / count;
}
