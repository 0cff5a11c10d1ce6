import * as workerThreads from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import { EDGE_STRIDE, featureBinEdges, fitBinEdgesBlock, mapBinsBlock } from './binning.js';
import { buildHistogramAll, buildHistogramIndexed, clearFeatureHistogram, FEATURE_STRIDE, subtractHistogram } from './histogram.js';
import { runNodeTaskChunk, SCRATCH_STRIDE, TF_SIZE, TI_SIZE, type NodeKernels, type NodeTaskState } from './node-task.js';
import { findBestSplit, SPLIT_RECORD } from './split.js';

/**
 * Worker threads that share the per-feature work of a fit (binning and histograms) through
 * SharedArrayBuffers. Work is published in a control array and split into chunks of features that
 * every participant, the main thread included, claims with compare-and-swap until none are left, so a
 * worker the OS does not schedule in time costs nothing: the others take its share.
 *
 * Workers get their code as source text built from the kernels' own function text. That keeps the
 * kernels in TypeScript modules while working the same from compiled JavaScript and under the test
 * runner, which executes TypeScript sources that a worker could not load by file name.
 */

/** Control words. */
const C_GEN = 0;
const C_OP = 1;
/** (generation << 16) | next chunk; 0xffff in the low half means "closed". */
const C_NEXT = 2;
const C_DONE = 3;
const C_NCHUNKS = 4;
const C_CHUNK = 5;
const C_NITEMS = 6;
const C_ERROR = 7;
/** Binning parameters. */
const C_NCOLS = 8;
const C_MAXBINS = 9;
const C_USE_ROWS = 10;
const C_NOUT = 11;
const C_SIZE = 16;

export const OP_NODE = 1;
export const OP_BIN_FIT = 2;
export const OP_BIN_MAP = 3;
const OP_EXIT = 9;

const MAX_CHUNKS = 0xfffe;

/** Every shared array of one fit; all are SharedArrayBuffer-backed when a pool is used. */
export interface SharedArrays extends NodeTaskState {
  /** Row-major input features. */
  x: Float32Array;
  nCols: number;
  /** Rows the bin edges are fitted on. */
  sampleRows: Int32Array;
  /** Training rows of x, in the order of the binned columns. */
  trainRows: Int32Array;
  edges: Float64Array;
  nEdges: Int32Array;
  hasMissing: Uint8Array;
  /** Best-split records: 16 doubles per participant. */
  results: Float64Array;
}

export interface WorkerKernels extends NodeKernels {
  runNodeTaskChunk: typeof runNodeTaskChunk;
  fitBinEdgesBlock: typeof fitBinEdgesBlock;
  mapBinsBlock: typeof mapBinsBlock;
}

type ArrayKey = Exclude<keyof SharedArrays, 'nCols'>;
const ARRAY_KEYS: ArrayKey[] = [
  'ti', 'tf', 'features', 'nBins', 'binned', 'gh', 'idx', 'ord', 'hist',
  'x', 'sampleRows', 'trainRows', 'edges', 'nEdges', 'hasMissing', 'results',
];

export interface FitShape {
  /** Row-major input features. */
  x: Float32Array;
  nCols: number;
  nTrain: number;
  /** Whether the training rows are a subset of x's rows (listed in trainRows). */
  hasTrainRows: boolean;
  /** Rows the bin edges are fitted on. */
  nSample: number;
  /** Histogram slots. */
  slots: number;
  /** Threads taking part, the main one included. */
  participants: number;
}

/** Allocates the arrays of one fit, on shared memory (x copied there if need be) when `shared`. */
export function allocSharedArrays(f: FitShape, shared: boolean): SharedArrays {
  let x = f.x;
  if (shared && !(x.buffer instanceof SharedArrayBuffer && x.byteOffset === 0 && x.length * 4 === x.buffer.byteLength)) {
    x = allocArray(Float32Array, f.x.length, true);
    x.set(f.x);
  }
  const n = f.nTrain;
  return {
    x,
    nCols: f.nCols,
    sampleRows: allocArray(Int32Array, f.nSample, shared),
    trainRows: allocArray(Int32Array, f.hasTrainRows ? n : 0, shared),
    edges: allocArray(Float64Array, f.nCols * EDGE_STRIDE, shared),
    nEdges: allocArray(Int32Array, f.nCols, shared),
    hasMissing: allocArray(Uint8Array, f.nCols, shared),
    ti: allocArray(Int32Array, TI_SIZE, shared),
    tf: allocArray(Float64Array, TF_SIZE, shared),
    features: allocArray(Int32Array, f.nCols, shared),
    nBins: allocArray(Int32Array, f.nCols, shared),
    binned: allocArray(Uint8Array, f.nCols * n, shared),
    gh: allocArray(Float32Array, 2 * n, shared),
    idx: allocArray(Int32Array, n, shared),
    ord: allocArray(Float32Array, 2 * n, shared),
    hist: allocArray(Float64Array, f.slots * f.nCols * FEATURE_STRIDE + f.participants * SCRATCH_STRIDE, shared),
    results: allocArray(Float64Array, f.participants * 2 * SPLIT_RECORD, shared),
  };
}

