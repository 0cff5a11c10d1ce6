/**
 * Runs a study's computation in a worker thread so the calling thread (CLI, Electron main) stays
 * responsive; progress and cancellation cross the thread boundary as messages.
 *
 * The worker is the compiled `worker.js` beside this module. When this module runs from TypeScript
 * sources (the test runner transpiles them in-process), there is no such file and a worker could not
 * load `.ts`, so the computation runs inline instead: the same code, on the calling thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SonoError } from '../errors.js';
import { computeStudy, type ComputeOptions, type StudyComputation } from './compute.js';
import type { ClientToWorker, WorkerRequest, WorkerToClient } from './worker-protocol.js';

/** After a cancel, how long the worker may take to stop cleanly before it is terminated. */
const CANCEL_GRACE_MS = 30_000;

/** URL of the compiled worker, or null when running from sources. */
export function studyWorkerUrl(): URL | null {
  if (!import.meta.url.endsWith('.js')) return null;
  const url = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

export async function computeStudyAnywhere(request: WorkerRequest, opts: ComputeOptions & { inline?: boolean } = {}): Promise<StudyComputation> {
  const url = opts.inline ? null : studyWorkerUrl();
  if (!url) {
    return computeStudy(request.main, request.test, request.config, request.methods, {
      modelsDir: request.modelsDir,
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
  }
  return computeInWorker(url, request, opts);
}

export function computeInWorker(url: URL, request: WorkerRequest, opts: ComputeOptions = {}): Promise<StudyComputation> {
  if (opts.signal?.aborted) return Promise.reject(new SonoError('CANCELLED', 'study cancelled'));
  return new Promise<StudyComputation>((resolve, reject) => {
    const worker = new Worker(url, { workerData: request });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      void worker.terminate();
      fn();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies ClientToWorker);
      killTimer = setTimeout(() => finish(() => reject(new SonoError('CANCELLED', 'study cancelled'))), CANCEL_GRACE_MS);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerToClient) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(m.code ? new SonoError(m.code, m.message, m.subject) : new Error(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`study worker stopped (exit code ${code}) before finishing`))));
  });
}
