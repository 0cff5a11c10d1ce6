/**
 * One optimisation step of fine-tuning, shared by the training loop and the benchmark (which times this
 * very step): the loss of a batch of crops with batch norm in inference mode, the gradients of the
 * trainable variables, and the optimizer update. With a gradient pool the batch is split into contiguous
 * shards, the pool's workers compute theirs while this thread computes the first, and the mean gradient
 * is the shard means weighted by shard size, which is the whole-batch mean up to summation order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GradientPool } from './grad-pool.js';
import type { StepOptimizer } from './optimizer.js';

/** Mean sigmoid cross-entropy of `x` against `y` and its gradients (batch norm in inference mode). */
export function batchLossAndGrads(classifier: tfl.LayersModel, vars: readonly tf.Variable[], x: tf.Tensor4D, y: tf.Tensor2D): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  return tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(y, classifier.apply(x, { training: false }) as tf.Tensor) as tf.Scalar, vars as tf.Variable[]);
}

/** Contiguous shards of `count` items over at most `parts` workers, sizes differing by at most one. */
export function shardRanges(count: number, parts: number): Array<{ start: number; count: number }> {
  const n = Math.max(1, Math.min(parts, count));
  const base = Math.floor(count / n);
  const extra = count % n;
  const out: Array<{ start: number; count: number }> = [];
  let start = 0;
  for (let k = 0; k < n; k++) {
    const c = base + (k < extra ? 1 : 0);
    out.push({ start, count: c });
    start += c;
  }
  return out;
}

export interface StepBatch {
  /** NHWC crops, `count` x cropSize x cropSize x 3. */
  x: Float32Array;
  /** 0/1 labels, one per crop. */
  y: Float32Array;
  count: number;
}

export class TrainStep {
  constructor(
    private readonly classifier: tfl.LayersModel,
    private readonly vars: readonly tf.Variable[],
    private readonly optimizer: StepOptimizer,
    private readonly cropSize: number,
    private readonly pool: GradientPool | null = null,
  ) {}

  /** Threads computing gradients: this one plus the pool's workers. */
  get threads(): number {
    return 1 + (this.pool?.size ?? 0);
  }

  /**
   * Runs one step at learning rate `lr` and returns the batch's mean loss. A non-finite loss leaves the
   * weights untouched (so no checkpoint ever holds NaN); the caller decides what to say.
   */
  async run(batch: StepBatch, lr: number): Promise<number> {
    const px = this.cropSize * this.cropSize * 3;
    const shards = shardRanges(batch.count, this.threads);
    // Workers first, so they compute while this thread does its own shard.
    const remote = shards.slice(1).map((s, k) =>
      this.pool!.grads(k, batch.x.slice(s.start * px, (s.start + s.count) * px), batch.y.slice(s.start, s.start + s.count), s.count),
    );
    const own = shards[0];
    const x = tf.tensor4d(batch.x.subarray(0, own.count * px), [own.count, this.cropSize, this.cropSize, 3]);
    const y = tf.tensor2d(batch.y.subarray(0, own.count), [own.count, 1]);
    const { value, grads } = batchLossAndGrads(this.classifier, this.vars, x, y);
    const toDispose: tf.Tensor[] = [x, y, value, ...Object.values(grads)];
    try {
      let loss = (await value.data())[0];
      if (shards.length === 1) {
        if (!Number.isFinite(loss)) return loss;
        this.optimizer.apply(grads, lr);
        // A one-patch batch trains on this thread alone, but the workers' replicas must still follow.
        await this.pool?.publish(this.vars);
        return loss;
      }
      const replies = await Promise.all(remote);
      const w0 = own.count / batch.count;
      loss *= w0;
      replies.forEach((r, k) => (loss += r.loss * (shards[k + 1].count / batch.count)));
      if (!Number.isFinite(loss)) return loss;
      const mean: tf.NamedTensorMap = {};
      this.vars.forEach((v, i) => {
        if (!grads[v.name]) return;
        // slice(): the CPU backend would keep a view of the worker's buffer, which the next step overwrites.
        mean[v.name] = tf.tidy(() => {
          let g = tf.mul(grads[v.name], w0);
          replies.forEach((r, k) => (g = tf.add(g, tf.mul(tf.tensor(r.grads[i].slice(), v.shape), shards[k + 1].count / batch.count))));
          return g;
        });
        toDispose.push(mean[v.name]);
      });
      this.optimizer.apply(mean, lr);
      await this.pool!.publish(this.vars);
      return loss;
    } finally {
      tf.dispose(toDispose);
    }
  }
}
