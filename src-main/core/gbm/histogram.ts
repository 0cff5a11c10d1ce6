/**
 * Gradient/hessian/count histograms, the hot loop of the booster. One histogram holds, per feature,
 * 256 bins of three interleaved doubles (sum of gradients, sum of hessians, sample count), feature f at
 * offset f * FEATURE_STRIDE and the missing-value bin at 255. Interleaving keeps the three updates of a
 * sample on one cache line; doubles measured faster than floats here (no float32 store conversion) and
 * match scikit-learn's precision.
 *
 * Like binning.ts, these kernels are shipped to worker threads as source text: they must stay
 * self-contained (no calls outside this module, no module-level constants).
 */

/** Doubles per feature in a histogram. */
export const FEATURE_STRIDE = 768;
/** Offset of the missing-value bin inside a feature's block. */
export const MISSING_OFFSET = 765;

/** Zeroes the part of a feature block that builds touch: the `nBins` real bins and the missing bin. */
export function clearFeatureHistogram(hist: Float64Array, off: number, nBins: number): void {
  hist.fill(0, off, off + nBins * 3);
  hist[off + 765] = 0;
  hist[off + 766] = 0;
  hist[off + 767] = 0;
}

/**
 * Histogram of one feature over all rows 0..n-1 (the root of a tree), reading the binned column at
 * `colOff` and the interleaved gradient/hessian pairs `gh` sequentially.
 */
export function buildHistogramAll(hist: Float64Array, off: number, nBins: number, binned: Uint8Array, colOff: number, n: number, gh: Float32Array): void {
  clearFeatureHistogram(hist, off, nBins);
  for (let i = 0, k = 0; i < n; i++, k += 2) {
    const b = off + binned[colOff + i] * 3;
    hist[b] += gh[k];
    hist[b + 1] += gh[k + 1];
    hist[b + 2] += 1;
  }
}

/**
 * Histogram of one feature over the rows idx[start..end). `ord` holds the gradient/hessian pairs of
 * those rows already gathered in the same order (pair i at ordOff + 2i), so only the byte column is
 * read at random.
 */
export function buildHistogramIndexed(
  hist: Float64Array, off: number, nBins: number, binned: Uint8Array, colOff: number,
  idx: Int32Array, start: number, end: number, ord: Float32Array, ordOff: number,
): void {
  clearFeatureHistogram(hist, off, nBins);
  for (let i = start, k = ordOff; i < end; i++, k += 2) {
    const b = off + binned[colOff + idx[i]] * 3;
    hist[b] += ord[k];
    hist[b + 1] += ord[k + 1];
    hist[b + 2] += 1;
  }
}

/**
 * The subtraction trick, in place: the parent's feature block becomes parent - child, which is the
 * histogram of the other child. Every bin is subtracted, empty ones included: subtracting a child's
 * exact zeros changes nothing, and a test per bin cost more than it saved (the branch mispredicts on
 * children that fill about half their bins).
 */
export function subtractHistogram(hist: Float64Array, parentOff: number, childOff: number, nBins: number): void {
  for (let b = 0, p = parentOff, c = childOff; b < nBins; b++, p += 3, c += 3) {
    hist[p] -= hist[c];
    hist[p + 1] -= hist[c + 1];
    hist[p + 2] -= hist[c + 2];
  }
  hist[parentOff + 765] -= hist[childOff + 765];
  hist[parentOff + 766] -= hist[childOff + 766];
  hist[parentOff + 767] -= hist[childOff + 767];
}
