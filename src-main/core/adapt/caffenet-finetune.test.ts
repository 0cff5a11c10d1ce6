import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caffeNet } from '../backbones/caffenet-entry.js';
import { caffeNetOnnx } from '../backbones/caffenet-test-onnx.js';
import { loadBackbone } from '../backbones/locate.js';
import { createFeatureExtractor } from '../backbones/onnx-features.js';
import { nchwToNhwc } from '../backbones/preprocess.js';
import { getBackbone, registerBackbone } from '../backbones/registry.js';
import { featureExportOptions, windowPreprocessor } from '../backbones/window-input.js';
import { cnnWindowMode, CnnWindowScorer } from '../features/cnn-window-scorer.js';
import { exportLayersModel } from '../onnx/export-tfjs.js';
import { maxAbsDiff } from '../onnx/test-support.js';
import { getRun, loadRunModel, type Project } from '../project/index.js';
import { resolveStudyConfig } from '../study/config.js';
import { reportNotes } from '../study/report.js';
import { phantomProject, TINY } from './phantom-project.test-util.js';
import { runFinetune } from './run-finetune.js';

/**
 * PA / FA for CaffeNet (the paper's network) on a generated CaffeNet of reduced widths at the real
 * 227 x 227 input, registered as its own entry since the registry pins the zoo file's hash: PA keeps
 * conv1-conv2 bit-identical, FA moves everything, and the fine-tuned fc7 network exports to ONNX with
 * the features tfjs computes, which the study's window scorer then uses through crops.
 */
const ID = 'caffenet_reduced';
const WIDTHS = { conv1: 4, conv2: 8, conv3: 8, conv4: 8, conv5: 4, fc6: 16, fc7: 12, fc8: 5 };
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;
let modelsDir: string;
let pretrained: tfl.LayersModel;
const runs: Partial<Record<'pa' | 'fa', string>> = {};

beforeAll(async () => {
  fx = await phantomProject(6);
  project = fx.project;
  modelsDir = join(fx.root, 'models');
  const bytes = caffeNetOnnx({ inputSize: [227, 227], widths: WIDTHS, seed: 11 });
  mkdirSync(join(modelsDir, ID), { recursive: true });
  writeFileSync(join(modelsDir, ID, caffeNet.weightsFile!), bytes);
  registerBackbone({ ...caffeNet, id: ID, featureDim: WIDTHS.fc7, weightsSha256: createHash('sha256').update(bytes).digest('hex') });
  await tf.setBackend('cpu');
  pretrained = await loadBackbone(ID, { env: { SONOTL_MODELS: modelsDir } });
});
afterAll(() => {
  pretrained?.dispose();
  fx?.cleanup();
});

/** Per backbone layer of the fine-tuned network (input to fc7): does each weight equal the pretrained one bit for bit? */
function sameAsPretrained(trained: tfl.LayersModel): Map<string, boolean[]> {
  const out = new Map<string, boolean[]>();
  for (const layer of trained.layers) {
    if (layer.weights.length === 0) continue;
    const before = pretrained.getLayer(layer.name).getWeights();
    out.set(
      layer.name,
      layer.getWeights().map((w, i) => Buffer.from(w.dataSync().buffer).equals(Buffer.from(before[i].dataSync().buffer))),
    );
  }
  return out;
}

async function fineTune(level: 'pa' | 'fa'): Promise<tfl.LayersModel> {
  // Two gradient threads: the test entry is registered in this thread only, so this also checks that the
  // workers get the entry itself rather than looking its id up in their own registry.
  const r = await runFinetune(project, { level, backbone: ID, params: { ...TINY, epochs: 1, batchSize: 4 }, modelsDir, inline: true, workers: 2 });
  expect(getRun(project, r.runId)).toMatchObject({ status: 'done', level, backbone: ID });
  expect(getRun(project, r.runId).backend).toMatch(/ x2$/);
  expect(r.trainPatches).toBeGreaterThan(4);
  runs[level] = r.runId;
  return loadRunModel(project, r.runId, 'final');
}

