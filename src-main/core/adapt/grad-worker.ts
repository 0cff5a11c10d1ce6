/**
 * A gradient worker of the fine-tuning pool (grad-pool.ts): its own tfjs backend and a replica of the
 * classifier, the same trainable variables as the leader's (checked by shape), and one job: the loss
 * and mean gradients of a shard, written into its shared gradient buffer. It never updates weights on
 * its own; it loads the leader's whenever they were published since its last shard.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { errorMessage } from '../errors.js';
import { initTraining } from '../ml/backend.js';
import { fromPlainModel } from './artifacts.js';
import type { GradReply, GradRequest, GradWorkerData } from './grad-protocol.js';
import { trainableVariables } from './network.js';
import { batchLossAndGrads } from './train-step.js';

const port = parentPort;
if (!port) throw new Error('fine-tuning gradient worker must run in a worker thread');
const data = workerData as GradWorkerData;
const send = (m: GradReply) => port.postMessage(m);

try {
  await initTraining({ prefer: data.backend });
  const classifier = await fromPlainModel(data.model);
  const vars = trainableVariables(classifier, data.backbone, data.level);
  const same = vars.length === data.shapes.length && vars.every((v, i) => v.shape.length === data.shapes[i].length && v.shape.every((d, j) => d === data.shapes[i][j]));
  if (!same) throw new Error(`its replica has ${vars.length} trainable variables of other shapes than the leader's ${data.shapes.length}`);
  const offsets: number[] = [];
  let off = 0;
  for (const v of vars) {
    offsets.push(off);
    off += v.size;
  }
  const weights = new Float32Array(data.weights);
  const grads = new Float32Array(data.grads);
  const s = data.cropSize;

  port.on('message', async (m: GradRequest) => {
    try {
      if (m.reload) {
        vars.forEach((v, i) => {
          const t = tf.tensor(weights.slice(offsets[i], offsets[i] + v.size), v.shape);
          v.assign(t);
          t.dispose();
        });
      }
      const x = tf.tensor4d(m.x, [m.count, s, s, 3]);
      const y = tf.tensor2d(m.y, [m.count, 1]);
      const { value, grads: g } = batchLossAndGrads(classifier, vars, x, y);
      try {
        const loss = (await value.data())[0];
        for (let i = 0; i < vars.length; i++) {
          const t = g[vars[i].name];
          if (t) grads.set((await t.data()) as Float32Array, offsets[i]);
          else grads.fill(0, offsets[i], offsets[i] + vars[i].size);
        }
        send({ type: 'grads', loss });
      } finally {
        tf.dispose([x, y, value, ...Object.values(g)]);
      }
    } catch (e) {
      send({ type: 'error', message: errorMessage(e) });
    }
  });
  send({ type: 'ready' });
} catch (e) {
  send({ type: 'error', message: `could not start: ${errorMessage(e)}` });
}
