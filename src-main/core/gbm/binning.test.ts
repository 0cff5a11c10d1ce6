import { describe, expect, it } from 'vitest';
import { EDGE_STRIDE, featureBinEdges, fitBinEdgesBlock, mapBinsBlock, MISSING_BIN } from './binning.js';
import { identity } from './rng.js';

/** Fits and maps one column; returns its edges and codes. */
function binColumn(values: number[], maxBins = 255): { edges: number[]; codes: number[]; hasMissing: number } {
  const n = values.length;
  const x = Float32Array.from(values);
  const edges = new Float64Array(EDGE_STRIDE);
  const nEdges = new Int32Array(1);
  fitBinEdgesBlock(x, 1, identity(n), 0, 1, maxBins, new Float64Array(n), edges, EDGE_STRIDE, nEdges);
  const codes = new Uint8Array(n);
  const hasMissing = new Uint8Array(1);
  mapBinsBlock(x, 1, null, n, 0, 1, edges, EDGE_STRIDE, nEdges, codes, hasMissing);
  return { edges: Array.from(edges.subarray(0, nEdges[0])), codes: Array.from(codes), hasMissing: hasMissing[0] };
}

describe('binning', () => {
  it('gives a constant column a single bin', () => {
    const r = binColumn(new Array(50).fill(3.25));
    expect(r.edges).toEqual([]);
    expect(new Set(r.codes)).toEqual(new Set([0]));
    expect(r.hasMissing).toBe(0);
  });

  it('gives each of a few distinct values its own bin, split at midpoints', () => {
    const r = binColumn([5, 1, 3, 3, 1, 5, 5, 9]);
    expect(r.edges).toEqual([2, 4, 7]);
    expect(r.codes).toEqual([2, 0, 1, 1, 0, 2, 2, 3]);
  });

  it('puts ties in one bin and keeps edges strictly increasing under heavy ties', () => {
    const values: number[] = [];
    for (let i = 0; i < 1000; i++) values.push(i < 700 ? 0 : i % 300);
    const r = binColumn(values, 16);
    for (let i = 1; i < r.edges.length; i++) expect(r.edges[i]).toBeGreaterThan(r.edges[i - 1]);
    expect(r.edges.length).toBeLessThanOrEqual(15);
    const zeroCodes = new Set(values.map((v, i) => (v === 0 ? r.codes[i] : -1)).filter((c) => c >= 0));
    expect(zeroCodes.size).toBe(1);
  });

  it('makes codes agree with "value <= edge" for every value', () => {
    const values: number[] = [];
    let s = 12345;
    for (let i = 0; i < 3000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      values.push(Math.fround(((s >>> 8) / 65536) * 10 - 30));
    }
    const r = binColumn(values, 32);
    expect(r.edges.length).toBeGreaterThan(20);
    expect(r.edges.length).toBeLessThanOrEqual(31);
    values.forEach((v, i) => {
      const c = r.codes[i];
      if (c > 0) expect(v).toBeGreaterThan(r.edges[c - 1]);
      if (c < r.edges.length) expect(v).toBeLessThanOrEqual(r.edges[c]);
    });
    // Quantile bins hold similar numbers of rows.
    const counts = new Array(r.edges.length + 1).fill(0);
    for (const c of r.codes) counts[c]++;
    expect(Math.max(...counts)).toBeLessThan(3 * (3000 / counts.length));
  });

  it('maps NaN to the missing bin and flags the feature', () => {
    const r = binColumn([1, NaN, 2, 3, NaN]);
    expect(r.codes[1]).toBe(MISSING_BIN);
    expect(r.codes[4]).toBe(MISSING_BIN);
    expect(r.codes[0]).toBe(0);
    expect(r.edges).toEqual([1.5, 2.5]);
    expect(r.hasMissing).toBe(1);
    expect(binColumn([NaN, NaN]).edges).toEqual([]);
  });

  it('handles infinities without NaN edges', () => {
    const r = binColumn([-Infinity, 0, Infinity, 1]);
    expect(r.edges.every((e) => !Number.isNaN(e))).toBe(true);
    expect(r.codes).toEqual([0, 1, 3, 2]);
  });

  it('uses numpy midpoint percentiles when values outnumber bins', () => {
    const values = Float64Array.from({ length: 9 }, (_, i) => i * i);
    const out = new Float64Array(8);
    const ne = featureBinEdges(values, 9, 4, out, 0);
    // Quartile positions 2, 4, 6 of 0,1,4,...,64 fall on exact elements.
    expect(Array.from(out.subarray(0, ne))).toEqual([4, 16, 36]);
  });
});
