/**
 * Runs fine-tuning in a worker thread so the calling thread (CLI, Electron main, the bridge) stays
 * responsive while tfjs trains; progress, checkpoints and cancellation cross the boundary as messages.
 * Checkpoints are handed to `onCheckpoint` in order, and the run settles only after the last one is
 * stored, so a cancel never loses an epoch that finished.
 *
 * As with the study worker, sources run by the test runner have no compiled `worker.js` beside them and
 * a worker cannot load `.ts`, so training then runs inline on the calling thread: the same code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SonoError } from '../errors.js';
import { finetune, type TrainEvents, type TrainRequest, type TrainResult } from './train.js';
import type { FinetuneClientMessage, FinetuneWorkerMessage } from './worker-protocol.js';

/** After a cancel, how long the worker may take to stop at a batch boundary before it is terminated. */
const CANCEL_GRACE_MS = 60_000;

export function finetuneWorkerUrl(): URL | null {
  if (!import.meta.url.endsWith('.js')) return null;
  const url = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

export function finetuneAnywhere(req: TrainRequest, ev: TrainEvents & { inline?: boolean } = {}): Promise<TrainResult> {
  const url = ev.inline ? null : finetuneWorkerUrl();
  return url ? finetuneInWorker(url, req, ev) : finetune(req, ev);
}

export function finetuneInWorker(url: URL, req: TrainRequest, ev: TrainEvents = {}): Promise<TrainResult> {
  if (ev.signal?.aborted) return Promise.reject(new SonoError('CANCELLED', 'fine-tuning cancelled'));
  return new Promise<TrainResult>((resolve, reject) => {
    const worker = new Worker(url, { workerData: req });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    // Checkpoints are stored one after another; a failed store fails the run.
    let stored: Promise<void> = Promise.resolve();
    let storeError: unknown = null;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      ev.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      void worker.terminate();
      void stored.then(() => (storeError ? reject(storeError) : outcome()));
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies FinetuneClientMessage);
      killTimer = setTimeout(() => finish(() => reject(new SonoError('CANCELLED', 'fine-tuning cancelled'))), CANCEL_GRACE_MS);
      killTimer.unref();
    };
    ev.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: FinetuneWorkerMessage) => {
      switch (m.type) {
        case 'start': {
          const { type: _t, ...info } = m;
          stored = stored.then(() => ev.onStart?.(info)).catch((e: unknown) => void (storeError ??= e));
          break;
        }
        case 'progress':
          ev.onProgress?.(m.progress);
          break;
        case 'checkpoint': {
          const c = { classifier: m.classifier, state: m.state, best: m.best };
          stored = stored.then(() => ev.onCheckpoint?.(c)).catch((e: unknown) => void (storeError ??= e));
          break;
        }
        case 'result':
          finish(() => resolve(m.result));
          break;
        case 'error':
          finish(() => reject(m.code ? new SonoError(m.code, m.message, m.subject) : new Error(m.message)));
          break;
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`fine-tuning worker stopped (exit code ${code}) before finishing`))));
  });
}
