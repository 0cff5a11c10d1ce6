/**
 * Order statistics used for noise estimation. Phase congruency estimates the noise level once per
 * orientation from every pixel's filter amplitude, so these run on arrays of image size and must be
 * linear-time rather than sort-based.
 */

/** The k-th smallest value (0-based) of `a`, partially reordering `a` in place (Hoare quickselect). */
function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median-of-three pivot keeps already sorted input (common for synthetic images) linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Median as numpy and MATLAB define it (mean of the two middle values for even counts). `scratch` is
 * overwritten; pass `values` itself when its order does not matter.
 */
export function median(values: ArrayLike<number>, scratch?: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  const a = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  if (a !== values) for (let i = 0; i < n; i++) a[i] = values[i];
  const upper = selectInPlace(a, n >>> 1);
  if (n % 2 === 1) return upper;
  // After selection everything left of n/2 is <= upper, so the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < n >>> 1; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/**
 * Mode of non-negative data from a histogram of `bins` equal bins over [0, max], returning the centre of
 * the fullest bin: Kovesi's estimate of a Rayleigh distribution's parameter (its mode equals sigma).
 */
export function histogramMode(values: ArrayLike<number>, bins = 50): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (max === 0) return 0;
  const counts = new Uint32Array(bins);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.floor((values[i] / max) * bins));
    if (b >= 0) counts[b]++;
  }
  let best = 0;
  for (let b = 1; b < bins; b++) if (counts[b] > counts[best]) best = b;
  return ((best + 0.5) * max) / bins;
}
