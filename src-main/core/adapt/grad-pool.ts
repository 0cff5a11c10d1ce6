/**
 * The data-parallel side of fine-tuning. tfjs's WASM backend computes on one thread in Node, so the
 * pool holds `size` worker threads, each with its own tfjs instance and a replica of the classifier;
 * the training thread is the leader: it computes one shard itself, averages the workers' gradients in,
 * applies the optimizer (the only optimizer state there is), and publishes the new trainable weights,
 * which every worker loads before its next shard. All replicas therefore hold the leader's weights.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs-core';
import { SonoError } from '../errors.js';
import type { TrainingBackend } from '../ml/backend.js';
import { packageRoot } from '../util/package-root.js';
import type { BackboneEntry } from '../backbones/registry.js';
import type { PlainModel } from './artifacts.js';
import type { GradReply, GradRequest, GradWorkerData } from './grad-protocol.js';
import type { AdaptLevel } from './levels.js';

/** Most gradient threads a run may ask for. */
export const MAX_TRAIN_WORKERS = 64;

/**
 * Threads a run trains with when it does not say: one per core for the single-threaded backends (WASM,
 * CPU), one for native TensorFlow, which already uses every core for each op.
 */
export function defaultTrainWorkers(backend: TrainingBackend): number {
  return backend.threads > 1 || backend.backend.startsWith('tensorflow') ? 1 : availableParallelism();
}

export function checkTrainWorkers(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_TRAIN_WORKERS) throw new SonoError('BAD_INPUT', `fine-tuning workers must be a whole number from 1 to ${MAX_TRAIN_WORKERS} (got ${n})`);
  return n;
}

/**
 * The compiled worker script: beside this module when it runs from dist/, or the package's dist/ copy
 * when it runs from TypeScript sources (the test runner), since a worker thread cannot load `.ts`.
 * Null when neither exists (sources never built): training then stays on one thread.
 */
export function gradWorkerUrl(moduleUrl: string = import.meta.url): URL | null {
  const beside = moduleUrl.endsWith('.js') ? new URL('./grad-worker.js', moduleUrl) : null;
  if (beside && existsSync(fileURLToPath(beside))) return beside;
  const built = join(packageRoot(), 'dist', 'src-main', 'core', 'adapt', 'grad-worker.js');
  return existsSync(built) ? pathToFileURL(built) : null;
}

interface Pending {
  resolve: (r: { loss: number; grads: Float32Array[] }) => void;
  reject: (e: Error) => void;
}

export interface GradientPoolOptions {
  size: number;
  url: URL;
  model: PlainModel;
  backbone: BackboneEntry;
  level: Exclude<AdaptLevel, 'na'>;
  backend: TrainingBackend;
  cropSize: number;
  vars: readonly tf.Variable[];
}

export class GradientPool {
  private readonly pending: Array<Pending | null>;
  private readonly gradViews: Float32Array[][];
  private readonly weightView: Float32Array;
  private readonly offsets: number[];
  /** Per worker: the published weights changed since its last shard. */
  private readonly stale: boolean[];
  private failure: Error | null = null;

  private constructor(
    private readonly workers: Worker[],
    weights: SharedArrayBuffer,
    grads: SharedArrayBuffer[],
    sizes: number[],
  ) {
    this.offsets = [];
    let off = 0;
    for (const n of sizes) {
      this.offsets.push(off);
      off += n;
    }
    this.weightView = new Float32Array(weights);
    this.gradViews = grads.map((g) => sizes.map((n, i) => new Float32Array(g, this.offsets[i] * 4, n)));
    this.pending = grads.map(() => null);
    this.stale = grads.map(() => false);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts `size` workers and resolves once every one has loaded its replica. */
  static async start(o: GradientPoolOptions): Promise<GradientPool> {
    const shapes = o.vars.map((v) => v.shape.slice());
    const sizes = o.vars.map((v) => v.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = new SharedArrayBuffer(total * 4);
    const grads = Array.from({ length: o.size }, () => new SharedArrayBuffer(total * 4));
    const workers: Worker[] = [];
    const pool = new GradientPool(workers, weights, grads, sizes);
    const ready: Array<Promise<void>> = [];
    for (let k = 0; k < o.size; k++) {
      const data: GradWorkerData = { model: o.model, backbone: o.backbone, level: o.level, backend: o.backend.backend, cropSize: o.cropSize, shapes, weights, grads: grads[k] };
      const worker = new Worker(o.url, { workerData: data });
      workers.push(worker);
      ready.push(pool.watch(worker, k));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Wires a worker's messages; the returned promise settles with its 'ready' (or first failure). */
  private watch(worker: Worker, k: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const fail = (message: string) => {
        const e = new SonoError('INTERNAL', `fine-tuning gradient worker ${k + 1} ${message}`);
        this.failure ??= e;
        if (!started) reject(e);
        const p = this.pending[k];
        this.pending[k] = null;
        p?.reject(e);
      };
      worker.on('message', (m: GradReply) => {
        if (m.type === 'ready') {
          started = true;
          resolve();
        } else if (m.type === 'grads') {
          const p = this.pending[k];
          this.pending[k] = null;
          p?.resolve({ loss: m.loss, grads: this.gradViews[k] });
        } else fail(`failed: ${m.message}`);
      });
      worker.on('error', (e) => fail(`failed: ${e.message}`));
      worker.on('exit', (code) => fail(`stopped (exit code ${code})`));
    });
  }

  /**
   * Loss and mean gradients of worker `k`'s shard (its gradient views stay valid until its next shard).
   * The promise never counts as unhandled: a caller that gave up on the step (its own shard failed)
   * need not await it.
   */
  grads(k: number, x: Float32Array, y: Float32Array, count: number): Promise<{ loss: number; grads: Float32Array[] }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending[k]) return Promise.reject(new SonoError('INTERNAL', `fine-tuning gradient worker ${k + 1} is still computing a shard`));
    const p = new Promise<{ loss: number; grads: Float32Array[] }>((resolve, reject) => (this.pending[k] = { resolve, reject }));
    p.catch(() => undefined);
    const req: GradRequest = { type: 'grads', x, y, count, reload: this.stale[k] };
    this.workers[k].postMessage(req, [x.buffer as ArrayBuffer, y.buffer as ArrayBuffer]);
    this.stale[k] = false;
    return p;
  }

  /** Writes the leader's trainable weights for every worker to load before its next shard. */
  async publish(vars: readonly tf.Variable[]): Promise<void> {
    if (this.pending.some((p) => p !== null)) throw new SonoError('INTERNAL', 'fine-tuning weights published while a gradient worker is still computing');
    const values = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
    values.forEach((a, i) => this.weightView.set(a, this.offsets[i]));
    this.stale.fill(true);
  }

  async close(): Promise<void> {
    this.failure ??= new SonoError('INTERNAL', 'fine-tuning gradient pool closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
