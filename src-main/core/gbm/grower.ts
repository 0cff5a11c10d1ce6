import { EDGE_STRIDE, MISSING_BIN } from './binning.js';
import { buildHistogramAll, buildHistogramIndexed, FEATURE_STRIDE, subtractHistogram } from './histogram.js';
import {
  MODE_ALL, MODE_INDEXED, MODE_NONE, MODE_SUBTRACT, N_END, N_FIND, N_MODE, N_ORD, N_PARENT, N_SIBLING, N_SLOT, N_START,
  runNodeTaskChunk, TF_L2, TF_MIN_HESS, TF_NODE, TF_SCRATCH, TI_MIN_LEAF, TI_N_ACTIVE, TI_N_FEATURES, TI_N_ROWS, TI_NODE, TI_NODE_STRIDE,
  type NodeKernels,
} from './node-task.js';
import { findBestSplit, resetSplit, SPLIT_BIN, SPLIT_CL, SPLIT_FEATURE, SPLIT_GAIN, SPLIT_GL, SPLIT_HL, SPLIT_MISSING_LEFT, SPLIT_RECORD } from './split.js';
import { allocTree, trimTree, type Tree } from './tree.js';
import { OP_NODE, type SharedArrays, type WorkerPool } from './worker-pool.js';

const KERNELS: NodeKernels = { buildHistogramAll, buildHistogramIndexed, subtractHistogram, findBestSplit };
/** Result record stride per participant: two split records. */
const RESULT_STRIDE = 2 * SPLIT_RECORD;
const EPS = 2.220446049250313e-16;
/**
 * Chunks of a step per thread. A step ends when its last chunk does, so the others wait for up to a
 * chunk's time, and a thread the OS deschedules holds its chunk meanwhile; small chunks bound both,
 * and claiming one costs a compare-and-swap. 8 per thread left the workers idle for 5-15 % of a fit.
 */
const CHUNKS_PER_PARTICIPANT = 32;

export interface GrowerConfig {
  maxLeafNodes: number;
  maxDepth: number | null;
  minSamplesLeaf: number;
  minChildWeight: number;
  l2: number;
  learningRate: number;
  /** Histogram slots that fit in memory (at least 3); fewer than maxLeafNodes + 1 forces eviction. */
  histogramSlots: number;
  /** Fewest rows of a node whose histogram is kept in a slot for its children's subtraction trick. */
  minHistogramRows: number;
  /** Smallest (rows x features) of a step worth waking the worker threads for. */
  minParallelWork: number;
}

/** A grown tree plus the bin thresholds of its splits, which only training needs. */
export interface GrownTree {
  tree: Tree;
  binThreshold: Uint8Array;
}

/** Bytes of one histogram slot. */
export function histogramSlotBytes(nFeatures: number): number {
  return nFeatures * FEATURE_STRIDE * Float64Array.BYTES_PER_ELEMENT;
}

/**
 * Grows trees leaf-wise (best first) on the shared arrays: the splittable leaf with the largest gain
 * is split next until the tree has maxLeafNodes leaves. Each split builds the histogram of the smaller
 * child only and derives the larger one as parent minus smaller (the subtraction trick), so a tree
 * costs about as much as two passes over the data. Histograms live in a fixed set of slots; when they
 * run out, the leaf least likely to be split (lowest gain) gives up its slot and, should it be split
 * after all, both its children are built directly. Nodes with fewer than minHistogramRows rows get no
 * slot at all (their histograms live only in the threads' scratch blocks while their split is found):
 * at a few hundred rows, writing a histogram back to memory and reading it for the subtraction later
 * costs more than building both children from rows.
 */
export class TreeGrower {
  private readonly maxNodes: number;
  private readonly buf: Tree;
  private readonly binThr: Uint8Array;
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly depth: Int32Array;
  private readonly sumG: Float64Array;
  private readonly sumH: Float64Array;
  private readonly slot: Int32Array;
  private readonly split: Float64Array;
  private readonly splittable: Int32Array;
  private nSplittable = 0;
  private readonly freeSlots: Int32Array;
  private nFree = 0;
  private readonly scratch: Int32Array;
  private readonly taskBest = new Float64Array(RESULT_STRIDE);
  private readonly local: (from: number, to: number) => void;
  private nNodes = 0;
  private nActive = 0;

