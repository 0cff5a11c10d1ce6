import { describe, expect, it } from 'vitest';
import { baselineLogOdds, logisticGradients, logLoss, sigmoid } from './loss.js';

describe('logistic loss', () => {
  it('gradients and hessians match finite differences of the loss', () => {
    const raws = [-30, -4.2, -1, -0.1, 0, 0.3, 2.5, 7, 30];
    for (const r of raws) {
      for (const label of [0, 1]) {
        const y = new Uint8Array([label]);
        const gh = new Float32Array(2);
        logisticGradients(new Float64Array([r]), y, gh);
        const h = 1e-4;
        const loss = (v: number): number => logLoss(new Float64Array([v]), y);
        const g = (loss(r + h) - loss(r - h)) / (2 * h);
        const second = (loss(r + h) - 2 * loss(r) + loss(r - h)) / (h * h);
        expect(gh[0]).toBeCloseTo(g, 5);
        expect(gh[1]).toBeCloseTo(second, 3);
        expect(gh[1]).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('is finite and exact at extreme scores', () => {
    expect(logLoss(new Float64Array([1000]), new Uint8Array([0]))).toBeCloseTo(1000, 9);
    expect(logLoss(new Float64Array([-1000]), new Uint8Array([1]))).toBeCloseTo(1000, 9);
    expect(logLoss(new Float64Array([1000]), new Uint8Array([1]))).toBe(0);
    expect(logLoss(new Float64Array([0, 0]), new Uint8Array([0, 1]))).toBeCloseTo(Math.LN2, 12);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });

  it('starts from the log-odds of the positive share', () => {
    expect(baselineLogOdds(new Uint8Array([1, 0, 0, 0]))).toBeCloseTo(Math.log(1 / 3), 12);
    expect(baselineLogOdds(new Uint8Array([1, 1, 0, 0]))).toBe(0);
    // The baseline minimises the loss of a constant score.
    const y = new Uint8Array([1, 1, 1, 0, 0, 1, 0]);
    const b = baselineLogOdds(y);
    const at = (v: number): number => logLoss(new Float64Array(y.length).fill(v), y);
    expect(at(b)).toBeLessThan(at(b + 0.01));
    expect(at(b)).toBeLessThan(at(b - 0.01));
  });
});