describe('CaffeNet fine-tuning (reduced widths, 227 x 227)', () => {
  it('PA keeps conv1-conv2 bit-identical and changes conv3 to fc7', async () => {
    const trained = await fineTune('pa');
    try {
      expect(trained.inputs[0].shape).toEqual([null, 227, 227, 3]);
      expect(trained.outputs[0].shape).toEqual([null, WIDTHS.fc7]);
      const same = sameAsPretrained(trained);
      expect([...same.keys()]).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7']);
      for (const name of ['conv1', 'conv2']) expect(same.get(name)).toEqual([true, true]);
      for (const name of ['conv3', 'conv4', 'conv5', 'fc6', 'fc7']) expect(same.get(name), name).toEqual([false, false]);
    } finally {
      trained.dispose();
    }
  }, 60_000);

  it('FA changes every layer', async () => {
    const trained = await fineTune('fa');
    try {
      const same = sameAsPretrained(trained);
      expect(same.size).toBe(7);
      for (const [name, flags] of same) expect(flags, name).toEqual([false, false]);
    } finally {
      trained.dispose();
    }
  }, 60_000);

  it("the fine-tuned network exports to ONNX with tfjs's fc7 features (caffe preprocessing)", async () => {
    const entry = getBackbone(ID);
    const model = await loadRunModel(project, runs.pa!, 'final');
    const extractor = await createFeatureExtractor(exportLayersModel(model, featureExportOptions(entry)), { threads: 1, providers: ['cpu'] });
    try {
      const gray = { width: 192, height: 160, data: Uint8Array.from({ length: 192 * 160 }, (_, i) => (i * 37 + (i >> 7)) % 251) };
      const boxes = [{ x: 10, y: 12, w: 90, h: 80 }, { x: 60, y: 30, w: 120, h: 110 }];
      const per = 3 * 227 * 227;
      const nchw = new Float32Array(boxes.length * per);
      boxes.forEach((b, k) => windowPreprocessor(entry)(gray, b, entry.inputSize, nchw, k * per));
      // BGR minus the mean, not 'tf' scaling.
      expect(nchw.subarray(0, per).reduce((m, v) => Math.max(m, v), -Infinity)).toBeGreaterThan(20);
      const onnx = await extractor.run(nchw, boxes.length);
      const x = tf.tensor4d(nchwToNhwc(nchw, boxes.length, 3, 227, 227), [boxes.length, 227, 227, 3]);
      const y = model.predict(x) as tf.Tensor;
      const expected = y.dataSync() as Float32Array;
      tf.dispose([x, y]);
      expect(onnx).toHaveLength(boxes.length * WIDTHS.fc7);
      expect(Math.max(...expected)).toBeGreaterThan(0.01);
      expect(maxAbsDiff(onnx, expected)).toBeLessThan(1e-4);

      // The study's scorer: 'roi' is impossible on fc7, so it crops each window, with the same features.
      expect(cnnWindowMode(ID, 'roi')).toBe('crop');
      expect(cnnWindowMode('mobilenet_v2_0.35_224', 'roi')).toBe('roi');
      const scorer = await CnnWindowScorer.create(ID, { model, mode: 'roi', name: 'pa' });
      try {
        const feats = await scorer.features(gray, boxes);
        expect(maxAbsDiff(feats, expected)).toBeLessThan(1e-4);
      } finally {
        await scorer.close();
      }
    } finally {
      await extractor.close();
      model.dispose();
    }
  }, 60_000);

  it("a study report says when cnnWindows 'roi' ran as 'crop'", () => {
    const notes = (asked: 'roi' | 'crop', ran: 'roi' | 'crop') =>
      reportNotes({ unavailable: [], computation: { cnnWindows: ran, methods: ['na'], entries: [] } as never, config: resolveStudyConfig({ backbone: ID, cnnWindows: asked, methods: ['na'], split: 'fixed' }) });
    expect(notes('roi', 'crop').join(' ')).toMatch(/cnnWindows 'roi' was asked, but the feature layer of caffenet_reduced is a vector.*\('crop'\)/);
    expect(notes('roi', 'roi').join(' ')).not.toMatch(/was asked/);
  });
});
