import { SonoError } from '../errors.js';
import { assertFloatImage, type FloatImage } from './float-image.js';
import { gaussianFilter } from './gaussian.js';
import { createHessian, hessianOfSmoothed, type Hessian2D } from './hessian.js';

/**
 * Frangi vesselness (A. F. Frangi et al., "Multiscale vessel enhancement filtering", MICCAI 1998) for
 * 2-D images, following skimage.filters.frangi as shipped in scikit-image 0.19 (Debian's
 * python3-skimage, our reference):
 * - Hessian: Gaussian smoothing ('reflect' borders, truncated at 4σ), then numpy.gradient twice, scaled
 *   by σ² so responses at different scales are comparable;
 * - eigenvalues ordered by magnitude, |λ1| <= |λ2|;
 * - V = exp(−R_B² / 2β²) · (1 − exp(−S² / 2γ²)), with R_B = λ1/λ2 and S² = λ1² + λ2²; the plate term
 *   (alpha) is identically 1 in 2-D;
 * - V = 0 where λ2 has the sign of the background rather than the ridge (λ2 > 0 for bright ridges,
 *   λ2 < 0 for dark ones);
 * - the maximum of V over scales.
 */
export interface FrangiParams {
  /** First scale (Gaussian σ, pixels). */
  sigmaMin: number;
  /** Scales stop before this value, like Python's range/np.arange (so 1..10 by 2 is 1, 3, 5, 7, 9). */
  sigmaMax: number;
  sigmaStep: number;
  /** Explicit list of scales; when given, sigmaMin/sigmaMax/sigmaStep are ignored. */
  sigmas?: readonly number[];
  /** Plate-like deviation sensitivity. Has no effect in 2-D (kept for parity with skimage's signature). */
  alpha: number;
  /** Blob-like deviation sensitivity (weights R_B). */
  beta: number;
  /**
   * Structure sensitivity (weights S, the Hessian's Frobenius norm). scikit-image 0.19 defaults to 15;
   * null uses Frangi's suggestion of half the largest S in the image, computed at each scale (later
   * scikit-image versions default to a data-driven value of this kind, but are not what we check
   * against). With 0..1 intensities γ = 15 leaves V ∝ S² in practice, i.e. small absolute values; the
   * ranking of pixels is what the analysis relies on.
   */
  gamma: number | null;
  /** true: respond to dark ridges on a bright background (skimage's default); false: to bright ridges. */
  blackRidges: boolean;
}

/** Defaults of skimage.filters.frangi in scikit-image 0.19. */
export const FRANGI_DEFAULTS: Readonly<FrangiParams> = Object.freeze({
  sigmaMin: 1,
  sigmaMax: 10,
  sigmaStep: 2,
  alpha: 0.5,
  beta: 0.5,
  gamma: 15,
  blackRidges: true,
});

/** Denominator skimage substitutes for λ2 = 0, so R_B stays finite. */
const ZERO_DENOMINATOR = 1e-10;

function resolveParams(params: Partial<FrangiParams> | undefined): FrangiParams {
  const p: FrangiParams = { ...FRANGI_DEFAULTS, ...params };
  const bad = (msg: string): never => {
    throw new SonoError('BAD_INPUT', `Frangi: ${msg}`);
  };
  if (!(p.beta > 0)) bad(`beta must be > 0 (got ${p.beta})`);
  if (p.gamma !== null && !(p.gamma > 0)) bad(`gamma must be > 0 or null (got ${p.gamma})`);
  return p;
}

/** The scales `frangi` will use for these parameters. */
export function frangiSigmas(params?: Partial<FrangiParams>): number[] {
  const p = { ...FRANGI_DEFAULTS, ...params };
  let sigmas: number[];
  if (p.sigmas) {
    sigmas = [...p.sigmas];
  } else {
    if (!(p.sigmaStep > 0)) throw new SonoError('BAD_INPUT', `Frangi: sigmaStep must be > 0 (got ${p.sigmaStep})`);
    const count = Math.max(0, Math.ceil((p.sigmaMax - p.sigmaMin) / p.sigmaStep - 1e-9));
    sigmas = Array.from({ length: count }, (_, i) => p.sigmaMin + i * p.sigmaStep);
  }
  if (sigmas.length === 0) throw new SonoError('BAD_INPUT', 'Frangi: no scales (sigmaMax must exceed sigmaMin)');
  for (const s of sigmas) {
    if (!(s > 0) || !Number.isFinite(s)) throw new SonoError('BAD_INPUT', `Frangi: scales must be positive (got ${s})`);
  }
  return sigmas;
}

