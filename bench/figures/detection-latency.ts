import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackbone } from '../../src-main/core/backbones/locate.js';
import { readGrayPng } from '../../src-main/core/backbones/test-fixtures.js';
import { DEFAULT_DETECT_PARAMS, detectBox } from '../../src-main/core/detect/detector.js';
import { HaarScorer } from '../../src-main/core/detect/haar-scorer.js';
import { bestDice } from '../../src-main/core/detect/samples.js';
import type { GrayImage, WindowScorer } from '../../src-main/core/detect/window-scorer.js';
import { learnWindowShapes, slidingWindows, snapWindow, DEFAULT_WINDOW_PARAMS } from '../../src-main/core/detect/windows.js';
import { CnnWindowScorer } from '../../src-main/core/features/cnn-window-scorer.js';
import { FusionScorer } from '../../src-main/core/features/fusion.js';
import { HAAR_KIND_CELLS, haarFeatureSet } from '../../src-main/core/features/haar.js';
import { GbmClassifier } from '../../src-main/core/gbm/index.js';
import type { Box } from '../../src-main/core/metrics/index.js';
import type { BenchFigure } from '../figure.js';
import { alternate, msNow, msSince } from './alternate.js';
import type { PythonPeer } from './python-peer.js';
import { hc18Boxes, modelLocate } from './shared-data.js';

/** Signs of a feature's cells, row by row, as haar.ts combines them. */
const SIGNS = { 'edge-h': [1, -1], 'edge-v': [1, -1], 'line-h': [1, -1, 1], 'line-v': [1, -1, 1], quad: [1, -1, -1, 1] } as const;

/** A copy with a new identity: scorers cache per-image work by object, so each round starts cold. */
const fresh = (img: GrayImage): GrayImage => ({ width: img.width, height: img.height, data: img.data });

/** Training rows from one image: every candidate with Dice >= 0.6 as positive, the truth and shifts of it, and spread-out negatives. */
function trainingWindows(candidates: readonly Box[], truth: Box, width: number, height: number, negatives: number): { windows: Box[]; labels: Uint8Array } {
  const pos: Box[] = [];
  const neg: Box[] = [];
  for (const c of candidates) (bestDice(c, [truth]) >= 0.6 ? pos : bestDice(c, [truth]) < 0.4 ? neg : []).push(c);
  for (const d of [-0.04, -0.02, 0, 0.02, 0.04]) pos.push(snapWindow({ x: truth.x + d * truth.w, y: truth.y - d * truth.h, w: truth.w * (1 + d), h: truth.h * (1 - d) }, width, height));
  const step = Math.max(1, Math.floor(neg.length / negatives));
  const chosen = neg.filter((_, i) => i % step === 0).slice(0, negatives);
  const windows = [...pos, ...chosen];
  const labels = new Uint8Array(windows.length);
  labels.fill(1, 0, pos.length);
  return { windows, labels };
}

export interface DetectionResult {
  figures: BenchFigure[];
}

/**
 * Figure 5 (and the tensor half of figure 6): one whole 800x540 HC18 image, every candidate window at
 * every learned scale and aspect, scored by a GBM per method, merged and refined (detectBox), against
 * peer_detect.py's PyTorch version of the same algorithm with a scikit-learn classifier trained on the
 * same rows. Per-image state (integral images, feature maps) is rebuilt in every timed round.
 */
