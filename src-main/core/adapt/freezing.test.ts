import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/locate.js';
import { getBackbone } from '../backbones/registry.js';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { exportLayersModel } from '../onnx/export-tfjs.js';
import { createFeatureExtractor } from '../backbones/onnx-features.js';
import { preprocess } from '../backbones/preprocess.js';
import { getRun, loadRunModel, type Project } from '../project/index.js';
import { phantomProject, TINY } from './phantom-project.test-util.js';
import { runFinetune } from './run-finetune.js';

/** Acceptance 3 of issue 3: what a level freezes stays bit-identical, what it trains moves. */
const entry = getBackbone('mobilenet_v2_0.35_224');
const modelsDir = sharedModelsDir();
const frozenPA = new Set(entry.layerGroups.flatMap((g) => g.layers));
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;
let pretrained: tfl.LayersModel;

beforeAll(async () => {
  fx = await phantomProject();
  project = fx.project;
  await tf.setBackend('cpu');
  pretrained = await loadBackbone(entry.id, { env: { SONOTL_MODELS: modelsDir } });
});
afterAll(() => {
  pretrained?.dispose();
  fx?.cleanup();
});

/** Per layer and weight name: true when every value is bit-identical to the pretrained weight. */
function compare(trained: tfl.LayersModel): Array<{ layer: string; weight: string; same: boolean }> {
  const out: Array<{ layer: string; weight: string; same: boolean }> = [];
  for (const layer of pretrained.layers) {
    const other = trained.getLayer(layer.name);
    layer.weights.forEach((w, i) => {
      const a = w.read().dataSync();
      const b = other.weights[i].read().dataSync();
      const same = a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      out.push({ layer: layer.name, weight: w.originalName, same });
    });
  }
  return out;
}

const isStat = (w: string) => /moving_(mean|variance)/.test(w);

describe('fine-tuning levels freeze what the paper freezes', () => {
  it('PA: the stem and first block stay bit-identical, every later weight changes', async () => {
    const r = await runFinetune(project, { level: 'pa', params: { ...TINY, epochs: 1 }, modelsDir, inline: true });
    expect(getRun(project, r.runId)).toMatchObject({ status: 'done', level: 'pa', method: 'finetune', backend: r.backend });
    expect(r.trainPatches).toBeGreaterThan(8);
    const trained = await loadRunModel(project, r.runId, 'final');
    const rows = compare(trained);
    trained.dispose();
    const frozen = rows.filter((x) => frozenPA.has(x.layer));
    const later = rows.filter((x) => !frozenPA.has(x.layer) && !isStat(x.weight));
    expect(frozen.length).toBe(9 + 6); // 3 kernels + 3 x (gamma, beta) + 3 x (moving mean, variance)
    expect(frozen.filter((x) => !x.same)).toEqual([]);
    expect(later.length).toBeGreaterThan(100);
    expect(later.filter((x) => x.same)).toEqual([]);
    // Batch-norm statistics are never re-estimated (inference-mode BN during fine-tuning).
    expect(rows.filter((x) => isStat(x.weight) && !x.same)).toEqual([]);
  });

  it('FA: every trainable weight changes', async () => {
    const r = await runFinetune(project, { level: 'fa', params: { ...TINY, epochs: 1 }, modelsDir, inline: true });
    const trained = await loadRunModel(project, r.runId, 'final');
    const rows = compare(trained);
    trained.dispose();
    const weights = rows.filter((x) => !isStat(x.weight));
    expect(weights.length).toBe(pretrained.trainableWeights.length);
    expect(weights.filter((x) => x.same)).toEqual([]);
  });

  it('NA: nothing trains, and the features of a fixed image are identical across runs', async () => {
    const features = async (runId: string): Promise<Float32Array> => {
      const model = await loadRunModel(project, runId, 'final');
      expect(compare(model).filter((x) => !x.same)).toEqual([]);
      const extractor = await createFeatureExtractor(exportLayersModel(model, { outputLayer: entry.featureLayer, pooling: 'avg' }), { threads: 1, providers: ['cpu'] });
      model.dispose();
      const gray = { width: 64, height: 48, data: Uint8Array.from({ length: 64 * 48 }, (_, i) => (i * 37) % 251) };
      const out = await extractor.run(preprocess(gray, { x: 3, y: 2, w: 50, h: 40 }, entry.inputSize), 1);
      await extractor.close();
      return out;
    };
    const a = await runFinetune(project, { level: 'na', modelsDir, inline: true });
    const b = await runFinetune(project, { level: 'na', modelsDir, inline: true });
    expect(getRun(project, a.runId).backend).toBe('none');
    const fa = await features(a.runId);
    const fb = await features(b.runId);
    expect(fa).toHaveLength(entry.featureDim);
    expect(Math.max(...fa)).toBeGreaterThan(0.1);
    expect(Buffer.from(fa.buffer).equals(Buffer.from(fb.buffer))).toBe(true);
  });
});
