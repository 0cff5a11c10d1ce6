/**
 * Runs fine-tuning in a worker thread so the calling thread (CLI, Electron main, the bridge) stays
 * responsive while tfjs trains; progress, checkpoints and cancellation cross the boundary as messages.
 * Checkpoints are handed to `onCheckpoint` in order, and the run settles only after the last one is
 * stored, so a cancel never loses an epoch that finished.
 *
 * As with the study worker, sources run by the test runner have no compiled `worker.js` beside them and
 * a worker cannot load `.ts`, so training then runs inline on the calling thread: the same code.
 */
import { compiledWorkerUrl, runWorkerJob } from '../jobs/worker-job.js';
import { finetune, type TrainEvents, type TrainRequest, type TrainResult } from './train.js';
import type { FinetuneWorkerMessage } from './worker-protocol.js';

/** After a cancel, how long the worker may take to stop at a batch boundary before it is terminated. */
const CANCEL_GRACE_MS = 60_000;

export function finetuneAnywhere(req: TrainRequest, ev: TrainEvents & { inline?: boolean } = {}): Promise<TrainResult> {
  const url = ev.inline ? null : compiledWorkerUrl(import.meta.url);
  return url ? finetuneInWorker(url, req, ev) : finetune(req, ev);
}

function finetuneInWorker(url: URL, req: TrainRequest, ev: TrainEvents): Promise<TrainResult> {
  // Checkpoints are stored one after another; a failed store fails the run.
  let stored: Promise<void> = Promise.resolve();
  let storeError: unknown = null;
  const store = (work: () => unknown) => {
    stored = stored.then(work).then(
      () => undefined,
      (e: unknown) => void (storeError ??= e),
    );
  };
  return runWorkerJob<TrainResult, FinetuneWorkerMessage>(url, req, {
    what: 'fine-tuning',
    signal: ev.signal,
    cancelGraceMs: CANCEL_GRACE_MS,
    onMessage: (m) => {
      if (m.type === 'start') {
        const { type: _t, ...info } = m;
        store(() => ev.onStart?.(info));
      } else if (m.type === 'progress') ev.onProgress?.(m.progress);
      else if (m.type === 'checkpoint') {
        const c = { classifier: m.classifier, optimizer: m.optimizer, state: m.state, best: m.best };
        store(() => ev.onCheckpoint?.(c));
      }
    },
    settleAfter: () =>
      stored.then(() => {
        if (storeError) throw storeError;
      }),
  });
}
