import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/locate.js';
import { buildCaffeNet, CAFFENET } from '../backbones/caffenet.js';
import { getBackbone } from '../backbones/registry.js';
import { hc18Samples, readGrayPng, sharedModelsDir } from '../backbones/test-fixtures.js';
import type { GrayImage } from '../backbones/preprocess.js';
import { computeResponses, responseLayers } from './cnn-responses.js';
import { analyzeNetworks, networkInput } from './mechanism.js';
import { resizeArea } from './resample.js';
import { pearson } from './similarity.js';
import { fineTune, TINY_SIZE, tinyEntry, tinyNetwork } from './tiny-network.test-util.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 48x40 gray: speckle-like texture with a bright diagonal bar. */
function testImage(): GrayImage {
  const w = 48;
  const h = 40;
  let s = 7;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const bar = Math.abs(x - y - 4) < 3 ? 120 : 0;
      data[y * w + x] = Math.min(255, 60 + bar + (s >>> 26));
    }
  }
  return { width: w, height: h, data };
}

describe('CNN response layers', () => {
  it('reads each convolution after its batch norm and activation, within the registry groups', () => {
    const layers = responseLayers(tinyNetwork(1), tinyEntry.layerGroups, 'tiny');
    expect(layers).toEqual([
      { group: 'stem', conv: 'Conv1', output: 'Conv1_relu' },
      { group: 'block0', conv: 'dw', output: 'dw_relu' },
      { group: 'block0', conv: 'project', output: 'project_BN' },
    ]);
    expect(() => responseLayers(tinyNetwork(1), [{ name: 'x', layers: ['nope'] }], 'tiny network')).toThrow(/tiny network has no layer named nope/);
  });

  it('gives a known filter its known map: a centre-tap kernel passes its input channel through BN and ReLU6', () => {
    const m = tinyNetwork(1);
    const conv = m.getLayer('Conv1');
    const kernel = new Float32Array(3 * 3 * 3 * 4);
    // Filter 2 copies input channel 1 at the kernel centre: index ((1·3 + 1)·3 + 1)·4 + 2.
    kernel[((1 * 3 + 1) * 3 + 1) * 4 + 2] = 1;
    conv.setWeights([tf.tensor4d(kernel, [3, 3, 3, 4])]);
    const input = new Float32Array(TINY_SIZE * TINY_SIZE * 3);
    for (let i = 0; i < TINY_SIZE * TINY_SIZE; i++) input[i * 3 + 1] = ((i * 37) % 23) / 4 - 2;
    const [stem] = computeResponses(m, responseLayers(m, tinyEntry.layerGroups, 'tiny').slice(0, 1), input, [TINY_SIZE, TINY_SIZE], 'tiny');
    expect([stem.channels, stem.height, stem.width]).toEqual([4, 8, 8]);
    const map = stem.data.subarray(2 * 64, 3 * 64);
    // 'same' padding with stride 2 on an even size pads only after, so output (i, j) is centred on (2i+1, 2j+1).
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const x = input[((2 * i + 1) * TINY_SIZE + 2 * j + 1) * 3 + 1] / Math.sqrt(1 + 1e-3);
        expect(map[i * 8 + j]).toBeCloseTo(Math.min(6, Math.max(0, x)), 5);
      }
    }
    for (const v of stem.data.subarray(0, 64)) expect(v).toBe(0);
  });
});

