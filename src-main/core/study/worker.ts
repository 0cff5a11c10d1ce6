/**
 * Worker-thread entry of a study: runs `computeStudy` on what the client posted, reports progress as
 * messages, and aborts when the client sends { type: 'cancel' }. It never touches the project database;
 * the client thread keeps the project open and stores the results.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { listBackbones, registerBackbone } from '../backbones/registry.js';
import { errorMessage, isSonoError } from '../errors.js';
import { computeStudy } from './compute.js';
import type { WorkerRequest, WorkerToClient } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('study worker must run in a worker thread');
const request = workerData as WorkerRequest;
const controller = new AbortController();
const send = (m: WorkerToClient) => port.postMessage(m);
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'cancel') controller.abort();
});

try {
  for (const entry of request.backbones ?? []) if (!listBackbones().some((e) => e.id === entry.id)) registerBackbone(entry);
  const result = await computeStudy(request.main, request.test, request.config, request.methods, {
    modelsDir: request.modelsDir,
    signal: controller.signal,
    resume: request.resume,
    onProgress: (progress) => send({ type: 'progress', progress }),
    onFinetuned: (net) => send({ type: 'finetuned', net }),
    onFoldCheckpoint: (c) => send({ type: 'fold-checkpoint', ...c }),
  });
  send({ type: 'result', result });
} catch (e) {
  send({ type: 'error', code: isSonoError(e) ? e.code : null, message: errorMessage(e), subject: isSonoError(e) ? e.subject : undefined });
}