  constructor(
    private readonly s: SharedArrays,
    private readonly nRows: number,
    private readonly nFeatures: number,
    private readonly cfg: GrowerConfig,
    private readonly pool: WorkerPool | null,
  ) {
    this.maxNodes = 2 * cfg.maxLeafNodes - 1;
    this.buf = allocTree(this.maxNodes);
    this.binThr = new Uint8Array(this.maxNodes);
    this.start = new Int32Array(this.maxNodes);
    this.end = new Int32Array(this.maxNodes);
    this.depth = new Int32Array(this.maxNodes);
    this.sumG = new Float64Array(this.maxNodes);
    this.sumH = new Float64Array(this.maxNodes);
    this.slot = new Int32Array(this.maxNodes);
    this.split = new Float64Array(this.maxNodes * SPLIT_RECORD);
    this.splittable = new Int32Array(this.maxNodes);
    this.freeSlots = new Int32Array(cfg.histogramSlots);
    this.scratch = new Int32Array(nRows);
    this.local = (from, to) => runNodeTaskChunk(KERNELS, s, from, to, s.results, 0);
    const ti = s.ti;
    ti[TI_N_ROWS] = nRows;
    ti[TI_MIN_LEAF] = cfg.minSamplesLeaf;
    ti[TI_N_FEATURES] = nFeatures;
    s.tf[TF_L2] = cfg.l2;
    // A positive floor keeps H_L + l2 above zero in the gain even with minChildWeight = l2 = 0.
    s.tf[TF_MIN_HESS] = Math.max(cfg.minChildWeight, Number.MIN_VALUE);
    s.tf[TF_SCRATCH] = cfg.histogramSlots * nFeatures * FEATURE_STRIDE;
  }

  /** Grows one tree on the gradients in s.gh, splitting only on the first `nActive` of s.features. */
  grow(nActive: number): GrownTree {
    const { s, nRows, cfg } = this;
    this.nActive = nActive;
    this.s.ti[TI_N_ACTIVE] = nActive;
    const idx = s.idx;
    // Rows in ascending order make every node's rows ascending too (partitioning is stable), so
    // histogram builds read the byte columns front to back.
    for (let i = 0; i < nRows; i++) idx[i] = i;
    const gh = s.gh;
    let G = 0;
    let H = 0;
    for (let k = 0; k < 2 * nRows; k += 2) {
      G += gh[k];
      H += gh[k + 1];
    }
    const t = this.buf;
    t.feature.fill(-1);
    t.left.fill(-1);
    t.right.fill(-1);
    t.value.fill(0);
    t.gain.fill(0);
    t.missingLeft.fill(0);
    t.threshold.fill(0);
    this.binThr.fill(0);
    this.nFree = cfg.histogramSlots;
    for (let i = 0; i < this.nFree; i++) this.freeSlots[i] = this.nFree - 1 - i;
    this.slot.fill(-1);
    this.nSplittable = 0;
    this.nNodes = 1;
    this.initNode(0, 0, nRows, 0, G, H);
    let leaves = 1;

    if (this.canSplit(0) && nActive > 0) {
      const slot = this.slotFor(0);
      this.setTaskNode(0, MODE_ALL, slot, 0, nRows, true, 0, -1, -1);
      this.setTaskNode(1, MODE_NONE, -1, 0, 0, false, -1, -1, -1);
      this.runTask(nRows);
      this.adoptResult(0, 0, slot);
    }

    while (this.nSplittable > 0 && leaves < cfg.maxLeafNodes) {
      const p = this.popBest();
      const [l, r] = this.applySplit(p);
      leaves++;
      if (leaves >= cfg.maxLeafNodes) break;
      this.prepareChildren(p, l, r);
    }

    for (let n = 0; n < this.nNodes; n++) {
      if (t.feature[n] < 0) t.value[n] = (-cfg.learningRate * this.sumG[n]) / (this.sumH[n] + cfg.l2 + EPS);
    }
    return { tree: trimTree(t, this.nNodes), binThreshold: this.binThr.slice(0, this.nNodes) };
  }

  /** Adds the last grown tree's leaf values to `raw`, through each leaf's range of rows. */
  addLeafValues(raw: Float64Array): void {
    const t = this.buf;
    const idx = this.s.idx;
    for (let n = 0; n < this.nNodes; n++) {
      if (t.feature[n] >= 0) continue;
      const v = t.value[n];
      for (let i = this.start[n]; i < this.end[n]; i++) raw[idx[i]] += v;
    }
  }

  private initNode(n: number, start: number, end: number, depth: number, G: number, H: number): void {
    this.start[n] = start;
    this.end[n] = end;
    this.depth[n] = depth;
    this.sumG[n] = G;
    this.sumH[n] = H;
    this.buf.count[n] = end - start;
    this.slot[n] = -1;
    resetSplit(this.split, n * SPLIT_RECORD);
  }

  private canSplit(n: number): boolean {
    const cfg = this.cfg;
    return (cfg.maxDepth === null || this.depth[n] < cfg.maxDepth)
      && this.end[n] - this.start[n] >= 2 * cfg.minSamplesLeaf
      && this.sumH[n] >= 2 * cfg.minChildWeight;
  }