describe('mechanism analysis of two networks', () => {
  it('measures every map against the classical filters at the map size, and compares weights', async () => {
    const pretrained = tinyNetwork(1);
    const adapted = tinyNetwork(1);
    await fineTune(adapted, 4, 0.2);
    const gray = testImage();
    const a = await analyzeNetworks({ pretrained, adapted, entry: tinyEntry, gray });
    expect(a.layers.map((l) => [l.layer.conv, l.filters.length, l.width, l.height])).toEqual([
      ['Conv1', 4, 8, 8],
      ['dw', 8, 8, 8],
      ['project', 6, 8, 8],
    ]);
    expect(a.classical.input.width).toBe(TINY_SIZE);
    // Recompute one measure from scratch: filter 3 of the projection after adaptation against Frangi.
    const f = a.layers[2].filters[3];
    const frangiAtMap = resizeArea(a.classical.frangi, 8, 8);
    expect(f.measures.adapted.pearson.frangi).toBeCloseTo(pearson(f.maps.adapted, frangiAtMap.data), 10);
    // The maps are those of the named network: the adapted one differs after training.
    expect(Array.from(f.maps.adapted)).not.toEqual(Array.from(f.maps.pretrained));
    for (const r of a.mostSimilar) {
      expect(r.top).toHaveLength(5);
      for (let k = 1; k < r.top.length; k++) expect(r.top[k - 1].pearson).toBeGreaterThanOrEqual(r.top[k].pearson);
    }
    expect(a.filterChange.layers.map((l) => l.layer)).toEqual(['Conv1', 'dw', 'project', 'head']);
    expect(a.filterChange.layers.some((l) => l.changed > 0 || l.quantiles.max > 0)).toBe(true);
  });

  it('with no adapted network compares the pretrained one with itself: equal maps, zero changed filters', async () => {
    const a = await analyzeNetworks({ pretrained: tinyNetwork(2), adapted: null, entry: tinyEntry, gray: testImage() });
    for (const l of a.layers) for (const f of l.filters) expect(f.maps.adapted).toEqual(f.maps.pretrained);
    expect(a.filterChange.layers.every((l) => l.changed === 0 && l.quantiles.max === 0)).toBe(true);
  });
});

describe('CaffeNet-shaped networks', () => {
  it('read conv1 and the grouped conv2 at their fused ReLU, fed with Caffe preprocessing', async () => {
    // The real CaffeNet's 233 MB weights are not needed: the architecture at a small size and width.
    const config = { ...CAFFENET, inputSize: [95, 115] as [number, number], widths: { conv1: 8, conv2: 12, conv3: 16, conv4: 16, conv5: 12, fc6: 32, fc7: 24, fc8: 10 } };
    const entry = { ...getBackbone('caffenet'), inputSize: config.inputSize };
    const net = buildCaffeNet(config);
    expect(responseLayers(net, entry.layerGroups, 'caffenet')).toEqual([
      { group: 'conv1', conv: 'conv1', output: 'conv1' },
      { group: 'conv2', conv: 'conv2', output: 'conv2' },
    ]);
    const a = await analyzeNetworks({ pretrained: net, adapted: null, entry, gray: testImage() });
    expect(a.layers.map((l) => [l.layer.conv, l.filters.length, l.width, l.height])).toEqual([
      ['conv1', 8, 27, 22],
      ['conv2', 12, 13, 11],
    ]);
    // The classical filters see the gray image at the network size, whatever the network's input scaling.
    expect([a.classical.input.width, a.classical.input.height]).toEqual([115, 95]);
    expect(Math.max(...a.classical.input.data)).toBeLessThanOrEqual(1);
    const conv2 = a.filterChange.layers.find((l) => l.layer === 'conv2')!;
    // Grouped: each of the 12 filters sees 8 / 2 input channels through a 5x5 kernel.
    expect([conv2.filters, ...conv2.shape]).toEqual([12, 5, 5, 4, 12]);
    net.dispose();
  });
});

const modelDir = join(sharedModelsDir(), 'mobilenet_v2_0.35_224');
describe.skipIf(!existsSync(join(modelDir, 'model.json')))('MobileNetV2 0.35 responses on an HC18 image', () => {
  it('has 16 stem, 16 depthwise and 8 projection maps of 112x112', async () => {
    const entry = getBackbone('mobilenet_v2_0.35_224');
    const model = await loadBackbone(entry.id, { env: { SONOTL_MODELS: sharedModelsDir() } });
    const [sample] = await hc18Samples(1);
    const gray = await readGrayPng(sample.file);
    const layers = responseLayers(model, entry.layerGroups, entry.id);
    expect(layers.map((l) => l.output)).toEqual(['Conv1_relu', 'expanded_conv_depthwise_relu', 'expanded_conv_project_BN']);
    const maps = computeResponses(model, layers, networkInput(gray, entry).nhwc, entry.inputSize, entry.id);
    expect(maps.map((m) => [m.channels, m.width, m.height])).toEqual([[16, 112, 112], [16, 112, 112], [8, 112, 112]]);
    // ReLU6 bounds the first two; the linear projection is signed.
    for (const m of maps.slice(0, 2)) for (const v of m.data) expect(v >= 0 && v <= 6).toBe(true);
    expect(maps[2].data.some((v) => v < 0)).toBe(true);
    model.dispose();
  });
});
