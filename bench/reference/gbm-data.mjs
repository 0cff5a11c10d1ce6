#!/usr/bin/env node
// Seeded synthetic binary-classification data shared by the TypeScript GBM tests and the scikit-learn
// reference script (gbm-sklearn.py), which reads the binary file this writes.
//
// Only IEEE-754 basic arithmetic is used (normals are sums of 12 uniforms, the nonlinearity is a
// triangle wave, not Math.sin), so the bytes are identical on every JavaScript engine and version;
// the reference fixture records their SHA-256 and the tests check it.
//
// Usage: node bench/reference/gbm-data.mjs OUT.bin [nRows nCols seed]
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULTS = { nRows: 4000, nCols: 200, seed: 20240611, testFraction: 0.5, labelNoise: 0.1 };

/** 32-bit xorshift-multiply generator (mulberry32): uniform in [0, 1) with exact k / 2^32 values. */
function uniformSource(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Approximately standard normal: Irwin-Hall sum of 12 uniforms, minus 6. */
function normalSource(uniform) {
  return () => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += uniform();
    return s - 6;
  };
}

/** Period-2 triangle wave in [-1, 1]. */
function triangle(v) {
  const t = v / 2 - Math.floor(v / 2);
  return 4 * Math.abs(t - 0.5) - 1;
}

/**
 * Returns { nRows, nCols, x (Float32Array, row-major), y (Uint8Array), isTest (Uint8Array) }.
 * Columns: 0-7 informative (rescaled, column 2 with 5 % missing), 8-17 redundant linear mixtures of
 * them, 18 a coarse 9-level version of column 0, 19 a binary flag, 20-21 noise with 10 % missing,
 * the rest Gaussian or heavy-tailed noise. Labels follow a nonlinear score with `labelNoise` flipped.
 */
export function generateGbmData(options = {}) {
  const { nRows, nCols, seed, testFraction, labelNoise } = { ...DEFAULTS, ...options };
  if (nCols < 22) throw new Error('gbm-data needs at least 22 columns');
  const uniform = uniformSource(seed);
  const normal = normalSource(uniform);
  const nInf = 8;
  const scale = [];
  const shift = [];
  for (let k = 0; k < nInf; k++) {
    scale.push(0.1 + 10 * uniform());
    shift.push(10 * uniform() - 5);
  }
  const mix = [];
  for (let r = 0; r < 10; r++) {
    const w = [];
    for (let k = 0; k < nInf; k++) w.push(2 * uniform() - 1);
    mix.push(w);
  }
  const x = new Float32Array(nRows * nCols);
  const y = new Uint8Array(nRows);
  const isTest = new Uint8Array(nRows);
  const z = new Float64Array(nInf);
  for (let i = 0; i < nRows; i++) {
    for (let k = 0; k < nInf; k++) z[k] = normal();
    const score = 1.2 * z[0] - 0.9 * z[1] + 0.7 * z[2] + 1.5 * z[3] * z[4]
      + 1.2 * triangle(2 * z[5]) + 0.8 * (z[6] * z[6] - 1) + (z[7] > 0.5 ? 1 : -0.3);
    let label = score > 0 ? 1 : 0;
    if (uniform() < labelNoise) label = 1 - label;
    y[i] = label;
    isTest[i] = uniform() < testFraction ? 1 : 0;
    const row = i * nCols;
    for (let k = 0; k < nInf; k++) x[row + k] = z[k] * scale[k] + shift[k];
    if (uniform() < 0.05) x[row + 2] = NaN;
    for (let r = 0; r < 10; r++) {
      let v = 0.1 * normal();
      for (let k = 0; k < nInf; k++) v += mix[r][k] * z[k];
      x[row + 8 + r] = v;
    }
    x[row + 18] = Math.max(-4, Math.min(4, Math.round(2 * z[0])));
    x[row + 19] = z[7] > 0 ? 1 : 0;
    for (let c = 20; c < nCols; c++) {
      const u = uniform();
      x[row + c] = c % 3 === 0 ? (u < 0.5 ? -1 : 1) * (1 / (1 - u * 0.999) - 1) : normal();
      if (c < 22 && uniform() < 0.1) x[row + c] = NaN;
    }
  }
  return { nRows, nCols, x, y, isTest };
}

/**
 * Binary layout, little-endian: "SGBMDATA", uint32 version (1), uint32 nRows, uint32 nCols, then
 * x as float32 row-major, y as uint8, isTest as uint8.
 */
export function encodeGbmData(d) {
  const header = 20;
  const out = new Uint8Array(header + d.x.length * 4 + 2 * d.nRows);
  out.set(new TextEncoder().encode('SGBMDATA'), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, d.nRows, true);
  view.setUint32(16, d.nCols, true);
  for (let i = 0; i < d.x.length; i++) view.setFloat32(header + 4 * i, d.x[i], true);
  out.set(d.y, header + d.x.length * 4);
  out.set(d.isTest, header + d.x.length * 4 + d.nRows);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [out, nRows, nCols, seed] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node bench/reference/gbm-data.mjs OUT.bin [nRows nCols seed]');
    process.exit(2);
  }
  const opts = {};
  if (nRows) opts.nRows = Number(nRows);
  if (nCols) opts.nCols = Number(nCols);
  if (seed) opts.seed = Number(seed);
  const d = generateGbmData(opts);
  writeFileSync(out, encodeGbmData(d));
  console.log(`wrote ${out}: ${d.nRows} x ${d.nCols}`);
}
