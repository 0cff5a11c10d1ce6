import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadBackbone } from '../../src-main/core/backbones/locate.js';
import { createFeatureExtractor } from '../../src-main/core/backbones/onnx-features.js';
import { nchwToNhwc } from '../../src-main/core/backbones/preprocess.js';
import { getBackbone } from '../../src-main/core/backbones/registry.js';
import { activateBackend, initTraining } from '../../src-main/core/ml/backend.js';
import { backendLabel } from '../../src-main/core/adapt/train.js';
import { exportLayersModel } from '../../src-main/core/onnx/export-tfjs.js';
import { median, type BenchFigure } from '../figure.js';
import { msNow, msSince } from './alternate.js';
import type { PythonPeer } from './python-peer.js';
import { modelLocate } from './shared-data.js';

const BACKBONE = 'mobilenet_v2_0.35_224';

/**
 * Feature extraction on tfjs, on the backend the product picks for training (initTraining: WASM SIMD
 * here), against ONNX Runtime running SonoTL's export of the same network and, when present, PyTorch:
 * all three on the training backend's thread count, in alternating rounds of the same batch. It is
 * the measurement behind running inference on ONNX Runtime and keeping tfjs for training.
 */
export async function tfjsFeatureExtraction(peer: PythonPeer | null, quick: boolean, machineThreads: number): Promise<BenchFigure[]> {
  const batch = quick ? 8 : 32;
  const rounds = quick ? 2 : 3;
  const backend = await initTraining();
  const threads = backend.threads;
  const label = backendLabel(backend);
  const entry = getBackbone(BACKBONE);
  const [h, w] = entry.inputSize;
  const hasPeer = Boolean(peer?.has('torch') && peer.has('torchvision'));
  const backbone = await loadBackbone(BACKBONE, modelLocate());
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(backbone.getLayer(entry.featureLayer).output as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: backbone.inputs, outputs: pooled });
  const extractor = await createFeatureExtractor(exportLayersModel(backbone, { outputLayer: entry.featureLayer, pooling: 'avg' }), { threads, providers: ['cpu'] });
  const nchw = new Float32Array(batch * 3 * h * w);
  for (let i = 0; i < nchw.length; i++) nchw[i] = Math.sin(i * 0.618) * 0.9;
  const x = tf.tensor4d(nchwToNhwc(nchw, batch, 3, h, w), [batch, h, w, 3]);
  try {
    if (hasPeer) {
      await peer!.setThreads(threads);
      await peer!.request('cnn_infer_setup', { model: 'mobilenet', batch, size: h, warmup: 1 });
    }
    const tfjsRun = async (): Promise<{ ms: number; out: Float32Array }> => {
      const t = msNow();
      const y = model.predict(x) as tf.Tensor;
      const out = (await y.data()) as Float32Array;
      const ms = msSince(t);
      y.dispose();
      return { ms, out };
    };
    const ortRun = async (): Promise<{ ms: number; out: Float32Array }> => {
      const t = msNow();
      const out = await extractor.run(nchw, batch);
      return { ms: msSince(t), out };
    };
    // Warm-up: WASM kernel setup and ONNX Runtime's first-run allocation; also the parity check.
    const a = await tfjsRun();
    const b = await ortRun();
    let maxDiff = 0;
    for (let i = 0; i < a.out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.out[i] - b.out[i]));
    const tfjsMs: number[] = [];
    const ortMs: number[] = [];
    const peerMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      tfjsMs.push((await tfjsRun()).ms);
      ortMs.push((await ortRun()).ms);
      if (hasPeer) peerMs.push((await peer!.request<{ ms: number[] }>('cnn_infer_time', { reps: 1 })).ms[0]);
    }
    const rate = (ms: number[]) => (batch * 1000) / median(ms);
    const t = rate(tfjsMs);
    const o = rate(ortMs);
    const p = hasPeer ? rate(peerMs) : null;
    const shape = `MobileNetV2 0.35 ${h}px b${batch}, ${threads} thr`;
    return [
      {
        name: `feature extraction ${shape} (tfjs ${label}, the training backend; ${rounds} rounds)`,
        unit: 'images/s',
        sonotl: t,
        peer: p,
        peerName: p === null ? null : `PyTorch ${peer!.version('torch')}`,
        ratio: p === null ? null : t / p,
      },
      {
        name: `inference runtime: ONNX Runtime over tfjs ${label}, ${shape} (max |diff| ${maxDiff.toExponential(1)})`,
        unit: 'images/s',
        sonotl: o,
        peer: t,
        peerName: `tfjs ${label}`,
        ratio: o / t,
        goal: '>= 2x tfjs (why inference runs on ONNX Runtime)',
        met: o / t >= 2,
      },
    ];
  } finally {
    x.dispose();
    model.dispose();
    await extractor.close();
    if (hasPeer) await peer!.setThreads(machineThreads);
    await activateBackend('cpu');
  }
}
