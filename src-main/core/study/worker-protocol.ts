/** Messages between the study client and its worker thread (structured-clone plain data only). */
import type { BackboneEntry } from '../backbones/registry.js';
import type { ErrorCode } from '../errors.js';
import type { ComputeOptions, FinetunedNetwork, FoldCheckpoint, StudyComputation } from './compute.js';
import type { AvailableMethod, StudyConfig } from './config.js';
import type { StudyInputs } from './inputs.js';
import type { StudyProgress } from './progress.js';

export interface WorkerRequest {
  main: StudyInputs;
  test: StudyInputs | null;
  config: StudyConfig;
  methods: AvailableMethod[];
  modelsDir?: ComputeOptions['modelsDir'];
  /**
   * Registry entries the worker may lack: a worker thread starts with the built-in registry only, so a
   * user backbone registered in the calling thread is handed over.
   */
  backbones?: BackboneEntry[];
  resume?: ComputeOptions['resume'];
}

export type WorkerToClient =
  | { type: 'progress'; progress: StudyProgress }
  /** A fold network just trained, for the client to store before the study goes on. */
  | { type: 'finetuned'; net: FinetunedNetwork }
  | { type: 'fold-checkpoint'; key: string; method: 'pa' | 'fa'; name: string; checkpoint: FoldCheckpoint }
  | { type: 'result'; result: StudyComputation }
  | { type: 'error'; code: ErrorCode | null; message: string; subject?: string };

export type ClientToWorker = { type: 'cancel' };
