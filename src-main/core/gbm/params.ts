import { availableParallelism } from 'node:os';
import { SonoError } from '../errors.js';

export interface GbmParams {
  /** Boosting rounds (trees). Default 100. */
  maxIter?: number;
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate?: number;
  /** Leaves per tree; trees grow best-first until they have this many. Default 31. */
  maxLeafNodes?: number;
  /** Edges from the root to the deepest leaf; unlimited when omitted. */
  maxDepth?: number;
  /** Fewest training samples a leaf may hold. Default 20. */
  minSamplesLeaf?: number;
  /** Smallest hessian sum a leaf may hold. Default 1e-3. */
  minChildWeight?: number;
  /** L2 regularisation on leaf values (lambda in G^2/(H+lambda)). Default 0. */
  l2?: number;
  /** Quantile bins per feature, 2..255 (a further bin holds missing values). Default 255. */
  maxBins?: number;
  /** Fraction of features each tree may split on. Default 1. */
  colsample?: number;
  /** 'auto' (default) stops early when a validation set is given or there are more than 10000 rows. */
  earlyStopping?: boolean | 'auto';
  /** Stratified share of the training rows held out for early stopping when no validation set is given; 0 scores the training loss. Default 0.1. */
  validationFraction?: number;
  /** Rounds without an improvement larger than `tol` before stopping. Default 10. */
  nIterNoChange?: number;
  /** Smallest loss decrease that counts as an improvement. Default 1e-7. */
  tol?: number;
  /** Seed of every random choice; equal seeds give identical models. Default 0. */
  seed?: number;
  /** Threads for binning and histograms (1 = no workers). Default os.availableParallelism(). */
  threads?: number;
}

export type ResolvedParams = Required<Omit<GbmParams, 'maxDepth'>> & { maxDepth: number | null };

/** Above this many rows 'auto' turns early stopping on, as in scikit-learn. */
export const AUTO_EARLY_STOPPING_ROWS = 10_000;

export function resolveParams(p: GbmParams = {}): ResolvedParams {
  if (p === null || typeof p !== 'object') throw bad('GBM parameters must be an object');
  const r: ResolvedParams = {
    maxIter: int(p.maxIter, 'maxIter', 100, 1),
    learningRate: num(p.learningRate, 'learningRate', 0.1, 0, false),
    maxLeafNodes: int(p.maxLeafNodes, 'maxLeafNodes', 31, 2),
    maxDepth: p.maxDepth === undefined ? null : int(p.maxDepth, 'maxDepth', 0, 1),
    minSamplesLeaf: int(p.minSamplesLeaf, 'minSamplesLeaf', 20, 1),
    minChildWeight: num(p.minChildWeight, 'minChildWeight', 1e-3, 0, true),
    l2: num(p.l2, 'l2', 0, 0, true),
    maxBins: int(p.maxBins, 'maxBins', 255, 2),
    colsample: num(p.colsample, 'colsample', 1, 0, false),
    earlyStopping: p.earlyStopping ?? 'auto',
    validationFraction: num(p.validationFraction, 'validationFraction', 0.1, 0, true),
    nIterNoChange: int(p.nIterNoChange, 'nIterNoChange', 10, 1),
    tol: num(p.tol, 'tol', 1e-7, 0, true),
    seed: int(p.seed, 'seed', 0, 0),
    threads: int(p.threads, 'threads', Math.max(1, availableParallelism()), 1),
  };
  if (r.maxBins > 255) throw bad(`maxBins must be at most 255 (got ${r.maxBins})`);
  if (r.colsample > 1) throw bad(`colsample must be in (0, 1] (got ${r.colsample})`);
  if (r.validationFraction >= 1) throw bad(`validationFraction must be in [0, 1) (got ${r.validationFraction})`);
  if (r.earlyStopping !== true && r.earlyStopping !== false && r.earlyStopping !== 'auto') {
    throw bad(`earlyStopping must be true, false or 'auto' (got ${String(r.earlyStopping)})`);
  }
  return r;
}

function int(v: number | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(`${name} must be an integer >= ${min} (got ${String(v)})`);
  return v;
}

function num(v: number | undefined, name: string, dflt: number, min: number, inclusive: boolean): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (inclusive ? v < min : v <= min)) {
    throw bad(`${name} must be a finite number ${inclusive ? '>=' : '>'} ${min} (got ${String(v)})`);
  }
  return v;
}

function bad(message: string): SonoError {
  return new SonoError('BAD_INPUT', message);
}
