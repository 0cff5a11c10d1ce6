/**
 * Cross-check of frangi() against scikit-image's skimage.filters.frangi, run through
 * bench/reference/frangi_skimage.py. Skips (with a message) where no Python with scikit-image is found.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FRANGI_DEFAULTS, frangi, frangiSigmas, type FrangiParams } from './frangi.js';
import type { FloatImage } from './float-image.js';
import { hc18SamplePath, loadGray } from '../../../test/fixtures/analysis/load-gray.js';
import {
  findSkimagePython,
  SKIMAGE_INSTALL_HINT,
  skimageFrangiBatch,
  type SkimageRun,
} from '../../../test/fixtures/analysis/skimage-reference.js';
import { maxAbsDiff, pearson } from '../../../test/fixtures/analysis/stats.js';
import { fromFunction, noisyVessels, ring, verticalBand } from '../../../test/fixtures/analysis/synthetic-images.js';

const python = findSkimagePython();
if (!python) console.warn(`frangi-skimage.test.ts skipped: ${SKIMAGE_INSTALL_HINT}`);
const hcPath = hc18SamplePath();
if (python && !hcPath) {
  console.warn('frangi-skimage.test.ts: HC18 sample not found beside the repository (shared/data/hc18-dev); that case is skipped');
}

const synthetic: [string, () => FloatImage][] = [
  ['bar', () => verticalBand(96, 80, 40, 7, 0.8, 0.2)],
  ['thin line', () => verticalBand(80, 64, 37, 1, 0.9, 0.1)],
  ['diagonal line', () => fromFunction(80, 80, (x, y) => (Math.abs(x - 0.7 * y - 10) < 1.5 ? 0.85 : 0.15))],
  ['ring', () => ring(128, 40, 3)],
  ['noisy vessels', () => noisyVessels(128, 3)],
];

const paramSets: [string, Partial<FrangiParams>][] = [
  ['defaults', {}],
  // γ small enough that the structure term saturates, so the exp() shape matters, not just S².
  ['sigmas 1,2,4 beta 0.8 gamma 0.05', { sigmas: [1, 2, 4], beta: 0.8, gamma: 0.05 }],
];

interface Case {
  label: string;
  img: FloatImage;
  params: FrangiParams;
  reference?: SkimageRun;
}

const cases: Case[] = [];

beforeAll(async () => {
  if (!python) return;
  const images: [string, FloatImage][] = synthetic.map(([name, make]) => [name, make()]);
  if (hcPath) images.push(['HC18 crop', await loadGray(hcPath, { left: 272, top: 142, width: 256, height: 256 })]);
  for (const [paramLabel, params] of paramSets) {
    for (const blackRidges of [true, false]) {
      for (const [name, img] of images) {
        cases.push({
          label: `${name}, ${paramLabel}, black_ridges=${blackRidges}`,
          img,
          params: { ...FRANGI_DEFAULTS, ...params, blackRidges },
        });
      }
    }
  }
  const runs = skimageFrangiBatch(
    python,
    cases.map(({ img, params: p }) => ({
      img,
      params: { sigmas: frangiSigmas(p), alpha: p.alpha, beta: p.beta, gamma: p.gamma, black_ridges: p.blackRidges },
    })),
  );
  runs.forEach((run, k) => {
    cases[k].reference = run;
  });
}, 120_000);

function check(label: string): void {
  const c = cases.find((x) => x.label === label);
  if (!c?.reference) throw new Error(`no reference output for ${label}`);
  const ref = c.reference;
  const ours = frangi(c.img, c.params);
  const r = pearson(ours, ref.output);
  const refMax = Math.max(...ref.output);
  const relDiff = maxAbsDiff(ours, ref.output) / refMax;
  console.log(
    `frangi vs skimage ${ref.skimageVersion}, ${label}: r = ${r.toFixed(6)}, max |diff| / max = ${relDiff.toExponential(2)}`,
  );
  expect(refMax).toBeGreaterThan(0);
  expect(r).toBeGreaterThanOrEqual(0.99);
  // Pearson alone would accept a different scaling, so the values must agree too. The bound is loose
  // because scikit-image works in float32: with γ = 15, 1 - exp(-S²/2γ²) loses ~1e-3 to cancellation.
  expect(relDiff).toBeLessThan(0.02);
}

describe.skipIf(!python)('frangi matches scikit-image', () => {
  const names = [...synthetic.map(([name]) => name), ...(hcPath ? ['HC18 crop'] : [])];
  for (const [paramLabel] of paramSets) {
    for (const blackRidges of [true, false]) {
      for (const name of names) {
        const label = `${name}, ${paramLabel}, black_ridges=${blackRidges}`;
        it(label, () => check(label));
      }
    }
  }
  if (!hcPath) it.skip('HC18 000_HC.png crop (shared/data/hc18-dev not found)', () => {});
});