export async function detectionLatency(threads: number, peer: PythonPeer | null, quick: boolean): Promise<DetectionResult> {
  const rounds = quick ? 2 : 3;
  const all = await hc18Boxes();
  const samples = all.slice(0, 2);
  const [testImg, trainImg] = await Promise.all(samples.map((s) => readGrayPng(s.file)));
  const shapes = learnWindowShapes(all.map((s) => ({ ...s.box, imageWidth: testImg.width, imageHeight: testImg.height })), DEFAULT_WINDOW_PARAMS);
  const candidates = slidingWindows(testImg.width, testImg.height, shapes, DEFAULT_WINDOW_PARAMS.stride);
  const trainCands = slidingWindows(trainImg.width, trainImg.height, shapes, DEFAULT_WINDOW_PARAMS.stride);
  const train = trainingWindows(trainCands, samples[1].box, trainImg.width, trainImg.height, quick ? 150 : 300);
  const gbmParams = { maxIter: quick ? 20 : 100, learningRate: 0.1, maxLeafNodes: 15, minSamplesLeaf: 10, l2: 1, maxBins: 64, earlyStopping: false as const };

  const haar = new HaarScorer();
  // The scorer is given the model (rather than loading its own) so its weights can be sent to the peer.
  const cnnModel = await loadBackbone('mobilenet_v2_0.35_224', modelLocate());
  const cnn = await CnnWindowScorer.create('mobilenet_v2_0.35_224', { threads, model: cnnModel });
  let featureDiff: Record<string, number> = {};
  const fusion = new FusionScorer([haar, cnn]);
  const methods: Array<{ name: string; scorer: WindowScorer }> = [
    { name: 'haar', scorer: haar },
    { name: 'na', scorer: cnn },
    { name: 'fusion', scorer: fusion },
  ];
  const work = mkdtempSync(join(tmpdir(), 'sonotl-bench-detect-'));
  const figures: BenchFigure[] = [];
  try {
    const models = new Map<string, GbmClassifier>();
    const trainX: Record<string, string> = {};
    for (const m of methods) {
      const x = await m.scorer.features(trainImg, train.windows);
      const gbm = new GbmClassifier({ ...gbmParams, threads });
      await gbm.fit({ x, nRows: train.windows.length, nCols: m.scorer.featureDim }, train.labels);
      models.set(m.name, gbm);
      trainX[m.name] = join(work, `train-${m.name}.f32`);
      writeFileSync(trainX[m.name], new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    }
    const hasPeer = (peer?.has('torch') && peer.has('torchvision') && peer.has('sklearn')) ?? false;
    if (hasPeer) {
      writeFileSync(join(work, 'train-y.u8'), train.labels);
      writeFileSync(join(work, 'image.u8'), testImg.data);
      writeFileSync(join(work, 'candidates.json'), JSON.stringify(candidates.map((b) => [b.x, b.y, b.w, b.h])));
      writeFileSync(join(work, 'haar.json'), JSON.stringify(haarFeatureSet().map((f) => ({ ...f, cells: HAAR_KIND_CELLS[f.kind], signs: SIGNS[f.kind] }))));
      // The backbone's weights layer by layer (a model's own list puts all trainable weights first), for
      // the torch copy of the same network.
      const weights = cnnModel.layers.flatMap((l) => l.getWeights());
      const flat = new Float32Array(weights.reduce((n, w) => n + w.size, 0));
      let off = 0;
      for (const w of weights) {
        flat.set(w.dataSync() as Float32Array, off);
        off += w.size;
      }
      writeFileSync(join(work, 'weights.f32'), new Uint8Array(flat.buffer));
      const checkWindows = candidates.filter((_, i) => i % 97 === 0);
      const checkFeatures: Record<string, string> = {};
      for (const m of methods) {
        const x = await m.scorer.features(fresh(testImg), checkWindows);
        checkFeatures[m.name] = join(work, `check-${m.name}.f32`);
        writeFileSync(checkFeatures[m.name], new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
        m.scorer.release?.();
      }
      const setup = await peer!.request<{ maxRelDiff: Record<string, number> }>('detect_setup', {
        weights: join(work, 'weights.f32'), weightShapes: weights.map((w) => w.shape),
        checkWindows: checkWindows.map((b) => [b.x, b.y, b.w, b.h]), checkFeatures,
        spec: join(work, 'haar.json'), image: join(work, 'image.u8'), width: testImg.width, height: testImg.height,
        trainX, trainY: join(work, 'train-y.u8'), candidates: join(work, 'candidates.json'),
        gbm: { max_iter: gbmParams.maxIter, learning_rate: 0.1, max_leaf_nodes: 15, min_samples_leaf: 10, l2_regularization: 1, max_bins: 64, early_stopping: false },
      });
      featureDiff = setup.maxRelDiff;
    }
    const { topK, mergeIou, refineParams } = DEFAULT_DETECT_PARAMS;
    const peerParams = { topK, mergeIou, ...refineParams };
    const detectOnce = async (name: string, scorer: WindowScorer, image: GrayImage) => {
      const gbm = models.get(name)!;
      const score = async (wins: Box[]) => gbm.predictProba({ x: await scorer.features(image, wins), nRows: wins.length, nCols: scorer.featureDim });
      const d = await detectBox(score, candidates, image, DEFAULT_DETECT_PARAMS);
      scorer.release?.();
      return d;
    };
    for (const m of methods) {
      await detectOnce(m.name, m.scorer, fresh(testImg));
      let peerRun: (() => Promise<number>) | null = null;
      if (hasPeer) {
        await peer!.request('detect_time', { method: m.name, params: peerParams });
        peerRun = async () => (await peer!.request<{ ms: number }>('detect_time', { method: m.name, params: peerParams })).ms;
      }
      const r = await alternate(
        rounds,
        async () => {
          const t = msNow();
          await detectOnce(m.name, m.scorer, fresh(testImg));
          return msSince(t);
        },
        peerRun,
      );
      figures.push({
        name: `detect ${m.name}: 800x540, ${candidates.length} windows + merge + refine, ${threads} thr${m.name in featureDiff ? ` (peer features differ ${featureDiff[m.name].toExponential(0)})` : ''}`,
        unit: 's',
        sonotl: r.sonotlMs / 1000,
        peer: r.peerMs === null ? null : r.peerMs / 1000,
        peerName: r.peerMs === null ? null : `PyTorch ${peer!.version('torch')} + scikit-learn`,
        ratio: r.peerMs === null ? null : r.peerMs / r.sonotlMs,
        goal: '<= 0.25 s',
        met: r.sonotlMs <= 250,
      });
    }
    // Figure 6: the detector must leave no tfjs tensors behind (fine-tuned models reach it as tfjs weights).
    const count = quick ? 20 : 100;
    const before = tf.memory().numTensors;
    for (let i = 0; i < count; i++) await detectOnce('na', cnn, fresh(testImg));
    const after = tf.memory().numTensors;
    figures.push({
      name: `memory: tfjs tensors alive after ${count} NA detections minus before (${before} before)`,
      unit: 'tensors',
      sonotl: after - before,
      peer: null,
      peerName: null,
      ratio: null,
      goal: '0',
      met: after === before,
    });
  } finally {
    await fusion.close();
    cnnModel.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  return { figures };
}
