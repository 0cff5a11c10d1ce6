import type { buildHistogramAll, buildHistogramIndexed, subtractHistogram } from './histogram.js';
import type { findBestSplit } from './split.js';

/**
 * One step of tree growth, shared out by feature: for each feature of the tree's active list, build
 * or derive the histograms of (up to) two new nodes, then find each node's best split on it.
 * Described by plain numbers in shared typed arrays so worker threads can read it.
 *
 * Int slots (`ti`): see the TI_* constants; each node c in {0, 1} has a block at TI_NODE + 8c.
 * Float slots (`tf`): l2, minChildWeight, per node c the sums G, H, C at TF_NODE + 3c, then where the
 * scratch blocks start in `hist`.
 *
 * A node whose slot is -1 keeps no histogram: each participant builds it feature by feature in its
 * own two scratch blocks (node c in block c), which stay in cache, finds the split and moves on. A
 * histogram kept in a slot is written to memory that has left the cache since its last use, which for
 * a node of a few hundred rows costs more than building it, and later its children, from rows.
 */
export const TI_N_ACTIVE = 0;
export const TI_N_ROWS = 1;
export const TI_MIN_LEAF = 2;
export const TI_N_FEATURES = 3;
export const TI_NODE = 4;
export const TI_NODE_STRIDE = 8;
/** Offsets inside a node block. */
export const N_MODE = 0;
export const N_SLOT = 1;
export const N_START = 2;
export const N_END = 3;
export const N_ORD = 4;
export const N_FIND = 5;
export const N_PARENT = 6;
export const N_SIBLING = 7;
export const TI_SIZE = TI_NODE + 2 * TI_NODE_STRIDE;

export const TF_L2 = 0;
export const TF_MIN_HESS = 1;
export const TF_NODE = 2;
export const TF_SCRATCH = TF_NODE + 6;
export const TF_SIZE = TF_SCRATCH + 1;
/** Doubles of scratch per participant: one feature block for each of the two nodes. */
export const SCRATCH_STRIDE = 2 * 768;

/** How a node's histogram is obtained. */
export const MODE_NONE = 0;
/** From every training row (the root). */
export const MODE_ALL = 1;
/** From rows idx[start..end) with gathered gradients at ord[ordOff..]. */
export const MODE_INDEXED = 2;
/** Parent slot minus node 0's block (slot or scratch), in the parent's slot; node 1 only. */
export const MODE_SUBTRACT = 3;

export interface NodeKernels {
  buildHistogramAll: typeof buildHistogramAll;
  buildHistogramIndexed: typeof buildHistogramIndexed;
  subtractHistogram: typeof subtractHistogram;
  findBestSplit: typeof findBestSplit;
}

export interface NodeTaskState {
  ti: Int32Array;
  tf: Float64Array;
  /** Feature indices this tree may use (column subsampling). */
  features: Int32Array;
  /** Real bins per feature. */
  nBins: Int32Array;
  /** Column-major codes, nFeatures x nRows. */
  binned: Uint8Array;
  /** Gradient/hessian pairs of every training row. */
  gh: Float32Array;
  /** Row indices, partitioned so each node owns a contiguous range. */
  idx: Int32Array;
  /** Gathered gradient/hessian pairs for indexed builds. */
  ord: Float32Array;
  /** Histogram slots, each nFeatures * FEATURE_STRIDE doubles, then SCRATCH_STRIDE per participant. */
  hist: Float64Array;
}

/**
 * Runs the task for active-list positions [from, to) and folds the best splits found into the two
 * records at best[bOff] and best[bOff + 8]; participant q passes bOff = 16q, which also picks its
 * scratch blocks. `k` carries the kernels because worker threads receive them as source text rather
 * than as module imports.
 */
export function runNodeTaskChunk(k: NodeKernels, s: NodeTaskState, from: number, to: number, best: Float64Array, bOff: number): void {
  const ti = s.ti;
  const tf = s.tf;
  const nRows = ti[1];
  const minLeaf = ti[2];
  const slotSize = ti[3] * 768;
  const l2 = tf[0];
  const minHess = tf[1];
  const scratch = tf[8] + (bOff / 16) * 1536;
  for (let p = from; p < to; p++) {
    const f = s.features[p];
    const nb = s.nBins[f];
    const fOff = f * 768;
    const colOff = f * nRows;
    for (let c = 0; c < 2; c++) {
      const nb0 = 4 + c * 8;
      const mode = ti[nb0];
      if (mode === 0) continue;
      const slot = ti[nb0 + 1];
      const off = slot >= 0 ? slot * slotSize + fOff : scratch + c * 768;
      if (mode === 1) k.buildHistogramAll(s.hist, off, nb, s.binned, colOff, nRows, s.gh);
      else if (mode === 2) k.buildHistogramIndexed(s.hist, off, nb, s.binned, colOff, s.idx, ti[nb0 + 2], ti[nb0 + 3], s.ord, ti[nb0 + 4]);
      else {
        // The larger child inherits its parent's slot (N_PARENT = N_SLOT), so subtraction is in place.
        const sibling = ti[nb0 + 7];
        k.subtractHistogram(s.hist, off, sibling >= 0 ? sibling * slotSize + fOff : scratch, nb);
      }
    }
    for (let c = 0; c < 2; c++) {
      const nb0 = 4 + c * 8;
      if (ti[nb0] === 0 || ti[nb0 + 5] === 0) continue;
      const slot = ti[nb0 + 1];
      const off = slot >= 0 ? slot * slotSize + fOff : scratch + c * 768;
      const t0 = 2 + c * 3;
      k.findBestSplit(s.hist, off, nb, f, tf[t0], tf[t0 + 1], tf[t0 + 2], l2, minLeaf, minHess, best, bOff + c * 8);
    }
  }
}
