import { SonoError } from '../errors.js';
import { assertFloatImage, type FloatImage } from './float-image.js';
import { gaussianFilter } from './gaussian.js';
import { valueRange } from './resample.js';

/**
 * Speckle measures in homogeneous regions: the speckle index SI = σ/μ and the equivalent number of looks
 * ENL = μ²/σ², each averaged over square blocks chosen automatically. For fully developed speckle in the
 * envelope (Rayleigh amplitude) SI = √((4 − π)/π) ≈ 0.523 and ENL ≈ 3.66; smoothing lowers SI and raises
 * ENL, so a response map with a lower SI than the input in the same regions has suppressed speckle.
 */

/** A region as fractions of the image's width and height, so it maps onto maps of any size. */
export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface HomogeneousOptions {
  /** Block side in pixels; default max(4, ⌊min(width, height) / 14⌋). */
  block?: number;
  /** Fraction of the candidate blocks kept, the most homogeneous first. Default 0.1. */
  fraction?: number;
  /** Blocks kept at least (when that many candidates exist). Default 3. */
  minBlocks?: number;
  /**
   * Blocks darker than this fraction of the brightest block's mean are not candidates: the black
   * surround of a sector scan is flat but holds no speckle. Default 0.1.
   */
  darkFraction?: number;
}

/**
 * Picks homogeneous blocks of `img`: tiles it into square blocks, drops dark ones, and scores each by its
 * mean gradient magnitude after Gaussian smoothing at σ = block/4, divided by its mean intensity. The
 * smoothing removes the speckle grain itself, so the score is high where tissue changes (edges,
 * boundaries, gradual shading) and low where only speckle varies; the lowest-scoring blocks are kept.
 */
export function homogeneousRegions(img: FloatImage, opts: HomogeneousOptions = {}): Region[] {
  assertFloatImage(img, 'speckle regions');
  const { width: w, height: h } = img;
  const b = opts.block ?? Math.max(4, Math.floor(Math.min(w, h) / 14));
  const fraction = opts.fraction ?? 0.1;
  const minBlocks = opts.minBlocks ?? 3;
  const darkFraction = opts.darkFraction ?? 0.1;
  if (!Number.isInteger(b) || b < 2 || b > Math.min(w, h)) {
    throw new SonoError('BAD_INPUT', `speckle regions: block size must be 2..${Math.min(w, h)} px (got ${b})`);
  }
  if (!(fraction > 0 && fraction <= 1)) throw new SonoError('BAD_INPUT', `speckle regions: fraction must be in (0, 1] (got ${fraction})`);

  const smooth = gaussianFilter(img.data, w, h, b / 4);
  const bx = Math.floor(w / b);
  const by = Math.floor(h / b);
  const blocks: Array<{ i: number; j: number; mean: number; score: number }> = [];
  for (let j = 0; j < by; j++) {
    for (let i = 0; i < bx; i++) {
      let sum = 0;
      let grad = 0;
      for (let y = j * b; y < (j + 1) * b; y++) {
        for (let x = i * b; x < (i + 1) * b; x++) {
          const k = y * w + x;
          sum += img.data[k];
          const gx = (smooth[y * w + Math.min(x + 1, w - 1)] - smooth[y * w + Math.max(x - 1, 0)]) / 2;
          const gy = (smooth[Math.min(y + 1, h - 1) * w + x] - smooth[Math.max(y - 1, 0) * w + x]) / 2;
          grad += Math.sqrt(gx * gx + gy * gy);
        }
      }
      const mean = sum / (b * b);
      blocks.push({ i, j, mean, score: mean > 0 ? grad / (b * b) / mean : Infinity });
    }
  }
  const brightest = Math.max(0, ...blocks.map((k) => k.mean));
  const candidates = blocks.filter((k) => brightest > 0 && k.mean > darkFraction * brightest);
  candidates.sort((p, q) => p.score - q.score || p.j - q.j || p.i - q.i);
  const keep = Math.min(candidates.length, Math.max(minBlocks, Math.ceil(fraction * candidates.length)));
  return candidates.slice(0, keep).map((k) => ({ x0: (k.i * b) / w, y0: (k.j * b) / h, x1: ((k.i + 1) * b) / w, y1: ((k.j + 1) * b) / h }));
}

export interface SpeckleStats {
  /** Mean of σ/μ over the usable regions; NaN when none is usable. */
  speckleIndex: number;
  /** Mean of μ²/σ² over the usable regions with σ > 0; NaN when none. */
  enl: number;
  /** Regions that had a positive mean (others say nothing about multiplicative noise). */
  regionsUsed: number;
}

/**
 * SI and ENL of `img` in `regions`. Values are taken relative to the map's minimum, so a signed response
 * (a linear projection can go negative) is measured as its displayed image is; for ReLU outputs and
 * intensities, whose minimum is 0, this changes nothing.
 */
export function speckleStats(img: FloatImage, regions: readonly Region[]): SpeckleStats {
  assertFloatImage(img, 'speckle');
  const { width: w, height: h } = img;
  const [lo, hi] = valueRange(img.data);
  const tiny = 1e-6 * (hi - lo);
  let siSum = 0;
  let enlSum = 0;
  let used = 0;
  let enlUsed = 0;
  for (const r of regions) {
    const xa = Math.max(0, Math.round(r.x0 * w));
    const xb = Math.min(w, Math.max(xa + 1, Math.round(r.x1 * w)));
    const ya = Math.max(0, Math.round(r.y0 * h));
    const yb = Math.min(h, Math.max(ya + 1, Math.round(r.y1 * h)));
    let s = 0;
    let s2 = 0;
    const n = (xb - xa) * (yb - ya);
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const v = img.data[y * w + x] - lo;
        s += v;
        s2 += v * v;
      }
    }
    const mean = s / n;
    if (!(mean > tiny)) continue;
    const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean));
    siSum += sd / mean;
    used++;
    if (sd > tiny) {
      enlSum += (mean * mean) / (sd * sd);
      enlUsed++;
    }
  }
  return { speckleIndex: used ? siSum / used : NaN, enl: enlUsed ? enlSum / enlUsed : NaN, regionsUsed: used };
}
