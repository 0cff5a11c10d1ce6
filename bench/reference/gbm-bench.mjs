#!/usr/bin/env node
// Fit-time benchmark of the TypeScript GBM on a gbm-data.mjs file, for comparison with
// gbm-sklearn.py on the same file (not a test: timings depend on the machine and its load).
//
//   npm run build
//   node bench/reference/gbm-data.mjs /tmp/gbm-wide.bin 10000 4096
//   node bench/reference/gbm-bench.mjs /tmp/gbm-wide.bin --threads 2
//   OMP_NUM_THREADS=2 /usr/bin/python3 bench/reference/gbm-sklearn.py /tmp/gbm-wide.bin /tmp/sk.json --repeats 1
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
if (!file) {
  console.error('usage: node bench/reference/gbm-bench.mjs DATA.bin [--threads N] [--module path/to/gbm/index.js]');
  process.exit(2);
}
const modulePath = resolve(opt('module', new URL('../../dist/src-main/core/gbm/index.js', import.meta.url).pathname));
const { GbmClassifier } = await import(pathToFileURL(modulePath).href);

const raw = readFileSync(file);
if (raw.toString('latin1', 0, 8) !== 'SGBMDATA') throw new Error(`${file} is not a gbm-data file`);
const nRows = raw.readUInt32LE(12);
const nCols = raw.readUInt32LE(16);
const x = new Float32Array(raw.buffer.slice(raw.byteOffset + 20, raw.byteOffset + 20 + 4 * nRows * nCols));
const y = raw.subarray(20 + 4 * nRows * nCols, 20 + 4 * nRows * nCols + nRows);
const isTest = raw.subarray(20 + 4 * nRows * nCols + nRows);

function part(test) {
  const rows = [];
  for (let i = 0; i < nRows; i++) if ((isTest[i] === 1) === test) rows.push(i);
  const px = new Float32Array(rows.length * nCols);
  const py = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    px.set(x.subarray(r * nCols, (r + 1) * nCols), k * nCols);
    py[k] = y[r];
  });
  return { d: { x: px, nRows: rows.length, nCols }, y: py };
}
const train = part(false);
const test = part(true);
const threads = Number(opt('threads', '2'));
const model = new GbmClassifier({
  maxIter: 100, learningRate: 0.1, maxLeafNodes: 31, minSamplesLeaf: 20, l2: 0, maxBins: 255, earlyStopping: false, threads,
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await model.fit(train.d, train.y);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const pred = model.predict(test.d);
let ok = 0;
for (let i = 0; i < pred.length; i++) ok += pred[i] === test.y[i] ? 1 : 0;
console.log(JSON.stringify({
  nTrain: train.d.nRows, nCols, threads, fitSeconds: seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
  testAccuracy: ok / pred.length, nIter: model.nIter,
}));
