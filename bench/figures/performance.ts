import { availableParallelism } from 'node:os';
import type { BenchFigure } from '../figure.js';
import { detectionLatency } from './detection-latency.js';
import { featureExtraction } from './feature-extraction.js';
import { fineTune } from './fine-tune.js';
import { gbmFit } from './gbm-fit.js';
import { haarRate } from './haar-rate.js';
import { measurePeak } from './machine-peak.js';
import { PythonPeer } from './python-peer.js';
import { studyMemory } from './study-memory.js';
import { tfjsFeatureExtraction } from './tfjs-inference.js';

/**
 * The figures of issue 7 (SonoTL against PyTorch / scikit-learn / scikit-image in the same run). Each
 * figure is added as soon as it is measured, so a failure later on still leaves the earlier ones printed;
 * a figure that fails is reported on stderr and the rest still run.
 */
export async function performanceFigures(opts: { quick: boolean; add: (f: BenchFigure[]) => void }): Promise<void> {
  const { quick, add } = opts;
  const threads = availableParallelism();
  const { peer, reason } = await PythonPeer.start(threads);
  if (!peer) console.log(`python peer missing: ${reason}; figures are printed without peers`);
  else {
    const missing = ['torch', 'torchvision', 'sklearn', 'skimage', 'numpy'].filter((m) => !peer.has(m));
    if (missing.length > 0) console.log(`python peer lacks ${missing.join(', ')} (npm run bench:setup); those peers are reported missing`);
  }
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      console.error(`bench: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 1;
    }
  };
  try {
    let peak: number | null = null;
    await step('machine peak', async () => {
      const r = await measurePeak(threads, peer, quick);
      peak = r.peakGflops;
      add(r.figures);
    });
    const gflops: Gflops[] = [];
    await step('feature extraction', async () => {
      const r = await featureExtraction(threads, peer, quick);
      add(r.figures);
      gflops.push(...r.gflops.map((g) => ({ ...g, threads })));
    });
    await step('tfjs feature extraction', async () => add(await tfjsFeatureExtraction(peer, quick, threads)));
    await step('fine-tuning', async () => {
      const r = await fineTune(peer, quick, threads);
      add(r.figures);
      gflops.push(...r.gflops);
    });
    // A second peak measurement after the heavy figures: on a shared machine one measurement can fall
    // into a busy moment and understate the peak (an achieved rate above 100 % would give that away).
    await step('machine peak, again', async () => {
      const r = await measurePeak(threads, peer, quick);
      peak = Math.max(peak ?? 0, r.peakGflops);
      add(r.figures.map((f) => ({ ...f, name: `${f.name}, after the CNN figures` })));
    });
    add(gflopsFigures(gflops, peak, threads, peer?.version('torch') ?? null));
    await step('Haar features', async () => add(await haarRate(peer, quick)));
    await step('detection', async () => add((await detectionLatency(threads, peer, quick)).figures));
    await step('GBM fit', async () => add(await gbmFit(threads, peer, quick)));
    await step('study memory', async () => add(await studyMemory(quick)));
  } finally {
    peer?.close();
  }
}

interface Gflops {
  label: string;
  sonotl: number;
  peer: number | null;
  threads: number;
}

/** Achieved GFLOP/s against the peak share of the threads the figure ran on (the peak is measured on all cores). */
function gflopsFigures(list: Gflops[], peak: number | null, machineThreads: number, torch: string | null): BenchFigure[] {
  return list.map((g) => ({
    name: `achieved ${g.label}${peak ? ` (${((100 * g.sonotl * machineThreads) / (peak * g.threads)).toFixed(1)}% of the ${g.threads}-thread peak)` : ''}`,
    unit: 'GFLOP/s',
    sonotl: g.sonotl,
    peer: g.peer,
    peerName: g.peer === null ? null : `PyTorch ${torch}`,
    ratio: g.peer === null ? null : g.sonotl / g.peer,
  }));
}
