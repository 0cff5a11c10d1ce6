/**
 * The detector must not leak tfjs tensors: the CNN scorer holds a tfjs model (pretrained or fine-tuned)
 * and exports it per input size, and a study runs thousands of detections in one process. Figure 6 of
 * `npm run bench` measures the same on a whole HC18 image; this is the fast version.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/locate.js';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { CnnWindowScorer } from '../features/cnn-window-scorer.js';
import { FusionScorer } from '../features/fusion.js';
import type { Box } from '../metrics/index.js';
import { detectBox } from './detector.js';
import { HaarScorer } from './haar-scorer.js';
import type { GrayImage } from './window-scorer.js';

let model: LayersModel;
let scorer: FusionScorer;

/** A bright disc on speckle: something for the score to find, so refinement takes several rounds. */
function image(width: number, height: number, seed: number): GrayImage {
  const data = new Uint8Array(width * height);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (width / 4) ** 2;
      data[y * width + x] = (inside ? 150 : 40) + ((s >>> 24) & 63);
    }
  }
  return { width, height, data };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadBackbone('mobilenet_v2_0.35_224', { env: { SONOTL_MODELS: sharedModelsDir() } });
  scorer = new FusionScorer([new HaarScorer(), await CnnWindowScorer.create('mobilenet_v2_0.35_224', { model, threads: 1 })]);
});

afterAll(async () => {
  await scorer?.close();
  model?.dispose();
});

describe('detection and tfjs memory', () => {
  it('leaves tf.memory().numTensors unchanged over 100 detections', async () => {
    // Two image sizes, so the scorer exports the model (a tfjs pass over its weights) more than once.
    const sizes: Array<[number, number]> = [
      [256, 224],
      [288, 256],
    ];
    const score = (img: GrayImage) => async (wins: Box[]) => {
      const f = await scorer.features(img, wins);
      const out = new Float64Array(wins.length);
      for (let i = 0; i < wins.length; i++) out[i] = f[i * scorer.featureDim] + 0.01 * f[i * scorer.featureDim + 2000];
      return out;
    };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const [w, h] = sizes[i % 2];
      const img = image(w, h, i + 1);
      const candidates: Box[] = [];
      for (let y = 0; y + 160 <= h; y += 32) for (let x = 0; x + 160 <= w; x += 32) candidates.push({ x, y, w: 160, h: 160 });
      const d = await detectBox(score(img), candidates, img);
      expect(d.evaluated).toBeGreaterThan(candidates.length);
      scorer.release();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
