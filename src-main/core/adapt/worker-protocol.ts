/** Messages between the fine-tuning client and its worker thread (structured-clone plain data only). */
import type { ErrorCode } from '../errors.js';
import type { TrainingBackend } from '../ml/backend.js';
import type { PlainModel } from './artifacts.js';
import type { OptimizerState } from './optimizer.js';
import type { FinetuneProgress } from './progress.js';
import type { TrainRequest, TrainResult, TrainState } from './train.js';

export type FinetuneWorkerRequest = TrainRequest;

export type FinetuneWorkerMessage =
  | { type: 'start'; backend: TrainingBackend; trainPatches: number; validationPatches: number; batchesPerEpoch: number }
  | { type: 'progress'; progress: FinetuneProgress }
  | { type: 'checkpoint'; classifier: PlainModel; optimizer: OptimizerState; state: TrainState; best: boolean }
  | { type: 'result'; result: TrainResult }
  | { type: 'error'; code: ErrorCode | null; message: string; subject?: string };

export type FinetuneClientMessage = { type: 'cancel' };