/**
 * The worker's whole program. Runs in the worker with the kernels passed in; must not refer to
 * anything of this module (it is shipped as text).
 */
export function workerMain(wt: typeof workerThreads, k: WorkerKernels): void {
  const d = wt.workerData as { pid: number; ctrl: SharedArrayBuffer; arrays: Record<string, { buffer: SharedArrayBuffer; type: string; length: number }> };
  const ctrl = new Int32Array(d.ctrl);
  const views: Record<string, unknown> = {};
  for (const name of Object.keys(d.arrays)) {
    const a = d.arrays[name];
    views[name] = a.type === 'Float64Array' ? new Float64Array(a.buffer, 0, a.length)
      : a.type === 'Float32Array' ? new Float32Array(a.buffer, 0, a.length)
        : a.type === 'Int32Array' ? new Int32Array(a.buffer, 0, a.length) : new Uint8Array(a.buffer, 0, a.length);
  }
  const s = views as unknown as SharedArrays;
  const pid = d.pid;
  let scratch = new Float64Array(0);
  // Generations count from 0 and the first job is 1. Starting from 0 rather than from the current
  // value matters: the pool may publish its first job (the bin fitting) before this worker gets here,
  // and a worker that took that job's generation as already seen slept through it.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, 0, seen);
    const gen = Atomics.load(ctrl, 0);
    seen = gen;
    if (Atomics.load(ctrl, 1) === 9) return;
    for (;;) {
      const w = Atomics.load(ctrl, 2);
      if (w >>> 16 !== (gen & 0x7fff)) break;
      const c = w & 0xffff;
      if (c >= Atomics.load(ctrl, 4)) break;
      if (Atomics.compareExchange(ctrl, 2, w, w + 1) !== w) continue;
      // The claimed chunk keeps this generation open, so the parameters read below are its own.
      // Literal numbers below stand for this module's constants (C_*, OP_*, EDGE_STRIDE = 256,
      // 16 result doubles per participant), which shipped code cannot read.
      const op = Atomics.load(ctrl, 1);
      const chunk = Atomics.load(ctrl, 5);
      const from = c * chunk;
      const to = Math.min(from + chunk, Atomics.load(ctrl, 6));
      try {
        if (op === 1) {
          k.runNodeTaskChunk(k, s, from, to, s.results, pid * 16);
        } else if (op === 2) {
          const need = (to - from) * s.sampleRows.length;
          if (scratch.length < need) scratch = new Float64Array(need);
          k.fitBinEdgesBlock(s.x, ctrl[8], s.sampleRows, from, to, ctrl[9], scratch, s.edges, 256, s.nEdges);
        } else if (op === 3) {
          k.mapBinsBlock(s.x, ctrl[8], ctrl[10] === 1 ? s.trainRows : null, ctrl[11], from, to, s.edges, 256, s.nEdges, s.binned, s.hasMissing);
        }
      } catch (e) {
        Atomics.store(ctrl, 7, 1);
        wt.parentPort?.postMessage({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
      if (Atomics.add(ctrl, 3, 1) + 1 === Atomics.load(ctrl, 4)) Atomics.notify(ctrl, 3);
    }
  }
}

function workerSource(): string {
  const fns = [
    clearFeatureHistogram, buildHistogramAll, buildHistogramIndexed, subtractHistogram, findBestSplit,
    runNodeTaskChunk, featureBinEdges, fitBinEdgesBlock, mapBinsBlock, workerMain,
  ];
  return `'use strict';\n${fns.map((f) => f.toString()).join('\n')}\n` +
    `workerMain(require('node:worker_threads'), { buildHistogramAll, buildHistogramIndexed, subtractHistogram, findBestSplit, runNodeTaskChunk, fitBinEdgesBlock, mapBinsBlock });\n`;
}

/** Allocates a typed array, on shared memory when workers will read it. */
export function allocArray<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(
  Ctor: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
  length: number, shared: boolean,
): T {
  const bytes = Math.max(1, length) * Ctor.BYTES_PER_ELEMENT;
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return new Ctor(buffer, 0, length);
}

export class WorkerPool {
  private readonly ctrl: Int32Array;
  private gen = 0;
  private readonly errors: string[] = [];
  private closed = false;

  private constructor(private readonly workers: Worker[], ctrl: Int32Array, private readonly arrays: SharedArrays) {
    this.ctrl = ctrl;
    for (const w of workers) {
      w.on('message', (m: { error?: string }) => {
        if (m.error) this.errors.push(m.error);
      });
      w.on('error', (e) => this.errors.push(e.stack ?? e.message));
    }
  }

  /** Participants in a job: the workers plus the main thread. */
  get participants(): number {
    return this.workers.length + 1;
  }

  /** Starts `nWorkers` workers over `arrays`, which must all be SharedArrayBuffer-backed. */
  static async start(nWorkers: number, arrays: SharedArrays): Promise<WorkerPool> {
    const ctrl = allocArray(Int32Array, C_SIZE, true);
    ctrl[C_NEXT] = 0xffff;
    const transfer: Record<string, { buffer: ArrayBufferLike; type: string; length: number }> = {};
    for (const key of ARRAY_KEYS) {
      const a = arrays[key];
      if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error(`worker pool: ${key} is not on shared memory`);
      if (a.byteOffset !== 0) throw new Error(`worker pool: ${key} must start at its buffer's beginning`);
      transfer[key] = { buffer: a.buffer, type: a.constructor.name, length: a.length };
    }
    const source = workerSource();
    const workers: Worker[] = [];
    for (let i = 0; i < nWorkers; i++) {
      workers.push(new Worker(source, { eval: true, workerData: { pid: i + 1, ctrl: ctrl.buffer, arrays: transfer } }));
    }
    // Wait until every worker runs: a worker still starting would only miss jobs, but its start-up
    // then competes with the main thread for the cores during the first ones.
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('online', () => resolve());
      w.once('error', reject);
    })));
    return new WorkerPool(workers, ctrl, arrays);
  }

  /**
   * Runs one job over `nItems` items (features or active-list positions) in chunks of `chunk`,
   * with the main thread taking part through `local`. Blocks until every chunk is done.
   */
  run(op: number, nItems: number, chunk: number, local: (from: number, to: number) => void, binning?: { maxBins: number; useRows: boolean; nOut: number }): void {
    if (this.closed) throw new Error('worker pool is closed');
    const ctrl = this.ctrl;
    chunk = Math.max(chunk, Math.ceil(nItems / MAX_CHUNKS));
    const nChunks = Math.ceil(nItems / chunk);
    this.gen = (this.gen + 1) & 0x7fff;
    ctrl[C_OP] = op;
    ctrl[C_CHUNK] = chunk;
    ctrl[C_NITEMS] = nItems;
    ctrl[C_NCHUNKS] = nChunks;
    ctrl[C_NCOLS] = this.arrays.nCols;
    if (binning) {
      ctrl[C_MAXBINS] = binning.maxBins;
      ctrl[C_USE_ROWS] = binning.useRows ? 1 : 0;
      ctrl[C_NOUT] = binning.nOut;
    }
    Atomics.store(ctrl, C_DONE, 0);
    Atomics.store(ctrl, C_NEXT, this.gen << 16);
    Atomics.store(ctrl, C_GEN, this.gen);
    Atomics.notify(ctrl, C_GEN);
    for (;;) {
      const w = Atomics.load(ctrl, C_NEXT);
      const c = w & 0xffff;
      if (c >= nChunks) break;
      if (Atomics.compareExchange(ctrl, C_NEXT, w, w + 1) !== w) continue;
      const from = c * chunk;
      local(from, Math.min(from + chunk, nItems));
      Atomics.add(ctrl, C_DONE, 1);
    }
    let waited = 0;
    for (;;) {
      const done = Atomics.load(ctrl, C_DONE);
      if (done >= nChunks) break;
      if (Atomics.wait(ctrl, C_DONE, done, 1000) === 'timed-out') {
        waited++;
        // A chunk takes milliseconds; a minute without progress means a worker died inside one.
        if (waited >= 60) throw new Error('GBM worker thread stopped responding');
      } else {
        waited = 0;
      }
    }
    Atomics.store(ctrl, C_NEXT, (this.gen << 16) | 0xffff);
    if (Atomics.load(ctrl, C_ERROR) !== 0) {
      throw new Error(`GBM worker thread failed: ${this.errors[0] ?? 'unknown error'}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gen = (this.gen + 1) & 0x7fff;
    Atomics.store(this.ctrl, C_OP, OP_EXIT);
    Atomics.store(this.ctrl, C_GEN, this.gen);
    Atomics.notify(this.ctrl, C_GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
