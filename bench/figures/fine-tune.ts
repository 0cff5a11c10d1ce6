import * as tf from '@tensorflow/tfjs-core';
import { loadBackbone } from '../../src-main/core/backbones/locate.js';
import { getBackbone } from '../../src-main/core/backbones/registry.js';
import { toPlainModel } from '../../src-main/core/adapt/artifacts.js';
import { GradientPool, gradWorkerUrl } from '../../src-main/core/adapt/grad-pool.js';
import { frozenLayerNames } from '../../src-main/core/adapt/levels.js';
import { addHead, trainableVariables } from '../../src-main/core/adapt/network.js';
import { createOptimizer } from '../../src-main/core/adapt/optimizer.js';
import { DEFAULT_FINETUNE } from '../../src-main/core/adapt/params.js';
import { TrainStep } from '../../src-main/core/adapt/train-step.js';
import { activateBackend, initTraining } from '../../src-main/core/ml/backend.js';
import { median, type BenchFigure } from '../figure.js';
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
 * Figure 2 (and the FA half of figure 6): the product's own fine-tuning step (`TrainStep` of
 * src-main/core/adapt, as `sonotl finetune` runs it: MobileNetV2 0.35 + global pooling + one logit,
 * sigmoid cross-entropy, batch norm in inference mode, Adam at the default rate) on tfjs's WASM backend,
 * on one thread and data-parallel over one thread per core (the leader + gradient workers), against the
 * same step in PyTorch at the same thread count (eval-mode batch norm, BCE-with-logits, Adam). PA freezes
 * the registry's `stem` and `block0` as `adapt` does; the peer freezes features[0..1], the same layers.
 */
export async function fineTune(peer: PythonPeer | null, quick: boolean, machineThreads: number): Promise<FineTuneResult> {
  const batch = quick ? 4 : 16;
  const rounds = quick ? 2 : 3;
  const backend = await initTraining({ prefer: 'wasm' });
  const figures: BenchFigure[] = [];
  const gflops: FineTuneResult['gflops'] = [];
  const entry = getBackbone(BACKBONE);
  const [h, w] = entry.inputSize;
  const hasPeer = peer?.has('torch') && peer.has('torchvision');
  const url = gradWorkerUrl();
  const threadCounts = [...new Set([1, url ? machineThreads : 1])];
  const lr = DEFAULT_FINETUNE.learningRate;
  const pixels = new Float32Array(batch * h * w * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.sin(i * 0.618) * 0.9;
  const labels = Float32Array.from({ length: batch }, (_, i) => i % 2);
  // PyTorch's 1-thread rate per level: on a shared machine its 2-thread OpenMP step can collapse far
  // below it, so the data-parallel figure is also given against the 1-thread peer.
  const peerOneThread = new Map<string, number>();
  try {
    for (const threads of threadCounts) {
      if (hasPeer) await peer!.setThreads(threads);
      for (const mode of ['fa', 'pa'] as const) {
        const backbone = await loadBackbone(BACKBONE, modelLocate());
        const classifier = addHead(backbone, entry, 1);
        const vars = trainableVariables(classifier, entry, mode);
        const frozen = frozenLayerNames(entry, mode, classifier.layers.map((l) => l.name));
        const optimizer = createOptimizer('adam', vars);
        const pool =
          threads > 1 ? await GradientPool.start({ size: threads - 1, url: url!, model: await toPlainModel(classifier), backbone: entry, level: mode, backend, cropSize: h, vars }) : null;
        const trainStep = new TrainStep(classifier, vars, optimizer, h, pool);
        // CPU milliseconds of every thread of each side's process, per timed step.
        const cpu = { sonotl: [] as number[], peer: [] as number[] };
        const step = async (): Promise<number> => {
          const c = process.cpuUsage();
          const t = msNow();
          await trainStep.run({ x: pixels, y: labels, count: batch }, lr);
          const ms = msSince(t);
          const used = process.cpuUsage(c);
          cpu.sonotl.push((used.user + used.system) / 1000);
          return ms;
        };
        try {
          await step();
          let peerStep: (() => Promise<number>) | null = null;
          let peerPeak: number | null = null;
          if (hasPeer) {
            const setup = await peer!.request<{ peakRssMb: number | null }>('train_setup', { mode, batch, size: h, warmup: 1, lr });
            peerStep = async () => {
              const t = await peer!.request<{ ms: number[]; cpuMs: number[] }>('train_time', { reps: 1 });
              cpu.peer.push(t.cpuMs[0]);
              return t.ms[0];
            };
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
          const flops = trainingFlops(classifier, (name) => !frozen.has(name));
          const how = threads > 1 ? `${threads} thr (tfjs-wasm${backend.simd ? ' SIMD' : ''}, leader + ${threads - 1} gradient worker${threads > 2 ? 's' : ''})` : `1 thr (tfjs-wasm${backend.simd ? ' SIMD' : ''})`;
          const cpuNote = `CPU s/step ${(median(cpu.sonotl) / 1000).toFixed(2)}${cpu.peer.length > 0 ? ` vs ${(median(cpu.peer) / 1000).toFixed(2)}` : ''}`;
          figures.push({
            name: `fine-tune ${mode.toUpperCase()} step MobileNetV2 0.35 224px b${batch}, adapt's step (inference-mode BN, Adam), ${how}; ${cpuNote}`,
            unit: 'images/s',
            sonotl: s,
            peer: p,
            peerName: p === null ? null : `PyTorch ${peer!.version('torch')}, ${threads} thr`,
            ratio: p === null ? null : s / p,
            goal: '>= 0.5x PyTorch',
            met: p !== null && s / p >= 0.5,
          });
          if (p !== null && threads === 1) peerOneThread.set(mode, p);
          const p1 = peerOneThread.get(mode);
          if (threads > 1 && p1 !== undefined) {
            figures.push({
              name: `fine-tune ${mode.toUpperCase()} step MobileNetV2 0.35 224px b${batch}, ${threads} thr against PyTorch on 1 thread (same run)`,
              unit: 'images/s',
              sonotl: s,
              peer: p1,
              peerName: `PyTorch ${peer!.version('torch')}, 1 thr`,
              ratio: s / p1,
            });
          }
          gflops.push({ label: `${mode.toUpperCase()} training b${batch}, ${threads} thr`, sonotl: (s * flops) / 1e9, peer: p === null ? null : (p * flops) / 1e9, threads });
          // The memory figure at the thread count `sonotl finetune` uses by default (workers share the process).
          if (mode === 'fa' && threads === threadCounts[threadCounts.length - 1] && rss !== null) {
            figures.push({
              name: `memory: peak RSS of the process during ${rounds} FA steps b${batch}, ${threads} thr (${startMb.toFixed(0)} MB at start; tensors leaked/step: ${leaked / rounds})`,
              unit: 'MB',
              sonotl: rss,
              peer: peerPeak,
              peerName: peerPeak === null ? null : `PyTorch ${peer!.version('torch')} process`,
              ratio: peerPeak === null ? null : peerPeak / rss,
            });
          }
        } finally {
          await pool?.close();
          optimizer.dispose();
          classifier.dispose();
        }
      }
    }
  } finally {
    if (hasPeer) await peer!.setThreads(machineThreads);
    await activateBackend('cpu');
  }
  return { figures, gflops };
}