interface Workspace {
  smoothed: Float64Array;
  gx: Float64Array;
  gy: Float64Array;
  hessian: Hessian2D;
}

function createWorkspace(size: number): Workspace {
  return {
    smoothed: new Float64Array(size),
    gx: new Float64Array(size),
    gy: new Float64Array(size),
    hessian: createHessian(size),
  };
}

/**
 * Vesselness at one scale, combined into `out` by maximum (`out` must start at 0 or hold earlier
 * scales). Returns nothing: scales share the workspace so a multi-scale run allocates once.
 */
function accumulateScale(img: FloatImage, sigma: number, p: FrangiParams, ws: Workspace, out: Float32Array): void {
  const { width, height } = img;
  const n = width * height;
  gaussianFilter(img.data, width, height, sigma, ws.smoothed);
  hessianOfSmoothed(ws.smoothed, width, height, ws.hessian, ws.gx, ws.gy);
  const { xx, xy, yy } = ws.hessian;
  const s2 = sigma * sigma;

  let gamma = p.gamma;
  if (gamma === null) {
    // S² = λ1² + λ2² is the squared Frobenius norm, so no eigen-decomposition is needed for its maximum.
    let maxS2 = 0;
    for (let i = 0; i < n; i++) {
      const a = xx[i] * s2;
      const b = xy[i] * s2;
      const c = yy[i] * s2;
      const norm2 = a * a + 2 * b * b + c * c;
      if (norm2 > maxS2) maxS2 = norm2;
    }
    gamma = maxS2 > 0 ? Math.sqrt(maxS2) / 2 : 1;
  }
  const twoBetaSq = 2 * p.beta * p.beta;
  const twoGammaSq = 2 * gamma * gamma;
  // Dark ridges: skimage inverts the image, which negates the Hessian; flip the background test instead.
  const ridgeSign = p.blackRidges ? -1 : 1;

  for (let i = 0; i < n; i++) {
    const a = xx[i] * s2;
    const b = xy[i] * s2;
    const c = yy[i] * s2;
    const mean = (a + c) / 2;
    const half = Math.sqrt(4 * b * b + (a - c) * (a - c)) / 2;
    const big = mean + half;
    const small = mean - half;
    let l1: number;
    let l2: number;
    if (Math.abs(big) <= Math.abs(small)) {
      l1 = big;
      l2 = small;
    } else {
      l1 = small;
      l2 = big;
    }
    if (ridgeSign * l2 > 0) continue;
    const denom = l2 === 0 ? ZERO_DENOMINATOR : Math.abs(l2);
    const rb = (l1 / denom) ** 2;
    const s = l1 * l1 + l2 * l2;
    const v = Math.exp(-rb / twoBetaSq) * (1 - Math.exp(-s / twoGammaSq));
    if (v > out[i]) out[i] = v;
  }
}

/** Vesselness at a single scale σ (no maximum over scales). */
export function frangiAtScale(img: FloatImage, sigma: number, params?: Partial<FrangiParams>): Float32Array {
  assertFloatImage(img, 'Frangi');
  const p = resolveParams(params);
  const [checkedSigma] = frangiSigmas({ sigmas: [sigma] });
  const out = new Float32Array(img.width * img.height);
  accumulateScale(img, checkedSigma, p, createWorkspace(out.length), out);
  return out;
}

/** Multi-scale Frangi vesselness in [0, 1]: the maximum over `frangiSigmas(params)` of frangiAtScale. */
export function frangi(img: FloatImage, params?: Partial<FrangiParams>): Float32Array {
  assertFloatImage(img, 'Frangi');
  const p = resolveParams(params);
  const sigmas = frangiSigmas(p);
  const out = new Float32Array(img.width * img.height);
  const ws = createWorkspace(out.length);
  for (const sigma of sigmas) accumulateScale(img, sigma, p, ws, out);
  return out;
}
