/**
 * Adam and SGD with momentum over an explicit variable list, with the learning rate passed per step.
 * tfjs's own Adam fixes its rate at construction, and a per-epoch schedule would otherwise mean a new
 * optimizer (and lost moment estimates) every epoch. Their state (moments, step count) is plain data
 * for checkpoints, so a resumed run continues with the moments an uninterrupted one would have.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SonoError } from '../errors.js';

export type OptimizerKind = 'adam' | 'sgd';

/** An optimizer's state as plain data (it crosses the worker boundary and is stored with checkpoints). */
export interface OptimizerState {
  kind: OptimizerKind;
  /** Updates applied so far (Adam's bias correction depends on it). */
  step: number;
  /** Shapes of the variables, in order. */
  shapes: number[][];
  /** Float32 slot values: for each slot (Adam: m, then v; SGD: the momentum buffer), every variable in order. */
  slots: ArrayBuffer;
}

export interface StepOptimizer {
  /** Applies one update with `lr`; `grads` is keyed by variable name (as tf.variableGrads returns). */
  apply(grads: tf.NamedTensorMap, lr: number): void;
  state(): Promise<OptimizerState>;
  /** Continues from a saved state of the same kind over variables of the same shapes. */
  restore(s: OptimizerState): void;
  dispose(): void;
}

export function createOptimizer(kind: OptimizerKind, vars: readonly tf.Variable[], momentum = 0.9): StepOptimizer {
  return kind === 'adam' ? new Adam(vars) : new Momentum(vars, momentum);
}

async function slotState(kind: OptimizerKind, step: number, vars: readonly tf.Variable[], slots: ReadonlyArray<readonly tf.Variable[]>): Promise<OptimizerState> {
  const per = vars.reduce((a, v) => a + v.size, 0);
  const out = new Float32Array(per * slots.length);
  let off = 0;
  for (const slot of slots) {
    for (const s of slot) {
      out.set((await s.data()) as Float32Array, off);
      off += s.size;
    }
  }
  return { kind, step, shapes: vars.map((v) => v.shape.slice()), slots: out.buffer };
}

function restoreSlots(kind: OptimizerKind, s: OptimizerState, vars: readonly tf.Variable[], slots: ReadonlyArray<readonly tf.Variable[]>): void {
  const bad = (why: string) => new SonoError('CORRUPT', `saved optimizer state does not fit this run: ${why}`);
  if (s.kind !== kind) throw bad(`it is ${s.kind}'s, the run uses ${kind}`);
  if (!Number.isInteger(s.step) || s.step < 0) throw bad(`step count ${s.step}`);
  const fits = s.shapes.length === vars.length && vars.every((v, i) => s.shapes[i].length === v.shape.length && v.shape.every((d, j) => d === s.shapes[i][j]));
  if (!fits) throw bad(`${s.shapes.length} variables of other shapes than the run's ${vars.length}`);
  const per = vars.reduce((a, v) => a + v.size, 0);
  if (s.slots.byteLength !== per * slots.length * 4) throw bad(`${s.slots.byteLength} bytes of moments, ${per * slots.length * 4} expected`);
  const all = new Float32Array(s.slots);
  let off = 0;
  for (const slot of slots) {
    slot.forEach((x, i) => {
      const t = tf.tensor(all.slice(off, off + vars[i].size), vars[i].shape);
      x.assign(t);
      t.dispose();
      off += vars[i].size;
    });
  }
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

  state(): Promise<OptimizerState> {
    return slotState('adam', this.t, this.vars, [this.m, this.v]);
  }

  restore(s: OptimizerState): void {
    restoreSlots('adam', s, this.vars, [this.m, this.v]);
    this.t = s.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

class Momentum implements StepOptimizer {
  private readonly buf: tf.Variable[];
  private t = 0;

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly momentum: number,
  ) {
    this.buf = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  apply(grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
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

  state(): Promise<OptimizerState> {
    return slotState('sgd', this.t, this.vars, [this.buf]);
  }

  restore(s: OptimizerState): void {
    restoreSlots('sgd', s, this.vars, [this.buf]);
    this.t = s.step;
  }

  dispose(): void {
    tf.dispose(this.buf);
  }
}
