import { SonoError } from '../errors.js';
import { fft2Plan } from './fft2.js';
import { nextFiveSmooth } from './fft-mixed-radix.js';
import { assertFloatImage, type FloatImage } from './float-image.js';
import { logGaborBank } from './log-gabor-bank.js';
import { reflectPad } from './reflect-pad.js';
import { valueRange } from './resample.js';
import { histogramMode, median } from './robust-stats.js';

/**
 * Phase congruency after Kovesi's phasecong3 (P. Kovesi, "Image features from phase congruency",
 * Videre 1999; "Phase congruency detects corners and edges", DICTA 2003): a log-Gabor quadrature filter
 * bank over `nscale` scales and `norient` orientations, noise compensation by soft thresholding at a
 * level estimated from the smallest scale, a sigmoid weighting that penalises narrow frequency spread,
 * and the principal moments of the per-orientation phase congruency.
 *
 * Differences from phasecong3, and why:
 * - The image is reflect-padded with at least one longest wavelength of margin on every side, so the
 *   borders see mirrored content rather than the opposite edge of the image, and then to the next
 *   5-smooth sizes (the FFT's lengths: 800x540 becomes 864x600).
 * - Kovesi's epsilon (1e-4, which guards divisions) is multiplied by the image's intensity range, and it
 *   also guards the division by the summed amplitude. With these, PC(a·img + b) = PC(img) for any a > 0,
 *   and flat regions of synthetic images give 0 instead of round-off divided by round-off.
 */
export interface PhaseCongruencyParams {
  /** Number of wavelet scales. */
  nscale: number;
  /** Number of filter orientations. */
  norient: number;
  /** Wavelength of the smallest scale filter, in pixels. */
  minWaveLength: number;
  /** Ratio between successive filter wavelengths. */
  mult: number;
  /** Ratio of the log-Gabor's standard deviation to its centre frequency. */
  sigmaOnf: number;
  /** Noise standard deviations above the mean noise energy at which the threshold is set. */
  k: number;
  /** Fractional frequency spread below which phase congruency is penalised. */
  cutOff: number;
  /** Sharpness of the frequency-spread sigmoid. */
  g: number;
  /**
   * -1: noise from the median of the smallest-scale amplitudes; -2: from their mode; a value >= 0 is a
   * fixed noise threshold in image intensity units (then PC is no longer contrast invariant).
   */
  noiseMethod: number;
}

/** Kovesi's phasecong3 defaults. */
export const PC_DEFAULTS: Readonly<PhaseCongruencyParams> = Object.freeze({
  nscale: 4,
  norient: 6,
  minWaveLength: 3,
  mult: 2.1,
  sigmaOnf: 0.55,
  k: 2.0,
  cutOff: 0.5,
  g: 10,
  noiseMethod: -1,
});

export interface PhaseCongruencyResult {
  width: number;
  height: number;
  /**
   * phasecong3's M: maximum moment of phase congruency covariance over orientations, in [0, 1].
   * Strong at edges and lines. A straight edge can reach at most 5/6 with 6 orientations, because only
   * the three orientations within 60° of its normal see it (a clean step centred on a pixel gives ~0.73).
   */
  magnitude: Float32Array;
  /** phasecong3's m: minimum moment, in [0, 1]; high only where several orientations agree (corners). */
  minMoment: Float32Array;
  /**
   * Orientation-pooled phase congruency, Σ_o W_o·max(E_o − T_o, 0) / Σ_o ΣA_o (the energy sum normalised
   * by the amplitude sum, as in Kovesi's phasecong2), in [0, 1]; close to 1 on ideal steps and lines.
   */
  energySum: Float32Array;
  /**
   * Feature orientation in radians in [0, π): the direction of the feature's normal (the direction the
   * intensity changes along), measured anticlockwise from +x as displayed (image rows run down). A
   * vertical edge has 0, a horizontal one π/2. phasecong3 reports the same angle in whole degrees.
   */
  orientation: Float32Array;
  /** Noise threshold T subtracted from the energy, per orientation (image intensity units). */
  noiseThresholds: number[];
}

/** Kovesi's epsilon for an image whose intensities span 1. */
const EPSILON = 1e-4;

function resolveParams(params: Partial<PhaseCongruencyParams> | undefined): PhaseCongruencyParams {
  const p: PhaseCongruencyParams = { ...PC_DEFAULTS, ...params };
  const bad = (msg: string): never => {
    throw new SonoError('BAD_INPUT', `phase congruency: ${msg}`);
  };
  if (!Number.isInteger(p.nscale) || p.nscale < 2) bad(`nscale must be an integer >= 2 (got ${p.nscale})`);
  if (!Number.isInteger(p.norient) || p.norient < 1) bad(`norient must be an integer >= 1 (got ${p.norient})`);
  if (!(p.minWaveLength >= 2)) bad(`minWaveLength must be at least 2 pixels (got ${p.minWaveLength})`);
  if (!(p.mult > 1)) bad(`mult must be > 1 (got ${p.mult})`);
  if (!(p.sigmaOnf > 0 && p.sigmaOnf < 1)) bad(`sigmaOnf must be in (0, 1) (got ${p.sigmaOnf})`);
  if (!Number.isFinite(p.k) || !Number.isFinite(p.cutOff) || !Number.isFinite(p.g)) bad('k, cutOff and g must be finite');
  if (!(p.noiseMethod >= 0 || p.noiseMethod === -1 || p.noiseMethod === -2)) {
    bad(`noiseMethod must be -1 (median), -2 (mode) or a threshold >= 0 (got ${p.noiseMethod})`);
  }
  return p;
}

