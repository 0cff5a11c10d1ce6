/**
 * Seeded pseudo-random numbers for the phantom generator.
 *
 * Every random decision in the phantom goes through these helpers so that one
 * seed always reproduces the same bytes on any machine; `Math.random` is never used.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer (the raw generator output). */
  nextU32(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal deviate. */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Either -1 or 1 with equal probability. */
  sign(): 1 | -1;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Avalanching 32-bit integer mix (the murmur3 finaliser), so nearby inputs give unrelated outputs. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return fmix32(h);
}

/**
 * Hash a seed and any number of labels into a 32-bit seed.
 *
 * Deriving independent streams by label (e.g. 'speckle', 'pose') keeps one part of the
 * phantom stable when another part changes how many numbers it draws.
 * Non-integer and negative seeds are accepted: all 64 bits of the double are hashed.
 */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  if (!Number.isFinite(seed)) throw new RangeError(`phantom seed must be a finite number, got ${seed}`);
  f64[0] = seed === 0 ? 0 : seed; // fold -0 into 0
  let h = fmix32(u32[0] ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul(u32[1], 0x27d4eb2f));
  for (const label of labels) {
    h = typeof label === 'number' ? fmix32(h ^ Math.imul((label | 0) + 0x165667b1, 0x9e3779b1)) : mixString(h, label);
  }
  return h;
}

/** mulberry32: tiny, fast, and passes the statistical tests that matter for image noise. Returns uint32. */
export function mulberry32(seed32: number): () => number {
  let a = seed32 >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A seeded generator; `labels` select an independent stream for the same seed. */
export function createRng(seed: number, ...labels: Array<string | number>): Rng {
  const nextU32 = mulberry32(deriveSeed(seed, ...labels));
  const next = (): number => nextU32() / 4294967296;
  let spare = 0;
  let hasSpare = false;
  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // Box-Muller; 1 - next() lies in (0, 1] so the logarithm is finite.
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    nextU32,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal,
    chance: (p) => next() < p,
    sign: () => (next() < 0.5 ? -1 : 1),
  };
}

const GAUSS_BITS = 12;
const GAUSS_LEVELS = 1 << GAUSS_BITS;
let radiusTable: Float64Array | null = null;
let cosTable: Float64Array | null = null;
let sinTable: Float64Array | null = null;

/**
 * Fill `re` and `im` with independent normals of standard deviation `std` (default 1).
 *
 * The speckle field needs a complex Gaussian per acquisition sample, ~70 000 per image.
 * Box-Muller in polar form takes a Rayleigh radius and a uniform phase; both come here
 * from 4096-entry tables indexed by the halves of one 32-bit draw, with the radius table
 * holding the Rayleigh quantiles at the bin centres. That keeps the distribution exact
 * up to a 1/4096 quantisation (tails cut beyond 4.3 sigma, invisible after log
 * compression) at a fraction of the cost of a logarithm and two trigonometric calls.
 */
export function fillNormalPairs(nextU32: () => number, re: Float32Array, im: Float32Array, std = 1): void {
  if (!radiusTable || !cosTable || !sinTable) {
    radiusTable = new Float64Array(GAUSS_LEVELS);
    cosTable = new Float64Array(GAUSS_LEVELS);
    sinTable = new Float64Array(GAUSS_LEVELS);
    for (let k = 0; k < GAUSS_LEVELS; k++) {
      radiusTable[k] = Math.sqrt(-2 * Math.log(1 - (k + 0.5) / GAUSS_LEVELS));
      cosTable[k] = Math.cos((2 * Math.PI * k) / GAUSS_LEVELS);
      sinTable[k] = Math.sin((2 * Math.PI * k) / GAUSS_LEVELS);
    }
  }
  const rt = radiusTable;
  const ct = cosTable;
  const st = sinTable;
  const mask = GAUSS_LEVELS - 1;
  const n = re.length;
  for (let i = 0; i < n; i++) {
    const u = nextU32();
    const r = rt[u >>> (32 - GAUSS_BITS)] * std;
    const p = u & mask;
    re[i] = r * ct[p];
    im[i] = r * st[p];
  }
}
