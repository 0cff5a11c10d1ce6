import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportParity, randomArray, randomizeWeights, seededRandom, useCpuBackend } from '../onnx/test-support.js';
import { GroupedConv2D } from './caffenet-layers.js';
import { CAFFENET, buildCaffeNet, caffePoolSize, ceilModePad, type CaffeNetConfig } from './caffenet.js';
import { CAFFENET_STAGES } from './caffenet-entry.js';
import { getBackbone, listBackbones } from './registry.js';

beforeAll(useCpuBackend);

const SMALL: CaffeNetConfig = {
  ...CAFFENET,
  inputSize: [95, 115],
  widths: { conv1: 8, conv2: 12, conv3: 16, conv4: 16, conv5: 12, fc6: 32, fc7: 24, fc8: 10 },
};

describe('Caffe ceil-mode pooling', () => {
  it.each([
    [55, 27, 0], // conv1 of a 227 input: exact
    [54, 27, 1], // conv1 of the zoo's 224 input: floor would give 26
    [27, 13, 0],
    [13, 6, 0],
    [4, 2, 1],
  ])('%i -> %i (pad %i)', (input, out, pad) => {
    expect(caffePoolSize(input, 3, 2)).toBe(out);
    expect(ceilModePad(input, 3, 2)).toBe(pad);
  });

  it("keeps the last window inside the input when padded (Caffe's clip)", () => {
    // in 5, k 2, s 2, pad 1: ceil((5 + 2 - 2) / 2) + 1 = 4, but window 4 would start in the padding.
    expect(caffePoolSize(5, 2, 2, 1)).toBe(3);
  });
});

describe('buildCaffeNet: the published architecture', () => {
  it('227 x 227: shapes and the 60,965,224 parameters of bvlc_reference_caffenet', () => {
    const model = buildCaffeNet();
    try {
      const shape = (n: string) => model.getLayer(n).outputShape;
      expect(shape('conv1')).toEqual([null, 55, 55, 96]);
      expect(shape('norm1')).toEqual([null, 27, 27, 96]);
      expect(shape('conv2')).toEqual([null, 27, 27, 256]);
      expect(shape('norm2')).toEqual([null, 13, 13, 256]);
      expect(shape('conv5')).toEqual([null, 13, 13, 256]);
      expect(shape('pool5')).toEqual([null, 6, 6, 256]);
      expect(shape('fc7')).toEqual([null, 4096]);
      expect(shape('prob')).toEqual([null, 1000]);
      // Grouped layers hold half the input channels per filter, as Caffe's group: 2 does.
      expect(model.getLayer('conv2').weights[0].shape).toEqual([5, 5, 48, 256]);
      expect(model.getLayer('conv4').weights[0].shape).toEqual([3, 3, 192, 384]);
      expect(model.getLayer('conv5').weights[0].shape).toEqual([3, 3, 192, 256]);
      expect(model.countParams()).toBe(60_965_224);
      // Pool before norm (CaffeNet), not norm before pool (AlexNet).
      const names = model.layers.map((l) => l.name);
      expect(names.indexOf('pool1')).toBeLessThan(names.indexOf('norm1'));
      expect(names.indexOf('pool2')).toBeLessThan(names.indexOf('norm2'));
    } finally {
      model.dispose();
    }
  });

  it('224 x 224 (the zoo file) also reaches 6 x 6 at pool5, thanks to ceil mode', () => {
    const model = buildCaffeNet({ ...SMALL, inputSize: [224, 224] });
    try {
      expect(model.getLayer('conv1').outputShape).toEqual([null, 54, 54, 8]);
      expect(model.getLayer('pool1').outputShape).toEqual([null, 27, 27, 8]);
      expect(model.getLayer('pool5').outputShape).toEqual([null, 6, 6, 12]);
    } finally {
      model.dispose();
    }
  });
});

