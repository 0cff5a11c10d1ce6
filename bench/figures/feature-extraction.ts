import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadBackbone } from '../../src-main/core/backbones/locate.js';
import { createFeatureExtractor } from '../../src-main/core/backbones/onnx-features.js';
import { exportLayersModel } from '../../src-main/core/onnx/export-tfjs.js';
import type { BenchFigure } from '../figure.js';
import { alternate, msNow, msSince } from './alternate.js';
import { caffenetShape } from './caffenet-shape.js';
import { forwardFlops } from './model-flops.js';
import type { PythonPeer } from './python-peer.js';
import { modelLocate } from './shared-data.js';

interface Net {
  label: string;
  peerModel: 'mobilenet' | 'caffenet';
  size: number;
  load: () => Promise<LayersModel>;
  exportOpts: Parameters<typeof exportLayersModel>[1];
}

const NETS: Net[] = [
  {
    label: 'MobileNetV2 0.35',
    peerModel: 'mobilenet',
    size: 224,
    load: () => loadBackbone('mobilenet_v2_0.35_224', modelLocate()),
    exportOpts: { outputLayer: 'out_relu', pooling: 'avg' },
  },
  {
    label: 'CaffeNet shape (ungrouped, fc7)',
    peerModel: 'caffenet',
    size: 227,
    load: async () => caffenetShape(),
    exportOpts: {},
  },
];

export interface ExtractionResult {
  figures: BenchFigure[];
  /** Achieved GFLOP/s per network, SonoTL and peer, for figure 7. */
  gflops: Array<{ label: string; sonotl: number; peer: number | null }>;
}

/**
 * Figure 1: batched feature extraction. SonoTL exports the tfjs model with its own ONNX exporter and runs
 * it in ONNX Runtime (the study's inference path); the peer runs the same shape in PyTorch eager mode.
 */
export async function featureExtraction(threads: number, peer: PythonPeer | null, quick: boolean): Promise<ExtractionResult> {
  const batch = quick ? 8 : 32;
  const rounds = quick ? 3 : 7;
  const figures: BenchFigure[] = [];
  const gflops: ExtractionResult['gflops'] = [];
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  for (const net of NETS) {
    const model = await net.load();
    const flopsPerImage = forwardFlops(model);
    const t0 = msNow();
    const bytes = exportLayersModel(model, net.exportOpts);
    const exportMs = msSince(t0);
    model.dispose();
    const extractor = await createFeatureExtractor(bytes, { threads, providers: ['cpu'] });
    const [c, h, w] = extractor.inputShape;
    const input = new Float32Array(batch * c * h * w);
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.618) * 0.9;
    for (let i = 0; i < 2; i++) await extractor.run(input, batch);

    const hasPeer = peer?.has('torch') && peer.has('torchvision');
    let peerRun: (() => Promise<number>) | null = null;
    if (hasPeer) {
      await peer!.request('cnn_infer_setup', { model: net.peerModel, batch, size: net.size, warmup: 2 });
      peerRun = async () => (await peer!.request<{ ms: number[] }>('cnn_infer_time', { reps: 1 })).ms[0];
    }
    const r = await alternate(
      rounds,
      async () => {
        const t = msNow();
        await extractor.run(input, batch);
        return msSince(t);
      },
      peerRun,
    );
    await extractor.close();
    const s = (batch * 1000) / r.sonotlMs;
    const p = r.peerMs === null ? null : (batch * 1000) / r.peerMs;
    figures.push({
      name: `feature extraction ${net.label} ${net.size}px b${batch}, ${threads} thr (ORT; export ${(exportMs / 1000).toFixed(1)} s)`,
      unit: 'images/s',
      sonotl: s,
      peer: p,
      peerName: p === null ? null : `PyTorch ${peer!.version('torch')}`,
      ratio: p === null ? null : s / p,
      goal: '>= 4x PyTorch',
      met: p !== null && s / p >= 4,
    });
    gflops.push({ label: `${net.label} inference b${batch}`, sonotl: (s * flopsPerImage) / 1e9, peer: p === null ? null : (p * flopsPerImage) / 1e9 });
  }
  return { figures, gflops };
}
