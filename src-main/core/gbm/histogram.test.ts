import { describe, expect, it } from 'vitest';
import { buildHistogramAll, buildHistogramIndexed, FEATURE_STRIDE, MISSING_OFFSET, subtractHistogram } from './histogram.js';
import { Rng } from './rng.js';

const N = 500;
const F = 3;
const NB = [255, 7, 2];

function fixture(): { binned: Uint8Array; gh: Float32Array } {
  const rng = new Rng(7);
  const binned = new Uint8Array(F * N);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < N; i++) binned[f * N + i] = rng.nextFloat() < 0.05 ? 255 : rng.nextInt(NB[f]);
  }
  const gh = new Float32Array(2 * N);
  for (let i = 0; i < N; i++) {
    gh[2 * i] = rng.nextFloat() * 2 - 1;
    gh[2 * i + 1] = rng.nextFloat() * 0.25;
  }
  return { binned, gh };
}

function gatherOrd(gh: Float32Array, rows: Int32Array): Float32Array {
  const ord = new Float32Array(2 * rows.length);
  rows.forEach((r, i) => {
    ord[2 * i] = gh[2 * r];
    ord[2 * i + 1] = gh[2 * r + 1];
  });
  return ord;
}

describe('histograms', () => {
  it('sum gradients, hessians and counts per bin, missing values in bin 255', () => {
    const { binned, gh } = fixture();
    const hist = new Float64Array(F * FEATURE_STRIDE).fill(99);
    for (let f = 0; f < F; f++) buildHistogramAll(hist, f * FEATURE_STRIDE, NB[f], binned, f * N, N, gh);
    for (let f = 0; f < F; f++) {
      const want = new Float64Array(FEATURE_STRIDE);
      for (let i = 0; i < N; i++) {
        const b = binned[f * N + i] * 3;
        want[b] += gh[2 * i];
        want[b + 1] += gh[2 * i + 1];
        want[b + 2] += 1;
      }
      for (let b = 0; b < NB[f]; b++) {
        for (let k = 0; k < 3; k++) expect(hist[f * FEATURE_STRIDE + 3 * b + k]).toBeCloseTo(want[3 * b + k], 9);
      }
      for (let k = 0; k < 3; k++) expect(hist[f * FEATURE_STRIDE + MISSING_OFFSET + k]).toBeCloseTo(want[MISSING_OFFSET + k], 9);
    }
  });

  it('subtraction trick: parent minus one child equals the other child built directly', () => {
    const { binned, gh } = fixture();
    const rng = new Rng(3);
    const left: number[] = [];
    const right: number[] = [];
    for (let i = 0; i < N; i++) (rng.nextFloat() < 0.3 ? left : right).push(i);
    const idx = Int32Array.from([...left, ...right]);
    const ord = gatherOrd(gh, idx);
    const slot = F * FEATURE_STRIDE;
    const hist = new Float64Array(3 * slot);
    for (let f = 0; f < F; f++) {
      const o = f * FEATURE_STRIDE;
      buildHistogramIndexed(hist, o, NB[f], binned, f * N, idx, 0, N, ord, 0); // parent, slot 0
      buildHistogramIndexed(hist, slot + o, NB[f], binned, f * N, idx, 0, left.length, ord, 0); // left, slot 1
      buildHistogramIndexed(hist, 2 * slot + o, NB[f], binned, f * N, idx, left.length, N, ord, 2 * left.length); // right, slot 2
      subtractHistogram(hist, o, slot + o, NB[f]); // parent becomes right by subtraction
      const check = (b: number): void => {
        expect(hist[o + b + 2]).toBe(hist[2 * slot + o + b + 2]);
        expect(hist[o + b]).toBeCloseTo(hist[2 * slot + o + b], 9);
        expect(hist[o + b + 1]).toBeCloseTo(hist[2 * slot + o + b + 1], 9);
      };
      for (let b = 0; b < NB[f]; b++) check(3 * b);
      check(MISSING_OFFSET);
    }
  });

  it('builds only from the given row range and clears earlier contents', () => {
    const binned = Uint8Array.from([0, 1, 1, 2, 0]);
    const gh = Float32Array.from([1, 0.5, 2, 0.5, 4, 0.5, 8, 0.5, 16, 0.5]);
    const idx = Int32Array.from([4, 2, 0, 1, 3]);
    const ord = gatherOrd(gh, idx);
    const hist = new Float64Array(FEATURE_STRIDE).fill(-1);
    buildHistogramIndexed(hist, 0, 3, binned, 0, idx, 1, 4, ord, 2);
    // Rows 2, 0, 1: bin 0 <- row 0 (g 1), bin 1 <- rows 1, 2 (g 2 + 4).
    expect(Array.from(hist.subarray(0, 9))).toEqual([1, 0.5, 1, 6, 1, 2, 0, 0, 0]);
    expect(Array.from(hist.subarray(MISSING_OFFSET))).toEqual([0, 0, 0]);
  });
});
