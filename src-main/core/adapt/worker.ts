/**
 * Worker-thread entry of a fine-tuning run: trains on what the client posted, reports progress and
 * checkpoints as messages (weights are transferred, not copied), and aborts on { type: 'cancel' }. It
 * never opens the project; the client thread holds it and stores every checkpoint.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, isSonoError } from '../errors.js';
import { finetune } from './train.js';
import type { FinetuneWorkerMessage, FinetuneWorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('fine-tuning worker must run in a worker thread');
const request = workerData as FinetuneWorkerRequest;
const controller = new AbortController();
const send = (m: FinetuneWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'cancel') controller.abort();
});

try {
  const result = await finetune(request, {
    signal: controller.signal,
    onStart: (info) => send({ type: 'start', ...info }),
    onProgress: (progress) => send({ type: 'progress', progress }),
    onCheckpoint: async (c) => send({ type: 'checkpoint', ...c }, [c.classifier.weightData, c.optimizer.slots]),
  });
  send({ type: 'result', result }, [result.backbone.weightData]);
} catch (e) {
  send({ type: 'error', code: isSonoError(e) ? e.code : null, message: errorMessage(e), subject: isSonoError(e) ? e.subject : undefined });
}