/**
 * Noise threshold for one orientation from the smallest-scale amplitudes (Rayleigh-distributed noise).
 * Reorders `smallestScaleAmplitude`.
 */
function noiseThreshold(p: PhaseCongruencyParams, smallestScaleAmplitude: Float64Array): number {
  if (p.noiseMethod >= 0) return p.noiseMethod;
  const tau =
    p.noiseMethod === -1
      ? median(smallestScaleAmplitude, smallestScaleAmplitude) / Math.sqrt(Math.log(4))
      : histogramMode(smallestScaleAmplitude);
  // Noise amplitude falls with bandwidth, i.e. by 1/mult per scale, so the sum over scales is geometric.
  const totalTau = (tau * (1 - (1 / p.mult) ** p.nscale)) / (1 - 1 / p.mult);
  const noiseMean = totalTau * Math.sqrt(Math.PI / 2);
  const noiseSigma = totalTau * Math.sqrt((4 - Math.PI) / 2);
  return noiseMean + p.k * noiseSigma;
}

/** Sums over orientations, per pixel, from which the outputs are formed at the end. */
interface Accumulators {
  /** Covariance of the vectors (PC_o cos θ_o, PC_o sin θ_o). */
  covx2: Float64Array;
  covy2: Float64Array;
  covxy: Float64Array;
  /** Odd responses projected on each filter direction: their sum points along the feature normal. */
  energyX: Float64Array;
  energyY: Float64Array;
  /** Σ_o W_o·max(E_o − T_o, 0) and Σ_o ΣA_o, for `energySum`. */
  pooledEnergy: Float64Array;
  pooledAmplitude: Float64Array;
}

/** Scratch of one call, for one image size and padded size. */
interface Workspace {
  key: string;
  spectrum: Float64Array;
  eo: Float32Array;
  firstAn: Float64Array;
  acc: Accumulators;
}

/**
 * The scratch of the most recent call, reused while sizes repeat (a study's images share one size). At
 * 800x540 it is about 50 MB, and fresh arrays that large cost page faults and zeroing on every call.
 */
let lastWorkspace: Workspace | null = null;

function workspace(n: number, paddedSize: number, nscale: number): Workspace {
  const key = `${n}/${paddedSize}/${nscale}`;
  if (lastWorkspace?.key === key) {
    for (const a of Object.values(lastWorkspace.acc) as Float64Array[]) a.fill(0);
    return lastWorkspace;
  }
  // Dropped first so that the old scratch can be collected if the new allocation needs the room.
  lastWorkspace = null;
  lastWorkspace = {
    key,
    spectrum: new Float64Array(2 * paddedSize),
    eo: new Float32Array(2 * n * nscale),
    firstAn: new Float64Array(n),
    acc: createAccumulators(n),
  };
  return lastWorkspace;
}

function createAccumulators(n: number): Accumulators {
  return {
    covx2: new Float64Array(n),
    covy2: new Float64Array(n),
    covxy: new Float64Array(n),
    energyX: new Float64Array(n),
    energyY: new Float64Array(n),
    pooledEnergy: new Float64Array(n),
    pooledAmplitude: new Float64Array(n),
  };
}

/**
 * Phase congruency of one orientation from its responses `eo` (one plane per scale, each holding E, O
 * per pixel), added into `acc`.
 */
function accumulateOrientation(
  eo: Float32Array,
  p: PhaseCongruencyParams,
  angle: number,
  T: number,
  eps: number,
  acc: Accumulators,
): void {
  const ns = p.nscale;
  const plane = eo.length / ns;
  const n = plane / 2;
  const cosA = Math.cos(angle);
  const sinA = Math.sin(angle);
  const { cutOff, g } = p;
  const invSpread = 1 / (ns - 1);
  const { covx2, covy2, covxy, energyX, energyY, pooledEnergy, pooledAmplitude } = acc;
  for (let i = 0; i < n; i++) {
    let sumE = 0;
    let sumO = 0;
    let sumAn = 0;
    let maxAn = 0;
    for (let s = 0, k = 2 * i; s < ns; s++, k += plane) {
      const E = eo[k];
      const O = eo[k + 1];
      const an = Math.sqrt(E * E + O * O);
      sumE += E;
      sumO += O;
      sumAn += an;
      if (an > maxAn) maxAn = an;
    }
    energyX[i] += cosA * sumO;
    energyY[i] += sinA * sumO;
    pooledAmplitude[i] += sumAn;
    const invEnergy = 1 / (Math.sqrt(sumE * sumE + sumO * sumO) + eps);
    const meanE = sumE * invEnergy;
    const meanO = sumO * invEnergy;
    // Σ A_s (cos Δφ_s − |sin Δφ_s|): energy along the mean phase, less the spread around it.
    let energy = 0;
    for (let s = 0, k = 2 * i; s < ns; s++, k += plane) {
      const E = eo[k];
      const O = eo[k + 1];
      energy += E * meanE + O * meanO - Math.abs(E * meanO - O * meanE);
    }
    // Soft thresholding: wavelet denoising of the energy. Below the threshold PC is 0 and so are all the
    // remaining terms, so those pixels skip the sigmoid's exp.
    if (!(energy > T)) continue;
    energy -= T;
    // 0 when one scale carries all the amplitude, 1 when all scales carry the same.
    const spreadWidth = (sumAn / (maxAn + eps) - 1) * invSpread;
    const weight = 1 / (1 + Math.exp((cutOff - spreadWidth) * g));
    const pc = (weight * energy) / (sumAn + eps);

    const cx = pc * cosA;
    const cy = pc * sinA;
    covx2[i] += cx * cx;
    covy2[i] += cy * cy;
    covxy[i] += cx * cy;
    pooledEnergy[i] += weight * energy;
  }
}

