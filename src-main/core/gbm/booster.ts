import { SonoError } from '../errors.js';
import { EDGE_STRIDE, fitBinEdgesBlock, mapBinsBlock } from './binning.js';
import { checkDataset, checkLabels, stratifiedSplit, type Dataset } from './dataset.js';
import { histogramSlotBytes, TreeGrower, type GrownTree } from './grower.js';
import { baselineLogOdds, logisticGradients, logLoss, sigmoid } from './loss.js';
import { modelToJson, parseModelJson, type GbmModelJson } from './model-json.js';
import { AUTO_EARLY_STOPPING_ROWS, resolveParams, type GbmParams, type ResolvedParams } from './params.js';
import { Rng, sampleSorted } from './rng.js';
import { predictBinnedRow, predictRow, type Tree } from './tree.js';
import { allocSharedArrays, OP_BIN_FIT, OP_BIN_MAP, WorkerPool, type SharedArrays } from './worker-pool.js';

/** Rows the bin edges are fitted on, at most (scikit-learn's subsample). */
const BINNING_SAMPLE = 200_000;
/** Below this many training cells (rows x features) starting worker threads costs more than it saves. */
const MIN_PARALLEL_CELLS = 1 << 21;
/**
 * Nodes this small keep no histogram. Writing one out and reading it back for the subtraction cost
 * about 2-3 us per feature once it had left the cache (profile of the 5000 x 4096 benchmark), about
 * what a build from 700-1000 rows takes. An estimate: on the loaded machine its effect alone was
 * within the noise (docs/performance.md, section 3).
 */
const MIN_HISTOGRAM_ROWS = 1024;

/** Knobs for tests and benchmarks; the defaults suit normal use. */
export interface GbmTuning {
  /** Memory for histograms (default 1 GiB); leaves beyond it lose theirs and are rebuilt if split. */
  histogramBudgetBytes?: number;
  /** Smallest training matrix (rows x features) for which threads are used. */
  minParallelCells?: number;
  /** Smallest (rows x features) of one tree-growth step that is shared with the worker threads. */
  minParallelWork?: number;
  /** Fewest rows of a node whose histogram is kept for the subtraction trick (smaller ones rebuild from rows). */
  minHistogramRows?: number;
}

export interface FitOptions {
  /** Held-out data for early stopping and for the validation loss reported to onIteration. */
  valid?: { x: Dataset; y: Uint8Array };
  /** Called after every round with the mean losses; returning 'stop' ends training after that round. */
  onIteration?: (it: number, trainLoss: number, validLoss?: number) => void | 'stop';
}

/**
 * Histogram-based gradient-boosted trees for binary classification, after scikit-learn's
 * HistGradientBoostingClassifier: quantile-binned features, leaf-wise trees with the subtraction trick,
 * logistic loss, early stopping on held-out loss.
 */
export class GbmClassifier {
  private readonly params: ResolvedParams;
  private readonly tuning: GbmTuning;
  private trees: Tree[] = [];
  private baseline = 0;
  private nFeatures = 0;

  constructor(params: GbmParams = {}, tuning: GbmTuning = {}) {
    this.params = resolveParams(params);
    this.tuning = tuning;
  }

  /** Boosting rounds of the fitted model (fewer than maxIter when training stopped early). */
  get nIter(): number {
    return this.trees.length;
  }

