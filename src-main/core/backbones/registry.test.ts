import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from './locate.js';
import { getBackbone, listBackbones } from './registry.js';
import { sharedModelsDir } from './test-fixtures.js';

const entry = getBackbone('mobilenet_v2_0.35_224');
let model: tfl.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadBackbone(entry.id, { env: { SONOTL_MODELS: sharedModelsDir() } });
});
afterAll(() => model?.dispose());

describe('backbone registry: MobileNetV2 0.35', () => {
  it('is listed with its input and embedding description', () => {
    expect(listBackbones().map((e) => e.id)).toContain(entry.id);
    expect(entry.inputSize).toEqual([224, 224]);
    expect(entry.preprocessing).toBe('tf');
    expect(model.inputs[0].shape).toEqual([null, ...entry.inputSize, 3]);
    expect(model.getLayer(entry.featureLayer).outputShape).toEqual([null, 7, 7, entry.featureDim]);
  });

  it('layer groups are the stem and the first inverted-residual block, in network order', () => {
    const names = model.layers.map((l) => l.name);
    const listed = entry.layerGroups.flatMap((g) => g.layers);
    // Every name exists, and together they are exactly the layers right after the input, in order.
    expect(names.slice(1, 1 + listed.length)).toEqual(listed);
    expect(names[1 + listed.length]).toBe('block_1_expand');
    expect(entry.layerGroups.map((g) => g.name)).toEqual(['stem', 'block0']);
    expect(entry.layerGroups[0].layers).toContain('Conv1');
    expect(entry.layerGroups[1].layers.every((n) => n.startsWith('expanded_conv_'))).toBe(true);
  });
});
