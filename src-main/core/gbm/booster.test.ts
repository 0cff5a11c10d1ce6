import { describe, expect, it } from 'vitest';
import { GbmClassifier, shouldStop } from './booster.js';
import type { Dataset } from './dataset.js';
import { Rng } from './rng.js';

/** n rows of nCols uniform features; the label is given by `label(row)` with `noise` flipped. */
function makeData(n: number, nCols: number, seed: number, label: (r: Float32Array) => number, noise = 0): { d: Dataset; y: Uint8Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * nCols);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * nCols, (i + 1) * nCols);
    for (let c = 0; c < nCols; c++) row[c] = rng.nextFloat() * 2 - 1;
    y[i] = label(row);
    if (rng.nextFloat() < noise) y[i] = 1 - y[i];
  }
  return { d: { x, nRows: n, nCols }, y };
}

function accuracy(pred: Uint8Array, y: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) ok += pred[i] === y[i] ? 1 : 0;
  return ok / y.length;
}

const xor = (r: Float32Array): number => ((r[0] > 0) !== (r[1] > 0) ? 1 : 0);

describe('GbmClassifier', () => {
  it('learns a separable problem perfectly', async () => {
    // Fewer distinct values than bins, so that a bin edge falls exactly on the class boundary:
    // quantile bins of continuous values may straddle it (scikit-learn's as well).
    const separable = (r: Float32Array): number => {
      r[2] = Math.round(r[2] * 50) / 50;
      return r[2] > 0.1 ? 1 : 0;
    };
    const { d, y } = makeData(600, 5, 1, separable);
    const m = await new GbmClassifier({ maxIter: 30, threads: 1 }).fit(d, y);
    expect(accuracy(m.predict(d), y)).toBe(1);
    const test = makeData(400, 5, 2, separable);
    expect(accuracy(m.predict(test.d), test.y)).toBe(1);
  });

  it('learns an interaction (XOR) that no single split shows', async () => {
    const train = makeData(2000, 6, 3, xor);
    const test = makeData(1000, 6, 4, xor);
    const m = await new GbmClassifier({ maxIter: 60, threads: 1 }).fit(train.d, train.y);
    expect(accuracy(m.predict(test.d), test.y)).toBeGreaterThan(0.97);
    expect(m.nIter).toBe(60);
  });

  it('ranks informative features above noise', async () => {
    const { d, y } = makeData(1500, 8, 5, (r) => (r[3] + 0.5 * r[6] > 0 ? 1 : 0), 0.1);
    const m = await new GbmClassifier({ maxIter: 40, threads: 1 }).fit(d, y);
    for (const kind of ['gain', 'split'] as const) {
      const imp = m.featureImportance(kind);
      const noise = [0, 1, 2, 4, 5, 7].map((f) => imp[f]);
      expect(imp[3]).toBeGreaterThan(Math.max(...noise));
      if (kind === 'gain') expect(imp[6]).toBeGreaterThan(Math.max(...noise));
    }
  });

  it('stops early when the held-out loss stops improving', async () => {
    // Pure noise labels: the validation loss can only get worse after the first rounds.
    const { d, y } = makeData(2000, 5, 6, () => 0, 0.5);
    const losses: number[] = [];
    const m = await new GbmClassifier({ maxIter: 200, earlyStopping: true, nIterNoChange: 5, threads: 1 }).fit(d, y, {
      onIteration: (_it, _train, valid) => {
        losses.push(valid!);
      },
    });
    expect(m.nIter).toBeLessThan(40);
    expect(losses).toHaveLength(m.nIter);
    expect(losses.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('uses an explicit validation set, and stops when the callback says so', async () => {
    const train = makeData(1000, 4, 7, xor, 0.05);
    const valid = makeData(300, 4, 8, xor, 0.05);
    const seen: Array<[number, number, number | undefined]> = [];
    const m = await new GbmClassifier({ maxIter: 50, threads: 1 }).fit(train.d, train.y, {
      valid: { x: valid.d, y: valid.y },
      onIteration: (it, tl, vl) => {
        seen.push([it, tl, vl]);
        return it === 12 ? 'stop' : undefined;
      },
    });
    expect(m.nIter).toBe(12);
    expect(seen.map((s) => s[0])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Training loss falls monotonically under boosting with a small learning rate.
    for (let i = 1; i < seen.length; i++) expect(seen[i][1]).toBeLessThan(seen[i - 1][1]);
    // The validation loss reported during training is that of the raw-threshold predictions.
    const p = m.predictProba(valid.d);
    let ll = 0;
    for (let i = 0; i < p.length; i++) ll -= valid.y[i] ? Math.log(p[i]) : Math.log(1 - p[i]);
    expect(seen[11][2]).toBeCloseTo(ll / p.length, 10);
  });

  it('is reproducible for a seed, and subsampling columns changes the model', async () => {
    const { d, y } = makeData(800, 10, 9, xor, 0.1);
    const a = await new GbmClassifier({ maxIter: 10, colsample: 0.5, seed: 3, threads: 1 }).fit(d, y);
    const b = await new GbmClassifier({ maxIter: 10, colsample: 0.5, seed: 3, threads: 1 }).fit(d, y);
    const c = await new GbmClassifier({ maxIter: 10, colsample: 0.5, seed: 4, threads: 1 }).fit(d, y);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(c.toJSON()));
    // Each tree of a colsample=0.5 model splits on at most half of the 10 features.
    for (const t of a.toJSON().trees) expect(new Set(t.feature.filter((f) => f >= 0)).size).toBeLessThanOrEqual(5);
  });

  it('gives the same model with worker threads as without', async () => {
    const { d, y } = makeData(3000, 64, 10, (r) => (r[5] * r[9] > 0 ? 1 : 0), 0.1);
    for (let i = 0; i < 3000; i += 17) d.x[i * 64 + 9] = NaN;
    const one = await new GbmClassifier({ maxIter: 8, threads: 1 }).fit(d, y);
    const two = await new GbmClassifier({ maxIter: 8, threads: 3 }, { minParallelCells: 0, minParallelWork: 0 }).fit(d, y);
    expect(JSON.stringify(two.toJSON())).toBe(JSON.stringify(one.toJSON()));
  });

  it('gives the same trees when histograms must be evicted and rebuilt', async () => {
    const { d, y } = makeData(2000, 12, 11, (r) => (r[0] + r[1] * r[2] > 0 ? 1 : 0), 0.1);
    const full = await new GbmClassifier({ maxIter: 5, threads: 1 }).fit(d, y);
    const tight = await new GbmClassifier({ maxIter: 5, threads: 1 }, { histogramBudgetBytes: 1 }).fit(d, y);
    const a = full.toJSON().trees;
    const b = tight.toJSON().trees;
    expect(b.map((t) => t.feature)).toEqual(a.map((t) => t.feature));
    expect(b.map((t) => t.threshold)).toEqual(a.map((t) => t.threshold));
    b.forEach((t, i) => t.value.forEach((v, j) => expect(v).toBeCloseTo(a[i].value[j], 9)));
  });

  it('gives the same trees when small nodes keep no histogram and their children are built from rows', async () => {
    const { d, y } = makeData(3000, 12, 13, (r) => (r[0] + r[1] * r[2] > 0 ? 1 : 0), 0.1);
    for (let i = 0; i < 3000; i += 13) d.x[i * 12 + 1] = NaN;
    const kept = await new GbmClassifier({ maxIter: 5, threads: 1 }, { minHistogramRows: 0 }).fit(d, y);
    // No node keeps a histogram, the root included: every node is built from its rows in scratch.
    const none = await new GbmClassifier({ maxIter: 5, threads: 1 }, { minHistogramRows: 1e9 }).fit(d, y);
    const threads = await new GbmClassifier({ maxIter: 5, threads: 2 }, { minHistogramRows: 400, minParallelCells: 0, minParallelWork: 0 }).fit(d, y);
    const a = kept.toJSON().trees;
    for (const other of [none, threads]) {
      const b = other.toJSON().trees;
      expect(b.map((t) => t.feature)).toEqual(a.map((t) => t.feature));
      expect(b.map((t) => t.threshold)).toEqual(a.map((t) => t.threshold));
      b.forEach((t, i) => t.value.forEach((v, j) => expect(v).toBeCloseTo(a[i].value[j], 9)));
    }
  });

  it('honours maxDepth, maxLeafNodes and minSamplesLeaf', async () => {
    const { d, y } = makeData(1000, 4, 12, xor, 0.2);
    const m = await new GbmClassifier({ maxIter: 5, maxDepth: 2, minSamplesLeaf: 40, threads: 1 }).fit(d, y);
    for (const t of m.toJSON().trees) {
      const depth = new Array(t.feature.length).fill(0);
      t.feature.forEach((f, i) => {
        if (f >= 0) depth[t.left[i]] = depth[t.right[i]] = depth[i] + 1;
        else expect(t.count[i]).toBeGreaterThanOrEqual(40);
      });
      expect(Math.max(...depth)).toBeLessThanOrEqual(2);
    }
    const few = await new GbmClassifier({ maxIter: 3, maxLeafNodes: 3, threads: 1 }).fit(d, y);
    for (const t of few.toJSON().trees) expect(t.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(3);
  });

  it('rejects bad parameters and data with SonoError BAD_INPUT', async () => {
    expect(() => new GbmClassifier({ maxBins: 256 })).toThrow(/maxBins/);
    expect(() => new GbmClassifier({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new GbmClassifier({ colsample: 1.5 })).toThrow(/colsample/);
    const { d } = makeData(10, 2, 1, () => 0);
    await expect(new GbmClassifier().fit(d, new Uint8Array(10))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(new GbmClassifier().fit(d, new Uint8Array(9))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(new GbmClassifier().fit({ ...d, nCols: 3 }, new Uint8Array(10))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(() => new GbmClassifier().predict(d)).toThrow(/not fitted/);
  });
});

describe('shouldStop', () => {
  it('follows scikit-learn: no improvement beyond tol within the last n rounds', () => {
    expect(shouldStop([1, 0.9, 0.8], 2, 0)).toBe(false);
    expect(shouldStop([1, 0.9, 0.95, 0.91], 2, 0)).toBe(true);
    expect(shouldStop([1, 0.9, 0.95, 0.89], 2, 0)).toBe(false);
    expect(shouldStop([1, 0.9, 0.95, 0.89], 2, 0.02)).toBe(true);
    expect(shouldStop([1, 1], 2, 0)).toBe(false);
  });
});
