/**
 * Speckle: the interference pattern of many sub-resolution scatterers.
 *
 * Each acquisition sample holds a complex (in-phase/quadrature) echo. Summing many
 * randomly phased scatterers gives a circular complex Gaussian value; smoothing that
 * field with the system's point-spread function (a linear operation) keeps it complex
 * Gaussian but correlates neighbours, which produces the speckle grain. The envelope
 * (magnitude) of a circular complex Gaussian is Rayleigh distributed, whose
 * mean/std ratio is sqrt(pi / (4 - pi)) ≈ 1.913 whatever the scale.
 */
import { fillNormalPairs } from './rng.js';

export const RAYLEIGH_MEAN_OVER_STD = Math.sqrt(Math.PI / (4 - Math.PI));

/** Circular complex Gaussian samples with E|z|^2 = 1 (each component has variance 1/2). */
export function complexGaussian(nextU32: () => number, n: number): { re: Float32Array; im: Float32Array } {
  const re = new Float32Array(n);
  const im = new Float32Array(n);
  fillNormalPairs(nextU32, re, im, Math.SQRT1_2);
  return { re, im };
}

/**
 * Gaussian kernel normalised to unit energy (sum of squares = 1), so that filtering
 * uncorrelated unit-power noise leaves its power unchanged: tissue brightness is then
 * set by the echogenicity alone, independent of the resolution chosen.
 */
export function energyKernel(sigma: number): Float32Array {
  // ±2.5 σ holds all but ~1 % of the energy; wider kernels only cost time (the sector near
  // field, where beams are dense, needs σ of several beams).
  const radius = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let energy = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + radius] = v;
    energy += v * v;
  }
  const norm = 1 / Math.sqrt(energy);
  for (let i = 0; i < k.length; i++) k[i] *= norm;
  return k;
}

// Both quadrature components are filtered in the same loops: one pass over the indices
// and kernel serves two arrays, which roughly halves the cost of the PSF.
function convolveRows(
  re: Float32Array,
  im: Float32Array,
  outRe: Float32Array,
  outIm: Float32Array,
  nx: number,
  ny: number,
  kernelForRow: (row: number) => Float32Array,
): void {
  for (let y = 0; y < ny; y++) {
    const k = kernelForRow(y);
    const r = (k.length - 1) >> 1;
    const base = y * nx;
    for (let x = 0; x < nx; x++) {
      let accRe = 0;
      let accIm = 0;
      const lo = Math.max(0, x - r);
      const hi = Math.min(nx - 1, x + r);
      for (let j = lo; j <= hi; j++) {
        const w = k[j - x + r];
        accRe += re[base + j] * w;
        accIm += im[base + j] * w;
      }
      outRe[base + x] = accRe;
      outIm[base + x] = accIm;
    }
  }
}

function convolveColumns(
  re: Float32Array,
  im: Float32Array,
  outRe: Float32Array,
  outIm: Float32Array,
  nx: number,
  ny: number,
  k: Float32Array,
): void {
  const r = (k.length - 1) >> 1;
  for (let y = 0; y < ny; y++) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(ny - 1, y + r);
    const base = y * nx;
    outRe.fill(0, base, base + nx);
    outIm.fill(0, base, base + nx);
    for (let j = lo; j <= hi; j++) {
      const w = k[j - y + r];
      const row = j * nx;
      for (let x = 0; x < nx; x++) {
        outRe[base + x] += re[row + x] * w;
        outIm[base + x] += im[row + x] * w;
      }
    }
  }
}

/**
 * Apply a separable Gaussian point-spread function to a complex field laid out row-major
 * (nx columns = lateral, ny rows = axial), in place. `lateralSigma(row)` lets the lateral
 * resolution vary with depth, as it does around the transmit focus.
 */
export function applyPsf(
  re: Float32Array,
  im: Float32Array,
  nx: number,
  ny: number,
  lateralSigma: (row: number) => number,
  axialSigma: number,
): void {
  const cache = new Map<number, Float32Array>();
  const kernelForRow = (row: number): Float32Array => {
    // Quantise sigma so rows share kernels; 0.05 px steps are invisible in the result.
    const key = Math.max(0.3, Math.round(lateralSigma(row) * 20) / 20);
    let k = cache.get(key);
    if (!k) {
      k = energyKernel(key);
      cache.set(key, k);
    }
    return k;
  };
  const tmpRe = new Float32Array(re.length);
  const tmpIm = new Float32Array(im.length);
  convolveRows(re, im, tmpRe, tmpIm, nx, ny, kernelForRow);
  convolveColumns(tmpRe, tmpIm, re, im, nx, ny, energyKernel(axialSigma));
}

/** Envelope (magnitude) of a complex field. */
export function envelope(re: Float32Array, im: Float32Array): Float32Array {
  const out = new Float32Array(re.length);
  for (let i = 0; i < re.length; i++) out[i] = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
  return out;
}

/**
 * Fully developed speckle over a homogeneous region: the envelope of PSF-filtered
 * complex Gaussian scatterers, before any log compression. Exposed so the Rayleigh
 * statistics can be checked directly.
 */
export function homogeneousSpeckle(
  nextU32: () => number,
  nx: number,
  ny: number,
  lateralSigma: number,
  axialSigma: number,
): Float32Array {
  const { re, im } = complexGaussian(nextU32, nx * ny);
  applyPsf(re, im, nx, ny, () => lateralSigma, axialSigma);
  return envelope(re, im);
}

/** Mean and standard deviation of a block of an image (row-major, nx wide). */
export function blockStats(
  values: ArrayLike<number>,
  nx: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
): { mean: number; std: number } {
  let sum = 0;
  let sum2 = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const v = values[y * nx + x];
      sum += v;
      sum2 += v * v;
    }
  }
  const n = w * h;
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) };
}
