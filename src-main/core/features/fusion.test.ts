/**
 * Fusion writes each family straight into its columns of one matrix (featuresInto); the matrix must be
 * exactly the families' own feature blocks side by side, as the concatenating path (for parts without
 * featuresInto) builds it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/locate.js';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { HaarScorer } from '../detect/haar-scorer.js';
import type { GrayImage, WindowScorer } from '../detect/window-scorer.js';
import type { Box } from '../metrics/index.js';
import { CnnWindowScorer } from './cnn-window-scorer.js';
import { concatColumns, FusionScorer } from './fusion.js';

let model: LayersModel;
let cnn: CnnWindowScorer;

function speckle(width: number, height: number, seed: number): GrayImage {
  const data = new Uint8Array(width * height);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = 30 + ((s >>> 24) % 180);
  }
  return { width, height, data };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadBackbone('mobilenet_v2_0.35_224', { env: { SONOTL_MODELS: sharedModelsDir() } });
  cnn = await CnnWindowScorer.create('mobilenet_v2_0.35_224', { model, threads: 1 });
});

afterAll(async () => {
  await cnn?.close();
  model?.dispose();
});

describe('FusionScorer', () => {
  const img = speckle(320, 224, 11);
  // Sizes over three pyramid levels.
  const windows: Box[] = [];
  for (const side of [100, 160, 224]) for (let y = 0; y + side <= img.height; y += 17) for (let x = 0; x + side <= img.width; x += 5) windows.push({ x, y, w: side, h: Math.min(img.height - y, side - 20) });

  it('fills its matrix with the parts\' own features side by side, with or without featuresInto', async () => {
    const haar = new HaarScorer();
    const fused = await new FusionScorer([haar, cnn]).features({ ...img }, windows);
    const want = concatColumns([await new HaarScorer().features({ ...img }, windows), await cnn.features({ ...img }, windows)], [haar.featureDim, cnn.featureDim], windows.length);
    expect(fused.length).toBe(windows.length * (haar.featureDim + cnn.featureDim));
    expect(fused).toEqual(want);
    // A part without featuresInto sends fusion down the concatenating path, with the same result.
    const plain: WindowScorer = { name: 'na', featureDim: cnn.featureDim, features: (i, w) => cnn.features(i, w) };
    expect(await new FusionScorer([new HaarScorer(), plain]).features({ ...img }, windows)).toEqual(want);
  });

  it('lets a part\'s error through', async () => {
    const fusion = new FusionScorer([new HaarScorer(), cnn]);
    await expect(fusion.features(img, [{ x: 300, y: 0, w: 100, h: 100 }])).rejects.toThrow(/outside the 320x224 image/);
  });
});
