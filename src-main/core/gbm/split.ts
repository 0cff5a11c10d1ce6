/**
 * Best split of one feature from its histogram, with scikit-learn's / LightGBM's gain
 *   G_L^2 / (H_L + l2) + G_R^2 / (H_R + l2) - G^2 / (H + l2).
 * Shipped to worker threads as source text (see worker-pool.ts): self-contained on purpose.
 */

/** Layout of a split record in a Float64Array. */
export const SPLIT_GAIN = 0;
export const SPLIT_FEATURE = 1;
export const SPLIT_BIN = 2;
export const SPLIT_MISSING_LEFT = 3;
export const SPLIT_GL = 4;
export const SPLIT_HL = 5;
export const SPLIT_CL = 6;
export const SPLIT_RECORD = 8;

/** Marks a record as "no split found": only splits with positive gain can replace it. */
export function resetSplit(best: Float64Array, bOff: number): void {
  best[bOff] = 0;
  best[bOff + 1] = -1;
  for (let i = 2; i < 8; i++) best[bOff + i] = 0;
}

/**
 * Scans the feature block at `off` (nBins real bins plus the missing bin at 255) of a node with
 * sums G, H and C samples, and replaces the record at `bOff` when a split beats it. Ties go to the
 * lower feature index so the chosen split does not depend on how features were shared among threads.
 *
 * Missing values are tried on both sides when the node holds any; when it holds none, prediction
 * sends them to the child with more training samples (scikit-learn's rule).
 */
export function findBestSplit(
  hist: Float64Array, off: number, nBins: number, feature: number,
  G: number, H: number, C: number, l2: number, minLeaf: number, minHess: number,
  best: Float64Array, bOff: number,
): void {
  if (nBins < 2 && hist[off + 767] === 0) return;
  const parent = (G * G) / (H + l2);
  const cM = hist[off + 767];
  let bestGain = best[bOff];
  // Divisions dominate the scan; most bins lose, which comparing the gain's numerator with this bound
  // times its denominator shows with multiplications only. The margin keeps rounding from rejecting a
  // bin that wins by a hair; such bins then get the exact test.
  let bound = (bestGain + parent) * 0.999999999;
  const bestFeature = best[bOff + 1];
  let found = false;
  let fBin = 0, fMissLeft = 0, fGL = 0, fHL = 0, fCL = 0;

  // Left to right, missing values on the right. With missing values present the last real bin is a
  // candidate too: it separates "has a value" from "missing". Empty bins are not skipped: adding their
  // zeros repeats the previous bin's sums, whose gain cannot win twice (only a strictly larger gain
  // replaces the best), and a test per bin mispredicts on half-filled nodes.
  const lastA = cM > 0 ? nBins - 1 : nBins - 2;
  let gl = 0, hl = 0, cl = 0;
  for (let b = 0, o = off; b <= lastA; b++, o += 3) {
    gl += hist[o];
    hl += hist[o + 1];
    cl += hist[o + 2];
    if (cl < minLeaf) continue;
    const cr = C - cl;
    if (cr < minLeaf) break;
    if (hl < minHess) continue;
    const hr = H - hl;
    if (hr < minHess) break;
    const gr = G - gl;
    const dl = hl + l2;
    const dr = hr + l2;
    if (gl * gl * dr + gr * gr * dl < bound * (dl * dr)) continue;
    const gain = (gl * gl) / dl + (gr * gr) / dr - parent;
    if (gain > bestGain || (gain === bestGain && !found && feature < bestFeature)) {
      bestGain = gain;
      bound = (bestGain + parent) * 0.999999999;
      found = true;
      fBin = b;
      fMissLeft = cM === 0 && cl > cr ? 1 : 0;
      fGL = gl;
      fHL = hl;
      fCL = cl;
    }
  }

  if (cM > 0) {
    // Left to right again with the missing values on the left.
    gl = hist[off + 765];
    hl = hist[off + 766];
    cl = cM;
    for (let b = 0, o = off; b <= nBins - 2; b++, o += 3) {
      gl += hist[o];
      hl += hist[o + 1];
      cl += hist[o + 2];
      if (cl < minLeaf) continue;
      const cr = C - cl;
      if (cr < minLeaf) break;
      if (hl < minHess) continue;
      const hr = H - hl;
      if (hr < minHess) break;
      const gr = G - gl;
      const dl = hl + l2;
      const dr = hr + l2;
      if (gl * gl * dr + gr * gr * dl < bound * (dl * dr)) continue;
      const gain = (gl * gl) / dl + (gr * gr) / dr - parent;
      if (gain > bestGain || (gain === bestGain && !found && feature < bestFeature)) {
        bestGain = gain;
        bound = (bestGain + parent) * 0.999999999;
        found = true;
        fBin = b;
        fMissLeft = 1;
        fGL = gl;
        fHL = hl;
        fCL = cl;
      }
    }
  }

  if (found) {
    best[bOff] = bestGain;
    best[bOff + 1] = feature;
    best[bOff + 2] = fBin;
    best[bOff + 3] = fMissLeft;
    best[bOff + 4] = fGL;
    best[bOff + 5] = fHL;
    best[bOff + 6] = fCL;
  }
}
