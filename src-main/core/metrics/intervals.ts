import { SonoError } from '../errors.js';
import { createRng, randomIndex } from './prng.js';
import { normalQuantile } from './special.js';

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new SonoError('BAD_INPUT', `Confidence must be in (0, 1), got ${confidence}`);
  }
}

/**
 * Wilson score interval for a proportion. Chosen over the normal (Wald) interval because failure rates
 * here are often near 0 with small n, where Wald collapses to a zero-width interval. n = 0 says nothing,
 * so the interval is all of [0, 1].
 */
export function wilson(successes: number, n: number, confidence = 0.95): [number, number] {
  if (!Number.isInteger(n) || n < 0) throw new SonoError('BAD_INPUT', `Wilson interval needs a count n >= 0, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new SonoError('BAD_INPUT', `Wilson interval needs 0 <= successes <= n = ${n}, got ${successes}`);
  }
  checkConfidence(confidence);
  if (n === 0) return [0, 1];
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const p = successes / n;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 and n the bound is exactly 0 or 1 in exact arithmetic; do not report rounding noise around it.
  const lo = successes === 0 ? 0 : Math.max(0, centre - half);
  const hi = successes === n ? 1 : Math.min(1, centre + half);
  return [lo, hi];
}

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  resamples?: number;
  /** Two-sided coverage (default 0.95). */
  confidence?: number;
  /** PRNG seed (default 0), so a reported interval can be reproduced exactly. */
  seed?: number;
}

/** Linear interpolation between order statistics of sorted data (the usual "type 7" quantile). */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Percentile bootstrap confidence interval for the mean, resampling items with replacement. Items must be
 * the independent units (e.g. per-subject scores), otherwise the interval is too narrow.
 */
export function bootstrapMeanCI(
  values: ArrayLike<number>,
  opts: BootstrapOptions = {},
): { mean: number; lo: number; hi: number } {
  const { resamples = 2000, confidence = 0.95, seed = 0 } = opts;
  const n = values.length;
  if (n === 0) throw new SonoError('BAD_INPUT', 'Bootstrap needs at least one value');
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new SonoError('BAD_INPUT', `Bootstrap resamples must be a positive integer, got ${resamples}`);
  }
  checkConfidence(confidence);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new SonoError('BAD_INPUT', `Bootstrap value ${i} is not a finite number: ${v}`);
    total += v;
  }
  const mean = total / n;

  const rng = createRng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[randomIndex(rng, n)];
    means[r] = s / n;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { mean, lo: sortedQuantile(means, alpha / 2), hi: sortedQuantile(means, 1 - alpha / 2) };
}
