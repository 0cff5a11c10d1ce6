/**
 * Classical filter times on one 800x540 HC18 image: phase congruency and Frangi vesselness (goal: each
 * under 0.5 s on one core), and scikit-image's frangi with the same parameters on the same pixels, run by
 * bench/reference/frangi_skimage.py in the same benchmark. Times are CPU time of the computing process
 * (median of several runs after a warm-up): on a shared machine wall time mostly measures the neighbours,
 * and both implementations compute on one thread.
 */
import { frangi, frangiSigmas, FRANGI_DEFAULTS } from '../../src-main/core/analysis/frangi.js';
import { phaseCongruency } from '../../src-main/core/analysis/phase-congruency.js';
import { hc18SamplePath, loadGray } from '../../test/fixtures/analysis/load-gray.js';
import { findSkimagePython, skimageFrangi, SKIMAGE_INSTALL_HINT } from '../../test/fixtures/analysis/skimage-reference.js';
import { median, type BenchFigure } from '../figure.js';

function cpuMs(runs: number, f: () => void): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return median(times);
}

export async function classicalFilterFigures(runs = 5): Promise<BenchFigure[]> {
  const file = hc18SamplePath();
  if (!file) {
    console.warn('analysis figures skipped: ../shared/data/hc18-dev/images/000_HC.png is missing');
    return [];
  }
  const img = await loadGray(file);
  const size = `${img.width}x${img.height}`;
  const pcMs = cpuMs(runs, () => phaseCongruency(img));
  const sigmas = frangiSigmas();
  const frMs = cpuMs(runs, () => frangi(img));

  const python = findSkimagePython();
  let peer: { ms: number; name: string } | null = null;
  if (python) {
    const ref = skimageFrangi(python, img, {
      sigmas,
      alpha: FRANGI_DEFAULTS.alpha,
      beta: FRANGI_DEFAULTS.beta,
      gamma: FRANGI_DEFAULTS.gamma,
      black_ridges: FRANGI_DEFAULTS.blackRidges,
      repeat: runs,
    });
    peer = { ms: ref.cpuSeconds * 1000, name: `scikit-image ${ref.skimageVersion}` };
  } else {
    console.warn(`analysis figures: scikit-image frangi not measured (${SKIMAGE_INSTALL_HINT})`);
  }
  return [
    { name: `phase congruency (Kovesi defaults), ${size}, one core`, unit: 'ms CPU', sonotl: pcMs, peer: null, peerName: null, ratio: null, goal: '< 500 ms', met: pcMs < 500 },
    {
      name: `Frangi vesselness (sigmas ${sigmas.join(',')}), ${size}, one core`,
      unit: 'ms CPU',
      sonotl: frMs,
      peer: peer?.ms ?? null,
      peerName: peer?.name ?? null,
      ratio: peer ? peer.ms / frMs : null,
      goal: '< 500 ms',
      met: frMs < 500,
    },
  ];
}