  private popBest(): number {
    let bi = 0;
    for (let i = 1; i < this.nSplittable; i++) {
      const a = this.splittable[i];
      const b = this.splittable[bi];
      const ga = this.split[a * SPLIT_RECORD + SPLIT_GAIN];
      const gb = this.split[b * SPLIT_RECORD + SPLIT_GAIN];
      if (ga > gb || (ga === gb && a < b)) bi = i;
    }
    const n = this.splittable[bi];
    this.splittable[bi] = this.splittable[--this.nSplittable];
    return n;
  }

  /** Partitions the parent's rows and turns it into a split node; returns the two children. */
  private applySplit(p: number): [number, number] {
    const s = this.s;
    const rec = p * SPLIT_RECORD;
    const f = this.split[rec + SPLIT_FEATURE];
    const bin = this.split[rec + SPLIT_BIN];
    const missLeft = this.split[rec + SPLIT_MISSING_LEFT] === 1;
    const start = this.start[p];
    const end = this.end[p];
    const idx = s.idx;
    const binned = s.binned;
    const col = f * this.nRows;
    const scratch = this.scratch;
    let l = start;
    let r = 0;
    for (let i = start; i < end; i++) {
      const j = idx[i];
      const code = binned[col + j];
      if (code === MISSING_BIN ? missLeft : code <= bin) idx[l++] = j;
      else scratch[r++] = j;
    }
    idx.set(scratch.subarray(0, r), l);
    const nl = l - start;
    if (nl !== this.split[rec + SPLIT_CL]) {
      throw new Error(`GBM internal error: split sends ${nl} rows left, its histogram counted ${this.split[rec + SPLIT_CL]}`);
    }
    const t = this.buf;
    const L = this.nNodes++;
    const R = this.nNodes++;
    const GL = this.split[rec + SPLIT_GL];
    const HL = this.split[rec + SPLIT_HL];
    t.feature[p] = f;
    t.threshold[p] = bin < s.nBins[f] - 1 ? s.edges[f * EDGE_STRIDE + bin] : Infinity;
    this.binThr[p] = bin;
    t.missingLeft[p] = missLeft ? 1 : 0;
    t.left[p] = L;
    t.right[p] = R;
    t.gain[p] = this.split[rec + SPLIT_GAIN];
    this.initNode(L, start, l, this.depth[p] + 1, GL, HL);
    this.initNode(R, l, end, this.depth[p] + 1, this.sumG[p] - GL, this.sumH[p] - HL);
    return [L, R];
  }

  /** Builds what the children of `p` need to find their own best splits. */
  private prepareChildren(p: number, l: number, r: number): void {
    const parentSlot = this.slot[p];
    this.slot[p] = -1;
    const [small, large] = this.end[l] - this.start[l] <= this.end[r] - this.start[r] ? [l, r] : [r, l];
    const needSmall = this.canSplit(small);
    const needLarge = this.canSplit(large);
    if (!needSmall && !needLarge) {
      if (parentSlot >= 0) this.releaseSlot(parentSlot);
      return;
    }
    const nSmall = this.end[small] - this.start[small];
    const nLarge = this.end[large] - this.start[large];
    if (parentSlot >= 0 && needLarge) {
      // The small child is built even when it cannot split (then in scratch only): the large one is
      // derived from it.
      const slotA = needSmall ? this.slotFor(small) : -1;
      this.gather(small);
      this.setTaskNode(0, MODE_INDEXED, slotA, this.start[small], this.end[small], needSmall, small, -1, -1);
      this.setTaskNode(1, MODE_SUBTRACT, parentSlot, 0, 0, true, large, parentSlot, slotA);
      this.runTask(nSmall);
      if (needSmall) this.adoptResult(0, small, slotA);
      else this.releaseSlot(slotA);
      this.adoptResult(1, large, parentSlot);
    } else if (parentSlot >= 0) {
      const slot = this.keeps(small) ? parentSlot : -1;
      if (slot < 0) this.releaseSlot(parentSlot);
      this.gather(small);
      this.setTaskNode(0, MODE_INDEXED, slot, this.start[small], this.end[small], true, small, -1, -1);
      this.setTaskNode(1, MODE_NONE, -1, 0, 0, false, -1, -1, -1);
      this.runTask(nSmall);
      this.adoptResult(0, small, slot);
    } else {
      // The parent's histogram was evicted or not kept: build whichever children can split from their rows.
      const kids = [small, large].filter((n) => this.canSplit(n));
      const slots = kids.map((n) => this.slotFor(n));
      for (let c = 0; c < 2; c++) {
        if (c < kids.length) {
          this.gather(kids[c]);
          this.setTaskNode(c, MODE_INDEXED, slots[c], this.start[kids[c]], this.end[kids[c]], true, kids[c], -1, -1);
        } else {
          this.setTaskNode(c, MODE_NONE, -1, 0, 0, false, -1, -1, -1);
        }
      }
      this.runTask(needSmall && needLarge ? nSmall + nLarge : needSmall ? nSmall : nLarge);
      kids.forEach((n, c) => this.adoptResult(c, n, slots[c]));
    }
  }

