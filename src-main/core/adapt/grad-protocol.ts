/**
 * Messages between a fine-tuning thread and the gradient workers of its data-parallel pool. Bulk data
 * never goes through structured clone twice: a worker's gradients land in its own SharedArrayBuffer and
 * the updated weights in one SharedArrayBuffer read by all; the messages only say when.
 */
import type { BackboneEntry } from '../backbones/registry.js';
import type { PlainModel } from './artifacts.js';
import type { AdaptLevel } from './levels.js';
import type { TrainingBackendName } from '../ml/backend.js';

export interface GradWorkerData {
  /** The classifier at the training crop size, weights as at the pool's start. */
  model: PlainModel;
  /** The entry itself, not its id: a worker's registry holds only the built-in backbones, not user ones. */
  backbone: BackboneEntry;
  level: Exclude<AdaptLevel, 'na'>;
  backend: TrainingBackendName;
  cropSize: number;
  /** Shapes of the trainable variables, in order: the worker checks its own against them. */
  shapes: number[][];
  /** Float32 values of all trainable variables, concatenated in order; written by the leader. */
  weights: SharedArrayBuffer;
  /** Float32 gradients of this worker's shard, same layout as `weights`; written by the worker. */
  grads: SharedArrayBuffer;
}

export type GradRequest =
  /** Loss and gradients of `count` patches (NHWC crops and 0/1 labels); `reload`: read `weights` first. */
  { type: 'grads'; x: Float32Array; y: Float32Array; count: number; reload: boolean };

export type GradReply =
  | { type: 'ready' }
  /** Mean loss over the shard; the mean gradients are in the worker's `grads` buffer. */
  | { type: 'grads'; loss: number }
  | { type: 'error'; message: string };
