import * as ort from 'onnxruntime-node';
import { GraphBuilder, tensorValueInfo } from '../../src-main/core/onnx/graph-builder.js';
import { encodeModel } from '../../src-main/core/onnx/proto.js';
import { median, type BenchFigure } from '../figure.js';
import type { PythonPeer } from './python-peer.js';

/**
 * The machine's practical float32 peak: a large square matrix product, the best case for FMA units and
 * caches, in ONNX Runtime (MLAS) on the same threads as the figures, and in numpy's BLAS. The higher of
 * the two is the peak the achieved GFLOP/s of figures 1 and 2 are compared with.
 */
export async function measurePeak(threads: number, peer: PythonPeer | null, quick: boolean): Promise<{ peakGflops: number; figures: BenchFigure[] }> {
  const figures: BenchFigure[] = [];
  let peakGflops = 0;
  // Two sizes: 512 fits the caches, 1024 is closer to a network's large layers; the best wins.
  for (const n of quick ? [512] : [512, 1024]) {
    const r = await matmulPeak(n, quick ? 15 : 25, threads, peer);
    peakGflops = Math.max(peakGflops, r.peakGflops);
    figures.push(r.figure);
  }
  return { peakGflops, figures };
}

async function matmulPeak(n: number, reps: number, threads: number, peer: PythonPeer | null): Promise<{ peakGflops: number; figure: BenchFigure }> {
  const b = new GraphBuilder();
  b.reserve('a');
  b.reserve('b');
  b.reserve('c');
  b.nodeNamed('MatMul', ['a', 'b'], 'c');
  const bytes = encodeModel(
    b.toModel({ opset: 13, graphName: 'peak', inputs: [tensorValueInfo('a', [n, n]), tensorValueInfo('b', [n, n])], outputs: [tensorValueInfo('c', [n, n])] }),
  );
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: ['cpu'] });
  const data = () => {
    const v = new Float32Array(n * n);
    for (let i = 0; i < v.length; i++) v[i] = ((i * 2654435761) % 1000) / 500 - 1;
    return new ort.Tensor('float32', v, [n, n]);
  };
  const feeds = { a: data(), b: data() };
  const flops = 2 * n ** 3;
  await session.run(feeds);
  const ortMs: number[] = [];
  const npMs: number[] = [];
  let peerOk = peer?.has('numpy') ?? false;
  if (peerOk) await peer!.request('matmul_time', { n, reps: 1 });
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    ortMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (peerOk) {
      try {
        npMs.push(...(await peer!.request<{ ms: number[] }>('matmul_time', { n, reps: 1 })).ms);
      } catch {
        peerOk = false;
      }
    }
  }
  await session.release();
  // Best rounds, not medians: the peak is what the machine can do when no neighbour is running.
  const ortG = flops / Math.min(...ortMs) / 1e6;
  const npG = peerOk ? flops / Math.min(...npMs) / 1e6 : null;
  const peakGflops = Math.max(ortG, npG ?? 0);
  return {
    peakGflops,
    figure: {
      name: `peak: float32 ${n}x${n} MatMul, ${threads} threads (best of ${reps}; median ${(flops / median(ortMs) / 1e6).toFixed(1)})`,
      unit: 'GFLOP/s',
      sonotl: ortG,
      peer: npG,
      peerName: npG === null ? null : `numpy ${peer!.version('numpy')}`,
      ratio: npG === null ? null : ortG / npG,
    },
  };
}