function finish(
  acc: Accumulators,
  p: PhaseCongruencyParams,
  eps: number,
  w: number,
  h: number,
  noiseThresholds: number[],
): PhaseCongruencyResult {
  const n = w * h;
  const magnitude = new Float32Array(n);
  const minMoment = new Float32Array(n);
  const energySum = new Float32Array(n);
  const orientation = new Float32Array(n);
  const half = p.norient / 2;
  for (let i = 0; i < n; i++) {
    // Normalised so that PC = 1 in every orientation gives moments of exactly 1.
    const a = acc.covx2[i] / half;
    const b = acc.covy2[i] / half;
    const c = (2 * acc.covxy[i]) / half;
    // phasecong3 adds epsilon here, a leftover from when it divided by this; adding it would only lift M
    // by 5e-5 everywhere, so it is left out.
    const denom = Math.sqrt(c * c + (a - b) * (a - b));
    magnitude[i] = clamp01((a + b + denom) / 2);
    minMoment[i] = clamp01((a + b - denom) / 2);
    energySum[i] = clamp01(acc.pooledEnergy[i] / (acc.pooledAmplitude[i] + eps));
    let theta = Math.atan2(acc.energyY[i], acc.energyX[i]);
    if (theta < 0) theta += Math.PI;
    // Float32 rounds values just below π up to past π; those are the same orientation as 0.
    const stored = Math.fround(theta);
    orientation[i] = stored >= Math.PI ? 0 : stored;
  }
  return { width: w, height: h, magnitude, minMoment, energySum, orientation, noiseThresholds };
}

export function phaseCongruency(img: FloatImage, params?: Partial<PhaseCongruencyParams>): PhaseCongruencyResult {
  assertFloatImage(img, 'phase congruency');
  const p = resolveParams(params);
  const { width: w, height: h } = img;
  const n = w * h;
  const [lo, hi] = valueRange(img.data);
  const range = hi - lo;
  const eps = EPSILON * (range > 0 ? range : 1);

  // One longest wavelength of mirrored margin on every side, rounded up to a size the FFT takes.
  const margin = Math.ceil(p.minWaveLength * p.mult ** (p.nscale - 1));
  const padded = reflectPad(img, nextFiveSmooth(w + 2 * margin), nextFiveSmooth(h + 2 * margin));
  const plan = fft2Plan(padded.width, padded.height);
  const { spectrum, eo, firstAn, acc } = workspace(n, padded.width * padded.height, p.nscale);
  plan.forwardReal(padded.data, spectrum);
  const bank = logGaborBank(padded.width, padded.height, p);
  const region = { x: padded.offsetX, y: padded.offsetY, width: w, height: h };

  // Responses of all scales of one orientation, a plane of (E, O) per pixel for each scale. Each inverse
  // FFT writes its plane sequentially; interleaving the scales per pixel instead would make every one of
  // the nscale passes read and write the whole buffer.
  const plane = 2 * n;
  const noiseThresholds: number[] = [];

  for (let o = 0; o < p.norient; o++) {
    for (let s = 0; s < p.nscale; s++) {
      plan.inverseInto(
        spectrum,
        {
          filter: bank.radial[s],
          filter2: bank.spread[o],
          nonzeroRows: bank.nonzeroRows[o],
          nonzeroCols: bank.nonzeroCols[o],
          region,
          outOffset: plane * s,
        },
        eo,
      );
    }
    // The smallest scale responds mostly to noise, so its amplitude distribution sets the threshold.
    for (let i = 0; i < n; i++) {
      const re = eo[2 * i];
      const im = eo[2 * i + 1];
      firstAn[i] = Math.sqrt(re * re + im * im);
    }
    const T = noiseThreshold(p, firstAn);
    noiseThresholds.push(T);
    accumulateOrientation(eo, p, bank.angles[o], T, eps, acc);
  }
  return finish(acc, p, eps, w, h, noiseThresholds);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
