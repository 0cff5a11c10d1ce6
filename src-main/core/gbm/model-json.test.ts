import { describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { GbmClassifier } from './booster.js';
import type { Dataset } from './dataset.js';
import type { GbmModelJson } from './model-json.js';
import { Rng } from './rng.js';

function data(n: number, seed: number, missing: boolean): { d: Dataset; y: Uint8Array } {
  const rng = new Rng(seed);
  const nCols = 4;
  const x = new Float32Array(n * nCols);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nCols; c++) x[i * nCols + c] = rng.nextFloat() * 4 - 2;
    y[i] = x[i * nCols] * x[i * nCols + 1] > 0 ? 1 : 0;
    if (rng.nextFloat() < 0.1) y[i] = 1 - y[i];
    if (missing && rng.nextFloat() < 0.15) x[i * nCols + 1] = NaN;
  }
  return { d: { x, nRows: n, nCols }, y };
}

async function fitted(): Promise<{ m: GbmClassifier; test: Dataset }> {
  const { d, y } = data(1500, 1, true);
  const m = await new GbmClassifier({ maxIter: 20, threads: 1 }).fit(d, y);
  return { m, test: data(500, 2, true).d };
}

function expectBad(json: unknown, message: RegExp): void {
  let err: unknown;
  try {
    GbmClassifier.fromJSON(json);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SonoError);
  expect((err as SonoError).code).toBe('BAD_INPUT');
  expect((err as SonoError).message).toMatch(message);
}

describe('model JSON', () => {
  it('round-trips through JSON text with identical predictions, missing values included', async () => {
    const { m, test } = await fitted();
    const text = JSON.stringify(m.toJSON());
    const back = GbmClassifier.fromJSON(JSON.parse(text));
    expect(back.nIter).toBe(m.nIter);
    expect(Array.from(back.predictProba(test))).toEqual(Array.from(m.predictProba(test)));
    expect(Array.from(back.predict(test))).toEqual(Array.from(m.predict(test)));
    expect(Array.from(back.featureImportance())).toEqual(Array.from(m.featureImportance()));
    expect(JSON.stringify(back.toJSON())).toBe(text);
  });

  it('uses stored thresholds on raw values, so NaN follows the learned missing-value side', async () => {
    const { m } = await fitted();
    const json = m.toJSON();
    expect(json.trees.some((t) => t.feature.includes(1))).toBe(true); // the feature with NaN is used
    // One hand-made stump: feature 0 <= 0.5 goes left (-1), above or missing goes right (+2).
    const stump: GbmModelJson = {
      ...json,
      baseline: 0,
      trees: [{ feature: [0, -1, -1], threshold: [0.5, 0, 0], missingLeft: [0, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, -1, 2], gain: [1, 0, 0], count: [10, 5, 5] }],
    };
    const s = GbmClassifier.fromJSON(stump);
    const x: Dataset = { x: Float32Array.from([0.5, 0, 0, 0, 0.50001, 0, 0, 0, NaN, 0, 0, 0]), nRows: 3, nCols: 4 };
    const p = s.predictProba(x);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(1)), 12);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(p[2]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    stump.trees[0].missingLeft[0] = 1;
    expect(GbmClassifier.fromJSON(stump).predictProba(x)[2]).toBeCloseTo(1 / (1 + Math.exp(1)), 12);
  });

  it('rejects malformed model files with a clear BAD_INPUT error', async () => {
    const { m } = await fitted();
    const good = (): GbmModelJson => JSON.parse(JSON.stringify(m.toJSON())) as GbmModelJson;
    expectBad(null, /not a JSON object/);
    expectBad([1, 2], /not a JSON object/);
    expectBad({ ...good(), format: 'xgboost' }, /format/);
    expectBad({ ...good(), version: 2 }, /version/);
    expectBad({ ...good(), nFeatures: 0 }, /nFeatures/);
    expectBad({ ...good(), baseline: 'x' }, /baseline/);
    expectBad({ ...good(), params: { ...good().params, maxBins: 999 } }, /params.*maxBins/);
    expectBad({ ...good(), trees: {} }, /trees/);
    const j1 = good();
    j1.trees[0].value.pop();
    expectBad(j1, /tree 0: value has/);
    const j2 = good();
    j2.trees[3].feature[0] = 4;
    expectBad(j2, /tree 3 node 0: feature/);
    const j3 = good();
    j3.trees[1].left[0] = 0;
    expectBad(j3, /tree 1 node 0: children/);
    const j4 = good();
    (j4.trees[0].threshold as unknown[])[0] = 'big';
    expectBad(j4, /threshold "big"/);
    const j5 = good();
    const leaf = j5.trees[0].feature.indexOf(-1);
    j5.trees[0].left[leaf] = 1;
    expectBad(j5, /leaf must have/);
    const j6 = good();
    delete (j6.trees[2] as Partial<GbmModelJson['trees'][number]>).gain;
    expectBad(j6, /tree 2 has no gain array/);
  });

  it('refuses data of the wrong width for a loaded model', async () => {
    const { m } = await fitted();
    const back = GbmClassifier.fromJSON(m.toJSON());
    expect(() => back.predict({ x: new Float32Array(6), nRows: 2, nCols: 3 })).toThrow(/expects 4/);
  });
});