describe('registry entry', () => {
  const entry = getBackbone('caffenet');

  it('is listed with its input, preprocessing and fc7 feature', () => {
    expect(listBackbones().map((e) => e.id)).toContain('caffenet');
    expect(entry.inputSize).toEqual([227, 227]);
    expect(entry.preprocessing).toBe('caffe');
    expect(entry.featureLayer).toBe('fc7');
    expect(entry.featurePooling).toBe('none');
    expect(entry.featureDim).toBe(CAFFENET.widths.fc7);
    expect(entry.weightsFile).toBe('caffenet-12.onnx');
    expect(entry.sourceUrl).toMatch(/^https:\/\/github\.com\/onnx\/models\/.*\/caffenet-12\.onnx$/);
  });

  it('PA freezes conv1-conv2; the stages cover every layer from the input to fc7, in order', () => {
    expect(entry.layerGroups.map((g) => g.name)).toEqual(['conv1', 'conv2']);
    expect(entry.stages?.map((g) => g.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7']);
    const model = buildCaffeNet(SMALL);
    try {
      const names = model.layers.map((l) => l.name);
      const listed = CAFFENET_STAGES.flatMap((g) => g.layers);
      expect(names.slice(1, 1 + listed.length)).toEqual(listed);
      expect(names[1 + listed.length]).toBe('drop7');
    } finally {
      model.dispose();
    }
  });
});

describe('GroupedConv2D', () => {
  it('equals a Conv2D whose kernel is block-diagonal over the groups', () => {
    const input = tfl.input({ shape: [9, 8, 6] });
    const grouped = new GroupedConv2D({ filters: 4, kernelSize: 3, padding: 'same', groups: 2, activation: 'relu' });
    const model = tfl.model({ inputs: input, outputs: grouped.apply(input) as tfl.SymbolicTensor });
    randomizeWeights(model, 4);
    const [kernel, bias] = grouped.getWeights();
    const k = kernel.arraySync() as number[][][][];
    // [3, 3, 6, 4]: input channels 0-2 feed filters 0-1, 3-5 feed 2-3, nothing crosses.
    const full = k.map((row) => row.map((col) => Array.from({ length: 6 }, (_, i) => Array.from({ length: 4 }, (_, o) => (Math.floor(i / 3) === Math.floor(o / 2) ? col[i % 3][o] : 0)))));
    const x = tf.tensor(randomArray(2 * 9 * 8 * 6, seededRandom(9)), [2, 9, 8, 6]);
    const expected = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(full), 1, 'same'), bias));
    const got = model.predict(x) as tf.Tensor;
    expect(got.shape).toEqual([2, 9, 8, 4]);
    expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, expected, got]);
  });

  it('trains: kernel gradients equal those of the block-diagonal Conv2D, on the blocks', () => {
    const grouped = new GroupedConv2D({ filters: 4, kernelSize: 3, groups: 2, name: 'g_grad' });
    const input = tfl.input({ shape: [6, 7, 4] });
    const model = tfl.model({ inputs: input, outputs: grouped.apply(input) as tfl.SymbolicTensor });
    randomizeWeights(model, 6);
    const x = tf.tensor(randomArray(6 * 7 * 4, seededRandom(3)), [1, 6, 7, 4]);
    const target = tf.tensor(randomArray(4 * 5 * 4, seededRandom(4)), [1, 4, 5, 4]);
    const kernel = grouped.trainableWeights[0].read() as tf.Variable;
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(model.apply(x) as tf.Tensor, target))) as tf.Scalar, [kernel]);
    const g = grads[kernel.name].arraySync() as number[][][][];
    // Reference: the same loss through a full [3, 3, 4, 4] kernel that is zero off the diagonal blocks.
    const k = kernel.arraySync() as number[][][][];
    const block = (i: number, o: number) => Math.floor(i / 2) === Math.floor(o / 2);
    const full = tf.variable(tf.tensor4d(k.map((r) => r.map((c) => Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, o) => (block(i, o) ? c[i % 2][o] : 0)))))));
    const bias = grouped.getWeights()[1];
    const ref = tf.variableGrads(() => tf.sum(tf.square(tf.sub(tf.add(tf.conv2d(x as tf.Tensor4D, full, 1, 'valid'), bias), target))) as tf.Scalar, [full]);
    const r = ref.grads[full.name].arraySync() as number[][][][];
    let maxRel = 0;
    for (let y = 0; y < 3; y++) for (let xx = 0; xx < 3; xx++) for (let i = 0; i < 4; i++) for (let o = 0; o < 4; o++) {
      if (!block(i, o)) continue;
      const a = g[y][xx][i % 2][o];
      const b = r[y][xx][i][o];
      maxRel = Math.max(maxRel, Math.abs(a - b) / Math.max(1, Math.abs(b)));
    }
    expect(maxRel).toBeLessThan(1e-5);
    expect(g.flat(3).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    tf.dispose([x, target, full, ...Object.values(grads), ...Object.values(ref.grads), ref.value]);
    model.dispose();
  });

  it.each([
    [1, 'valid', 2],
    [2, 'same', 2],
    [1, 'same', 4],
  ] as const)('exports to an ONNX grouped Conv: stride %i, %s, %i groups', async (stride, padding, groups) => {
    const input = tfl.input({ shape: [9, 10, 8] });
    const y = new GroupedConv2D({ filters: 8, kernelSize: 3, strides: stride, padding, groups }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: y });
    randomizeWeights(model, 2);
    const r = await exportParity(model);
    expect(r.onnxDims).toEqual(r.tfjsShape);
    expect(r.diff).toBeLessThan(1e-4);
  });
});

describe('saving and loading a CaffeNet model', () => {
  it('round-trips through model.json with the custom layers', async () => {
    const model = buildCaffeNet(SMALL);
    randomizeWeights(model, 8, 0.3);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.tensor(randomArray(95 * 115 * 3, seededRandom(1), -100, 100), [1, 95, 115, 3]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(loaded.getLayer('conv4').getClassName()).toBe('GroupedConv2D');
    expect(loaded.getLayer('norm2').getClassName()).toBe('LRN');
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
