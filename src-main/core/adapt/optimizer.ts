/**
 * Adam and SGD with momentum over an explicit variable list, with the learning rate passed per step.
 * tfjs's own Adam fixes its rate at construction, and a per-epoch schedule would otherwise mean a new
 * optimizer (and lost moment estimates) every epoch.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface StepOptimizer {
  /** Applies one update with `lr`; `grads` is keyed by variable name (as tf.variableGrads returns). */
  apply(grads: tf.NamedTensorMap, lr: number): void;
  dispose(): void;
}

export function createOptimizer(kind: 'adam' | 'sgd', vars: readonly tf.Variable[], momentum = 0.9): StepOptimizer {
  return kind === 'adam' ? new Adam(vars) : new Momentum(vars, momentum);
}

class Adam implements StepOptimizer {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  apply(grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[x.name];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const step = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        x.assign(tf.sub(x, step));
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

class Momentum implements StepOptimizer {
  private readonly buf: tf.Variable[];

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly momentum: number,
  ) {
    this.buf = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  apply(grads: tf.NamedTensorMap, lr: number): void {
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[x.name];
        if (!g) return;
        const b = tf.add(tf.mul(this.buf[i], this.momentum), g);
        this.buf[i].assign(b);
        x.assign(tf.sub(x, tf.mul(b, lr)));
      });
    });
  }

  dispose(): void {
    tf.dispose(this.buf);
  }
}
