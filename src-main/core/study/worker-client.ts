/**
 * Runs a study's computation in a worker thread so the calling thread (CLI, Electron main) stays
 * responsive; progress and cancellation cross the thread boundary as messages.
 *
 * The worker is the compiled `worker.js` beside this module. When this module runs from TypeScript
 * sources (the test runner transpiles them in-process), there is no such file and a worker could not
 * load `.ts`, so the computation runs inline instead: the same code, on the calling thread.
 */
import { compiledWorkerUrl, runWorkerJob } from '../jobs/worker-job.js';
import { computeStudy, type ComputeOptions, type StudyComputation } from './compute.js';
import type { WorkerRequest, WorkerToClient } from './worker-protocol.js';

/** After a cancel, how long the worker may take to stop cleanly before it is terminated. */
const CANCEL_GRACE_MS = 30_000;

export async function computeStudyAnywhere(request: WorkerRequest, opts: ComputeOptions & { inline?: boolean } = {}): Promise<StudyComputation> {
  const url = opts.inline ? null : compiledWorkerUrl(import.meta.url);
  if (!url) {
    return computeStudy(request.main, request.test, request.config, request.methods, {
      modelsDir: request.modelsDir,
      onProgress: opts.onProgress,
      signal: opts.signal,
      resume: request.resume ?? opts.resume,
      onFinetuned: opts.onFinetuned,
      onFoldCheckpoint: opts.onFoldCheckpoint,
    });
  }
  // The worker goes on while a network is stored: stores run one after the other, in the order the
  // worker reported them (a checkpoint before the network it leads to), and the job settles after them.
  let stores: Promise<void> = Promise.resolve();
  const queue = (work: () => void | Promise<void>) => {
    stores = stores.then(work);
    stores.catch(() => undefined);
  };
  return runWorkerJob<StudyComputation, WorkerToClient>(url, { ...request, resume: request.resume ?? opts.resume }, {
    what: 'study',
    signal: opts.signal,
    cancelGraceMs: CANCEL_GRACE_MS,
    onMessage: (m) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'finetuned') queue(() => opts.onFinetuned?.(m.net));
      else if (m.type === 'fold-checkpoint') {
        const { type: _type, ...c } = m;
        queue(() => opts.onFoldCheckpoint?.(c));
      }
    },
    settleAfter: () => stores,
  });
}
