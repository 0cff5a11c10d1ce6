import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeGbmData, generateGbmData } from '../../../bench/reference/gbm-data.mjs';
import { GbmClassifier } from './booster.js';
import type { Dataset } from './dataset.js';

/**
 * Acceptance against scikit-learn: the fixture holds HistGradientBoostingClassifier's result on the
 * data bench/reference/gbm-data.mjs generates (regenerate with bench/reference/gbm-sklearn.py).
 */
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/gbm/sklearn-reference.json', import.meta.url), 'utf8')) as {
  dataset: { sha256: string; nRows: number; nCols: number; nTrain: number; nTest: number };
  params: Record<string, number | boolean>;
  sklearnVersion: string;
  testAccuracy: number;
  testLogLoss: number;
  fitSeconds: number;
};

function rowsOf(d: { x: Float32Array; y: Uint8Array; nCols: number }, rows: number[]): { x: Dataset; y: Uint8Array } {
  const x = new Float32Array(rows.length * d.nCols);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    x.set(d.x.subarray(r * d.nCols, (r + 1) * d.nCols), k * d.nCols);
    y[k] = d.y[r];
  });
  return { x: { x, nRows: rows.length, nCols: d.nCols }, y };
}

describe('comparison with scikit-learn', () => {
  it('matches the data the reference was computed on', () => {
    const data = generateGbmData();
    expect(createHash('sha256').update(encodeGbmData(data)).digest('hex')).toBe(fixture.dataset.sha256);
  });

  it('reaches scikit-learn\'s test accuracy (within 1 point) with the same settings', async () => {
    const data = generateGbmData();
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < data.nRows; i++) (data.isTest[i] ? test : train).push(i);
    expect([train.length, test.length]).toEqual([fixture.dataset.nTrain, fixture.dataset.nTest]);
    const tr = rowsOf(data, train);
    const te = rowsOf(data, test);

    const started = performance.now();
    const model = await new GbmClassifier({
      maxIter: 100, learningRate: 0.1, maxLeafNodes: 31, minSamplesLeaf: 20, l2: 0, maxBins: 255, earlyStopping: false,
    }).fit(tr.x, tr.y);
    const seconds = (performance.now() - started) / 1000;

    const p = model.predictProba(te.x);
    let correct = 0;
    let loss = 0;
    for (let i = 0; i < p.length; i++) {
      correct += (p[i] > 0.5 ? 1 : 0) === te.y[i] ? 1 : 0;
      const q = Math.min(Math.max(p[i], 1e-15), 1 - 1e-15);
      loss -= te.y[i] ? Math.log(q) : Math.log(1 - q);
    }
    const accuracy = correct / p.length;
    loss /= p.length;
    console.log(`GBM test accuracy ${accuracy.toFixed(4)} (scikit-learn ${fixture.sklearnVersion}: ${fixture.testAccuracy.toFixed(4)}), `
      + `log loss ${loss.toFixed(4)} (${fixture.testLogLoss.toFixed(4)}), fit ${seconds.toFixed(2)} s (${fixture.fitSeconds.toFixed(2)} s)`);
    expect(model.nIter).toBe(100);
    expect(accuracy).toBeGreaterThanOrEqual(fixture.testAccuracy - 0.01);
    expect(loss).toBeLessThanOrEqual(fixture.testLogLoss + 0.02);
  }, 180_000); // a few seconds normally; the margin is for a machine shared with other heavy jobs
});
