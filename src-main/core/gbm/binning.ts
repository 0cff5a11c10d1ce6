/**
 * Quantile binning of float features into uint8 codes, as in scikit-learn's _BinMapper: a feature with
 * at most `maxBins` distinct values gets one bin per value (edges at the midpoints), otherwise edges at
 * the `maxBins`-quantiles (numpy's "midpoint" percentile). Code 255 is reserved for NaN, so at most 255
 * real bins fit in a byte. Edges are inclusive upper bounds: value v is in bin b when
 * edges[b-1] < v <= edges[b], which is exactly the `v <= threshold` test trees apply to raw features.
 *
 * The exported kernels run both on the main thread and, as source text, inside worker threads, so each
 * one may only call functions of this module that are also shipped (see worker-pool.ts) and must not
 * read module-level constants.
 */

/** Code of a missing (NaN) value. */
export const MISSING_BIN = 255;
/** Room for edges per feature in the flat edge array (at most 254 edges for 255 bins). */
export const EDGE_STRIDE = 256;

/**
 * Sorts `values[0..n)` (no NaN) in place and writes the bin upper edges to `out[outOff..]`.
 * Returns the number of edges; the feature then has edges + 1 bins.
 */
export function featureBinEdges(values: Float64Array, n: number, maxBins: number, out: Float64Array, outOff: number): number {
  if (n === 0) return 0;
  const v = values.subarray(0, n);
  v.sort();
  const max = v[n - 1];
  let nDistinct = 1;
  for (let i = 1; i < n; i++) if (v[i] !== v[i - 1]) nDistinct++;
  let ne = 0;
  if (nDistinct <= maxBins) {
    for (let i = 1; i < n; i++) {
      const a = v[i - 1];
      const b = v[i];
      if (a === b) continue;
      let m = (a + b) / 2;
      // Overflow or infinities: any value in [a, b) separates the two, and a itself always does.
      if (!(m >= a && m < b)) m = a;
      out[outOff + ne++] = m;
    }
    return ne;
  }
  let prev = -Infinity;
  let first = true;
  for (let q = 1; q < maxBins; q++) {
    const pos = (q / maxBins) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    let e = (v[lo] + v[hi]) / 2;
    if (!(e >= v[lo] && e <= v[hi])) e = v[lo];
    // Heavy ties give repeated quantiles; an edge at the maximum would only add an empty last bin.
    if (e >= max || (!first && e <= prev)) continue;
    out[outOff + ne++] = e;
    prev = e;
    first = false;
  }
  return ne;
}

/**
 * Fits the edges of features [f0, f1) from the rows `sampleRows` of the row-major matrix `x`.
 * `scratch` must hold (f1 - f0) * sampleRows.length doubles; features are gathered together row by row
 * because reading one column of a wide row-major matrix touches a new cache line per value.
 */
export function fitBinEdgesBlock(
  x: Float32Array, nCols: number, sampleRows: Int32Array, f0: number, f1: number, maxBins: number,
  scratch: Float64Array, edges: Float64Array, edgeStride: number, nEdges: Int32Array,
): void {
  const ns = sampleRows.length;
  const width = f1 - f0;
  const counts = new Int32Array(width);
  for (let k = 0; k < ns; k++) {
    const base = sampleRows[k] * nCols + f0;
    for (let j = 0; j < width; j++) {
      const val = x[base + j];
      if (val === val) scratch[j * ns + counts[j]++] = val;
    }
  }
  for (let j = 0; j < width; j++) {
    const f = f0 + j;
    nEdges[f] = featureBinEdges(scratch.subarray(j * ns, (j + 1) * ns), counts[j], maxBins, edges, f * edgeStride);
  }
}

/**
 * Writes the codes of features [f0, f1) for rows `rows` (all rows when null) into the column-major
 * `out` (feature f of output row i at f * nOut + i), and flags features that hold NaN.
 */
export function mapBinsBlock(
  x: Float32Array, nCols: number, rows: Int32Array | null, nOut: number, f0: number, f1: number,
  edges: Float64Array, edgeStride: number, nEdges: Int32Array, out: Uint8Array, hasMissing: Uint8Array,
): void {
  for (let i = 0; i < nOut; i++) {
    const base = (rows === null ? i : rows[i]) * nCols;
    for (let f = f0; f < f1; f++) {
      const val = x[base + f];
      if (val !== val) {
        out[f * nOut + i] = 255;
        hasMissing[f] = 1;
        continue;
      }
      const eOff = f * edgeStride;
      let lo = 0;
      let hi = nEdges[f];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (val <= edges[eOff + mid]) hi = mid;
        else lo = mid + 1;
      }
      out[f * nOut + i] = lo;
    }
  }
}

/** Fitted bin edges of every feature, plus which features held NaN in the training rows. */
export interface BinMapper {
  readonly nFeatures: number;
  /** Edges of feature f at [f * EDGE_STRIDE, f * EDGE_STRIDE + nEdges[f]). */
  readonly edges: Float64Array;
  readonly nEdges: Int32Array;
  readonly hasMissing: Uint8Array;
}

/** Non-missing bins of feature f. */
export function binCount(m: BinMapper, f: number): number {
  return m.nEdges[f] + 1;
}
