/**
 * Percentile bootstrap of a mean over images that resamples subjects, not images. Images of one subject
 * are correlated (HC18 has up to several scans per subject), so resampling them independently would make
 * the interval too narrow. Each resample draws as many subjects as there are, with replacement, and takes
 * the mean over all their images. With one image per subject this is exactly `bootstrapMeanCI`.
 */
import { SonoError } from '../errors.js';
import { createRng, randomIndex } from '../metrics/prng.js';

export function clusterBootstrapMeanCI(
  values: readonly number[],
  clusters: ReadonlyArray<string | null>,
  opts: { resamples?: number; confidence?: number; seed?: number } = {},
): { mean: number; lo: number; hi: number } {
  const { resamples = 2000, confidence = 0.95, seed = 0 } = opts;
  if (values.length === 0) throw new SonoError('BAD_INPUT', 'bootstrap needs at least one value');
  if (clusters.length !== values.length) throw new SonoError('BAD_INPUT', `${clusters.length} cluster labels for ${values.length} values`);
  // An image without a subject can only be assumed independent: it is a cluster of its own.
  const sums: number[] = [];
  const sizes: number[] = [];
  const byName = new Map<string, number>();
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new SonoError('BAD_INPUT', `bootstrap value ${i} is not a finite number: ${v}`);
    const c = clusters[i];
    let k = c === null || c === '' ? undefined : byName.get(c);
    if (k === undefined) {
      k = sums.length;
      sums.push(0);
      sizes.push(0);
      if (c !== null && c !== '') byName.set(c, k);
    }
    sums[k] += v;
    sizes[k]++;
  });
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const rng = createRng(seed);
  const n = sums.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const k = randomIndex(rng, n);
      s += sums[k];
      m += sizes[k];
    }
    means[r] = s / m;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { mean, lo: typeQuantile(means, alpha / 2), hi: typeQuantile(means, 1 - alpha / 2) };
}

function typeQuantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}
