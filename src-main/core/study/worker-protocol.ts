/** Messages between the study client and its worker thread (structured-clone plain data only). */
import type { ErrorCode } from '../errors.js';
import type { ComputeOptions, StudyComputation } from './compute.js';
import type { AvailableMethod, StudyConfig } from './config.js';
import type { StudyInputs } from './inputs.js';
import type { StudyProgress } from './progress.js';

export interface WorkerRequest {
  main: StudyInputs;
  test: StudyInputs | null;
  config: StudyConfig;
  methods: AvailableMethod[];
  modelsDir?: ComputeOptions['modelsDir'];
}

export type WorkerToClient =
  | { type: 'progress'; progress: StudyProgress }
  | { type: 'result'; result: StudyComputation }
  | { type: 'error'; code: ErrorCode | null; message: string; subject?: string };

export type ClientToWorker = { type: 'cancel' };
