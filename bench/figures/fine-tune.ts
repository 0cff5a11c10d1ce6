import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadBackbone } from '../../src-main/core/backbones/locate.js';
import { getBackbone } from '../../src-main/core/backbones/registry.js';
import { activateBackend, initTraining } from '../../src-main/core/ml/backend.js';
import type { BenchFigure } from '../figure.js';
import { alternate, msNow, msSince } from './alternate.js';
import { trainingFlops } from './model-flops.js';
import { peakRssMb, resetPeakRss } from './peak-rss.js';
import type { PythonPeer } from './python-peer.js';
import { modelLocate } from './shared-data.js';

const BACKBONE = 'mobilenet_v2_0.35_224';

export interface FineTuneResult {
  figures: BenchFigure[];
  gflops: Array<{ label: string; sonotl: number; peer: number | null; threads: number }>;
}

/**
 * Figure 2 (and the FA half of figure 6): one SGD step of MobileNetV2 0.35 plus a 2-class softmax head,
 * on tfjs's WASM backend with SonoTL's replacement gradient kernels, against the same step in PyTorch.
 * A plain tfjs-layers trainOnBatch, independent of the study's fine-tuning code. PA freezes the
 * registry's first two layer groups (`stem`, `block0`), as the torch peer does with features[0..1].
 */
export async function fineTune(peer: PythonPeer | null, quick: boolean, machineThreads: number): Promise<FineTuneResult> {
  const batch = quick ? 4 : 16;
  const rounds = quick ? 2 : 3;
  const backend = await initTraining({ prefer: 'wasm' });
  const threads = backend.threads;
  const figures: BenchFigure[] = [];
  const gflops: FineTuneResult['gflops'] = [];
  const entry = getBackbone(BACKBONE);
  const frozen = new Set(entry.layerGroups.slice(0, 2).flatMap((g) => g.layers));
  const hasPeer = peer?.has('torch') && peer.has('torchvision');
  // Same thread count on both sides: tfjs-wasm in Node runs on one thread.
  if (hasPeer) await peer!.setThreads(threads);
  try {
    for (const mode of ['fa', 'pa'] as const) {
      const backbone = await loadBackbone(BACKBONE, modelLocate());
      const feat = backbone.getLayer(entry.featureLayer).output as tfl.SymbolicTensor;
      const pooled = tfl.layers.globalAveragePooling2d({}).apply(feat) as tfl.SymbolicTensor;
      const probs = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(pooled) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: backbone.inputs, outputs: probs });
      if (mode === 'pa') for (const l of model.layers) if (frozen.has(l.name)) l.trainable = false;
      model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
      const [h, w] = entry.inputSize;
      const pixels = new Float32Array(batch * h * w * 3);
      for (let i = 0; i < pixels.length; i++) pixels[i] = Math.sin(i * 0.618) * 0.9;
      const x = tf.tensor4d(pixels, [batch, h, w, 3]);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32'), 2);
      const step = async (): Promise<number> => {
        const t = msNow();
        await model.trainOnBatch(x, y);
        return msSince(t);
      };
      await step();
      let peerStep: (() => Promise<number>) | null = null;
      let peerPeak: number | null = null;
      if (hasPeer) {
        const setup = await peer!.request<{ peakRssMb: number | null }>('train_setup', { mode, batch, size: h, warmup: 1 });
        peerStep = async () => (await peer!.request<{ ms: number[] }>('train_time', { reps: 1 })).ms[0];
        peerPeak = setup.peakRssMb;
      }
      const startMb = process.memoryUsage().rss / 2 ** 20;
      const tracked = resetPeakRss();
      const tensorsBefore = tf.memory().numTensors;
      const r = await alternate(rounds, step, peerStep);
      const rss = tracked ? peakRssMb() : null;
      const leaked = tf.memory().numTensors - tensorsBefore;
      if (hasPeer) peerPeak = (await peer!.request<{ peakRssMb: number | null }>('train_peak')).peakRssMb ?? peerPeak;
      const s = (batch * 1000) / r.sonotlMs;
      const p = r.peerMs === null ? null : (batch * 1000) / r.peerMs;
      const trainable = (name: string) => mode === 'fa' || !frozen.has(name);
      const flops = trainingFlops(model, trainable);
      figures.push({
        name: `fine-tune ${mode.toUpperCase()} step MobileNetV2 0.35 224px b${batch}, ${threads} thr (tfjs-wasm${backend.simd ? ' SIMD' : ''})`,
        unit: 'images/s',
        sonotl: s,
        peer: p,
        peerName: p === null ? null : `PyTorch ${peer!.version('torch')}`,
        ratio: p === null ? null : s / p,
        goal: '>= 0.5x PyTorch',
        met: p !== null && s / p >= 0.5,
      });
      gflops.push({ label: `${mode.toUpperCase()} training b${batch}, ${threads} thr`, sonotl: (s * flops) / 1e9, peer: p === null ? null : (p * flops) / 1e9, threads });
      if (mode === 'fa' && rss !== null) {
        figures.push({
          name: `memory: peak RSS of the process during ${rounds} FA steps b${batch} (${startMb.toFixed(0)} MB at start; tensors leaked/step: ${leaked / rounds})`,
          unit: 'MB',
          sonotl: rss,
          peer: peerPeak,
          peerName: peerPeak === null ? null : `PyTorch ${peer!.version('torch')} process`,
          ratio: peerPeak === null ? null : peerPeak / rss,
        });
      }
      tf.dispose([x, y]);
      model.dispose();
    }
  } finally {
    if (hasPeer) await peer!.setThreads(machineThreads);
    await activateBackend('cpu');
  }
  return { figures, gflops };
}