  async fit(data: Dataset, y: Uint8Array, opts: FitOptions = {}): Promise<this> {
    checkDataset(data, 'training data');
    checkLabels(y, data.nRows, 'training');
    const p = this.params;
    const nCols = data.nCols;
    const valid = opts.valid;
    if (valid) {
      checkDataset(valid.x, 'validation data', nCols);
      if (!(valid.y instanceof Uint8Array) || valid.y.length !== valid.x.nRows) {
        throw new SonoError('BAD_INPUT', `validation labels must be a Uint8Array of ${valid.x.nRows} values`);
      }
      if (valid.x.nRows === 0) throw new SonoError('BAD_INPUT', 'validation data has no rows');
    }
    const earlyStopping = p.earlyStopping === 'auto' ? valid !== undefined || data.nRows > AUTO_EARLY_STOPPING_ROWS : p.earlyStopping;
    const rng = new Rng(p.seed);

    // Rows held out for early stopping come from the training data unless a validation set is given.
    let trainRows: Int32Array | null = null;
    let heldOut: Int32Array | null = null;
    if (earlyStopping && !valid && p.validationFraction > 0) {
      const split = stratifiedSplit(y, p.validationFraction, rng);
      trainRows = split.train;
      heldOut = split.valid;
      checkLabels(pick(y, trainRows), trainRows.length, 'training (after holding out validation rows)');
    }
    const nTrain = trainRows ? trainRows.length : data.nRows;
    const yTrain = trainRows ? pick(y, trainRows) : y;

    // Work is shared by feature: with fewer than 8 features a thread, chunks get too small to pay.
    const threads = Math.min(p.threads, Math.max(1, Math.floor(nCols / 8)));
    const useThreads = threads > 1 && nTrain * nCols >= (this.tuning.minParallelCells ?? MIN_PARALLEL_CELLS);
    const slotBytes = histogramSlotBytes(nCols);
    const budget = this.tuning.histogramBudgetBytes ?? 2 ** 30;
    const slots = Math.max(3, Math.min(p.maxLeafNodes + 1, Math.floor(budget / slotBytes)));
    const nSample = Math.min(nTrain, BINNING_SAMPLE);
    const participants = useThreads ? threads : 1;
    const s = allocSharedArrays({ x: data.x, nCols, nTrain, hasTrainRows: trainRows !== null, nSample, slots, participants }, useThreads);
    if (trainRows) s.trainRows.set(trainRows);
    s.sampleRows.set(sampleSorted(trainRows ?? data.nRows, nSample, rng));

    const pool = useThreads ? await WorkerPool.start(threads - 1, s) : null;
    try {
      this.fitBins(s, pool, trainRows !== null, nTrain);
      let validBinned: Uint8Array | null = null;
      let yValid: Uint8Array | null = null;
      let nValid = 0;
      if (valid || heldOut) {
        nValid = valid ? valid.x.nRows : heldOut!.length;
        validBinned = new Uint8Array(nCols * nValid);
        mapBinsBlock(valid ? valid.x.x : data.x, nCols, valid ? null : heldOut, nValid, 0, nCols, s.edges, EDGE_STRIDE, s.nEdges, validBinned, new Uint8Array(nCols));
        yValid = valid ? valid.y : pick(y, heldOut!);
      }

      // Constant features can never split; leaving them out of every tree's list saves their scans.
      const usable: number[] = [];
      for (let f = 0; f < nCols; f++) if (s.nBins[f] > 1 || s.hasMissing[f] === 1) usable.push(f);
      const nPerTree = Math.max(1, Math.round(p.colsample * usable.length));
      const grower = new TreeGrower(s, nTrain, nCols, {
        maxLeafNodes: p.maxLeafNodes,
        maxDepth: p.maxDepth,
        minSamplesLeaf: p.minSamplesLeaf,
        minChildWeight: p.minChildWeight,
        l2: p.l2,
        learningRate: p.learningRate,
        histogramSlots: slots,
        minHistogramRows: this.tuning.minHistogramRows ?? MIN_HISTOGRAM_ROWS,
        minParallelWork: this.tuning.minParallelWork ?? 1 << 18,
      }, pool);

      this.nFeatures = nCols;
      this.baseline = baselineLogOdds(yTrain);
      this.trees = [];
      const raw = new Float64Array(nTrain).fill(this.baseline);
      const rawValid = new Float64Array(nValid).fill(this.baseline);
      const scoreOnValid = validBinned !== null;
      const scores: number[] = [];
      if (earlyStopping) scores.push(scoreOnValid ? logLoss(rawValid, yValid!) : logLoss(raw, yTrain));
      const active = new Int32Array(usable);

      for (let it = 0; it < p.maxIter; it++) {
        logisticGradients(raw, yTrain, s.gh);
        const nActive = usable.length === 0 ? 0 : chooseFeatures(active, nPerTree, rng, s.features);
        const grown = grower.grow(nActive);
        grower.addLeafValues(raw);
        this.trees.push(grown.tree);
        if (validBinned) addBinnedTree(grown, validBinned, nValid, rawValid);

        const trainLoss = opts.onIteration || (earlyStopping && !scoreOnValid) ? logLoss(raw, yTrain) : NaN;
        const validLoss = scoreOnValid ? logLoss(rawValid, yValid!) : undefined;
        let stop = false;
        if (opts.onIteration && opts.onIteration(it + 1, trainLoss, validLoss) === 'stop') stop = true;
        if (earlyStopping) {
          scores.push(scoreOnValid ? validLoss! : trainLoss);
          if (shouldStop(scores, p.nIterNoChange, p.tol)) stop = true;
        }
        if (stop) break;
        // Let timers, progress messages and cancellation run between rounds.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      await pool?.close();
    }
    return this;
  }

  /** P(class 1) for every row. */
  predictProba(data: Dataset): Float64Array {
    const raw = this.decisionFunction(data);
    for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]);
    return raw;
  }

  /** Class 1 where its probability is above one half. */
  predict(data: Dataset): Uint8Array {
    const raw = this.decisionFunction(data);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] > 0 ? 1 : 0;
    return out;
  }

  /** Raw scores (log-odds). */
  decisionFunction(data: Dataset): Float64Array {
    if (this.nFeatures === 0) throw new SonoError('BAD_INPUT', 'the GBM model is not fitted');
    checkDataset(data, 'prediction data', this.nFeatures);
    const out = new Float64Array(data.nRows);
    for (let r = 0; r < data.nRows; r++) {
      let sum = this.baseline;
      for (const t of this.trees) sum += predictRow(t, data.x, data.nCols, r);
      out[r] = sum;
    }
    return out;
  }

  /**
   * Per-feature importance: 'gain' sums the split gains G_L^2/(H_L+l2) + G_R^2/(H_R+l2) - G^2/(H+l2)
   * of the feature's splits, 'split' counts them.
   */
  featureImportance(kind: 'gain' | 'split' = 'gain'): Float64Array {
    if (kind !== 'gain' && kind !== 'split') throw new SonoError('BAD_INPUT', `feature importance kind must be 'gain' or 'split' (got ${String(kind)})`);
    const out = new Float64Array(this.nFeatures);
    for (const t of this.trees) {
      for (let n = 0; n < t.nNodes; n++) {
        const f = t.feature[n];
        if (f >= 0) out[f] += kind === 'gain' ? t.gain[n] : 1;
      }
    }
    return out;
  }

  toJSON(): GbmModelJson {
    if (this.nFeatures === 0) throw new SonoError('BAD_INPUT', 'the GBM model is not fitted');
    return modelToJson({ nFeatures: this.nFeatures, baseline: this.baseline, params: this.params, trees: this.trees });
  }

  /** `source` names the file the JSON came from in every error message. */
  static fromJSON(json: unknown, source?: string): GbmClassifier {
    const m = parseModelJson(json, source);
    const { threads: _threads, ...params } = m.params;
    const c = new GbmClassifier({ ...params, maxDepth: params.maxDepth ?? undefined });
    c.trees = m.trees;
    c.baseline = m.baseline;
    c.nFeatures = m.nFeatures;
    return c;
  }

  private fitBins(s: SharedArrays, pool: WorkerPool | null, useRows: boolean, nTrain: number): void {
    const p = this.params;
    const nCols = s.nCols;
    const blockWidth = 8;
    let scratch = new Float64Array(0);
    const fitLocal = (from: number, to: number): void => {
      for (let f0 = from; f0 < to; f0 += blockWidth) {
        const f1 = Math.min(to, f0 + blockWidth);
        const need = (f1 - f0) * s.sampleRows.length;
        if (scratch.length < need) scratch = new Float64Array(need);
        fitBinEdgesBlock(s.x, nCols, s.sampleRows, f0, f1, p.maxBins, scratch, s.edges, EDGE_STRIDE, s.nEdges);
      }
    };
    const rows = useRows ? s.trainRows : null;
    const mapLocal = (from: number, to: number): void => {
      mapBinsBlock(s.x, nCols, rows, nTrain, from, to, s.edges, EDGE_STRIDE, s.nEdges, s.binned, s.hasMissing);
    };
    if (pool) {
      pool.run(OP_BIN_FIT, nCols, blockWidth, fitLocal, { maxBins: p.maxBins, useRows, nOut: nTrain });
      pool.run(OP_BIN_MAP, nCols, 16, mapLocal, { maxBins: p.maxBins, useRows, nOut: nTrain });
    } else {
      fitLocal(0, nCols);
      for (let f0 = 0; f0 < nCols; f0 += 16) mapLocal(f0, Math.min(nCols, f0 + 16));
    }
    for (let f = 0; f < nCols; f++) s.nBins[f] = s.nEdges[f] + 1;
  }
}

function pick(y: Uint8Array, rows: Int32Array): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}

/** Draws `k` of the usable features for one tree into `out`, ascending; returns k. */
function chooseFeatures(usable: Int32Array, k: number, rng: Rng, out: Int32Array): number {
  if (k >= usable.length) {
    out.set(usable);
    return usable.length;
  }
  const chosen = sampleSorted(usable, k, rng);
  out.set(chosen);
  return k;
}

function addBinnedTree(g: GrownTree, binned: Uint8Array, nRows: number, raw: Float64Array): void {
  for (let i = 0; i < nRows; i++) raw[i] += predictBinnedRow(g.tree, g.binThreshold, binned, nRows, i);
}

/**
 * scikit-learn's rule: stop when none of the last `n` losses beat the loss `n` rounds before them by
 * more than `tol`. `losses` starts with the loss of the baseline alone.
 */
export function shouldStop(losses: number[], n: number, tol: number): boolean {
  if (losses.length <= n) return false;
  const reference = losses[losses.length - n - 1];
  for (let i = losses.length - n; i < losses.length; i++) if (losses[i] < reference - tol) return false;
  return true;
}