  /** Copies the gradient pairs of a node's rows next to their positions in idx. */
  private gather(n: number): void {
    const { idx, gh, ord } = this.s;
    for (let i = this.start[n]; i < this.end[n]; i++) {
      const j = 2 * idx[i];
      ord[2 * i] = gh[j];
      ord[2 * i + 1] = gh[j + 1];
    }
  }

  private setTaskNode(c: number, mode: number, slot: number, start: number, end: number, find: boolean, node: number, parentSlot: number, siblingSlot: number): void {
    const ti = this.s.ti;
    const b = TI_NODE + c * TI_NODE_STRIDE;
    ti[b + N_MODE] = mode;
    ti[b + N_SLOT] = slot;
    ti[b + N_START] = start;
    ti[b + N_END] = end;
    ti[b + N_ORD] = 2 * start;
    ti[b + N_FIND] = find ? 1 : 0;
    ti[b + N_PARENT] = parentSlot;
    ti[b + N_SIBLING] = siblingSlot;
    const tf = this.s.tf;
    const fb = TF_NODE + 3 * c;
    tf[fb] = node >= 0 ? this.sumG[node] : 0;
    tf[fb + 1] = node >= 0 ? this.sumH[node] : 0;
    tf[fb + 2] = node >= 0 ? this.end[node] - this.start[node] : 0;
  }

  /** Runs the task in s.ti/s.tf on every active feature and reduces the participants' best splits. */
  private runTask(rows: number): void {
    const results = this.s.results;
    const pool = this.pool;
    const participants = pool === null ? 1 : pool.participants;
    for (let q = 0; q < participants; q++) {
      resetSplit(results, q * RESULT_STRIDE);
      resetSplit(results, q * RESULT_STRIDE + SPLIT_RECORD);
    }
    const work = (rows + FEATURE_STRIDE) * this.nActive;
    if (pool !== null && work >= this.cfg.minParallelWork) {
      pool.run(OP_NODE, this.nActive, Math.max(4, Math.ceil(this.nActive / (participants * CHUNKS_PER_PARTICIPANT))), this.local);
    } else {
      this.local(0, this.nActive);
    }
    const best = this.taskBest;
    for (let c = 0; c < 2; c++) {
      const o = c * SPLIT_RECORD;
      best.set(results.subarray(o, o + SPLIT_RECORD), o);
      for (let q = 1; q < participants; q++) {
        const qo = q * RESULT_STRIDE + o;
        const g = results[qo + SPLIT_GAIN];
        const f = results[qo + SPLIT_FEATURE];
        if (f < 0) continue;
        if (g > best[o + SPLIT_GAIN] || (g === best[o + SPLIT_GAIN] && (best[o + SPLIT_FEATURE] < 0 || f < best[o + SPLIT_FEATURE]))) {
          best.set(results.subarray(qo, qo + SPLIT_RECORD), o);
        }
      }
    }
  }

  /** Records task node c's best split for tree node n; a node with a split keeps its histogram. */
  private adoptResult(c: number, n: number, slot: number): void {
    const o = c * SPLIT_RECORD;
    if (this.taskBest[o + SPLIT_FEATURE] < 0) {
      this.releaseSlot(slot);
      return;
    }
    this.split.set(this.taskBest.subarray(o, o + SPLIT_RECORD), n * SPLIT_RECORD);
    this.slot[n] = slot;
    this.splittable[this.nSplittable++] = n;
  }

  private keeps(n: number): boolean {
    return this.end[n] - this.start[n] >= this.cfg.minHistogramRows;
  }

  /** A slot for node n's histogram, or -1 when n is too small to keep one. */
  private slotFor(n: number): number {
    return this.keeps(n) ? this.acquireSlot() : -1;
  }

  private acquireSlot(): number {
    if (this.nFree === 0) {
      // Evict the splittable leaf with the lowest gain: the one least likely to be split before the tree is full.
      let victim = -1;
      for (let i = 0; i < this.nSplittable; i++) {
        const n = this.splittable[i];
        if (this.slot[n] < 0) continue;
        if (victim < 0 || this.split[n * SPLIT_RECORD + SPLIT_GAIN] < this.split[victim * SPLIT_RECORD + SPLIT_GAIN]) victim = n;
      }
      if (victim < 0) throw new Error('GBM internal error: no histogram slot to evict');
      this.releaseSlot(this.slot[victim]);
      this.slot[victim] = -1;
    }
    return this.freeSlots[--this.nFree];
  }

  private releaseSlot(slot: number): void {
    if (slot < 0) return;
    this.freeSlots[this.nFree++] = slot;
  }
}
