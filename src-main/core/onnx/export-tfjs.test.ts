import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSonoError } from '../errors.js';
import { exportLayersModel } from './export-tfjs.js';
import { decodeModel } from './proto.js';
import { exportParity, randomizeWeights, useCpuBackend } from './test-support.js';

const TOL = 1e-4;

beforeAll(useCpuBackend);

function opTypes(bytes: Uint8Array): string[] {
  return (decodeModel(bytes).graph.node ?? []).map((n) => n.opType);
}

/** Builds a functional model from a chain of layers and gives it random weights. */
function chain(inputShape: number[], layers: tfl.layers.Layer[], kernelGain = 1): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x = input;
  for (const layer of layers) x = layer.apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: x });
  randomizeWeights(model, 1, kernelGain);
  return model;
}

describe('exportLayersModel: convolutions', () => {
  const cases: Array<[number, number, number, 'same' | 'valid', number]> = [];
  for (const size of [7, 8]) {
    for (const kernel of [2, 3]) {
      for (const stride of [1, 2]) {
        for (const padding of ['same', 'valid'] as const) cases.push([size, kernel, stride, padding, 1]);
      }
    }
  }
  cases.push([9, 3, 1, 'same', 2], [10, 3, 1, 'valid', 2]);

  it.each(cases)('Conv2D on %i px, kernel %i, stride %i, %s, dilation %i', async (size, kernel, stride, padding, dilation) => {
    // Width one more than height: odd and even extents in the same case.
    const model = chain([size, size + 1, 3], [
      tfl.layers.conv2d({ filters: 5, kernelSize: kernel, strides: stride, padding, dilationRate: dilation }),
    ]);
    const r = await exportParity(model, { pooling: 'none' });
    expect(r.onnxDims).toEqual(r.tfjsShape);
    expect(r.diff).toBeLessThan(TOL);
  });

  it.each([
    [1, 1, 'same'],
    [2, 2, 'same'],
    [1, 2, 'valid'],
  ] as const)('DepthwiseConv2D multiplier %i, stride %i, %s', async (multiplier, stride, padding) => {
    const model = chain([9, 8, 4], [
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: multiplier, strides: stride, padding, useBias: true }),
    ]);
    const r = await exportParity(model);
    expect(r.onnxDims).toEqual(r.tfjsShape);
    expect(r.diff).toBeLessThan(TOL);
  });

  it('fuses the conv activation', async () => {
    const model = chain([8, 8, 3], [tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' })]);
    const r = await exportParity(model);
    expect(opTypes(r.bytes)).toContain('Relu');
    expect(r.diff).toBeLessThan(TOL);
  });
});

describe('exportLayersModel: batch norm', () => {
  it('folds into a conv without bias (MobileNet style)', async () => {
    const model = chain([8, 8, 3], [
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }),
      tfl.layers.batchNormalization({ epsilon: 1e-3 }),
    ]);
    const r = await exportParity(model);
    expect(opTypes(r.bytes)).not.toContain('BatchNormalization');
    expect(r.diff).toBeLessThan(TOL);
  });

  it('folds into a depthwise conv and into a Dense', async () => {
    const model = chain([8, 8, 3], [
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
      tfl.layers.batchNormalization({}),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 5 }),
      tfl.layers.batchNormalization({}),
    ]);
    const r = await exportParity(model);
    expect(opTypes(r.bytes)).not.toContain('BatchNormalization');
    expect(r.diff).toBeLessThan(TOL);
  });

  it('keeps a BatchNormalization node when it cannot fold (after an activation, or a conv output read twice)', async () => {
    const input = tfl.input({ shape: [6, 6, 3] });
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
    const bnShared = tfl.layers.batchNormalization({}).apply(conv) as tfl.SymbolicTensor;
    const sum = tfl.layers.add().apply([conv, bnShared]) as tfl.SymbolicTensor;
    const act = tfl.layers.reLU({}).apply(sum) as tfl.SymbolicTensor;
    const out = tfl.layers.batchNormalization({}).apply(act) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    randomizeWeights(model, 3);
    const r = await exportParity(model);
    expect(opTypes(r.bytes).filter((t) => t === 'BatchNormalization')).toHaveLength(2);
    expect(r.diff).toBeLessThan(TOL);
  });
});

describe('exportLayersModel: other layers', () => {
  it('ReLU(max 6) and relu6 activation become Clip; Add of a residual', async () => {
    const input = tfl.input({ shape: [7, 7, 4] });
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.reLU({ maxValue: 6 }).apply(a) as tfl.SymbolicTensor;
    const c = tfl.layers.activation({ activation: 'relu6' }).apply(b) as tfl.SymbolicTensor;
    const d = tfl.layers.add().apply([input, c]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: d });
    // Kernels x10 so the conv output runs far past 6 and the upper clip matters.
    randomizeWeights(model, 4, 10);
    const r = await exportParity(model);
    expect(r.scale).toBeGreaterThan(6);
    expect(opTypes(r.bytes).filter((t) => t === 'Clip')).toHaveLength(2);
    expect(r.diff).toBeLessThan(TOL);
  });

  it('folds ZeroPadding2D into the next conv (MobileNet stem) and pads explicitly before a max pool', async () => {
    const input = tfl.input({ shape: [9, 10, 3] });
    const padded = tfl.layers.zeroPadding2d({ padding: [[0, 1], [2, 1]] }).apply(input) as tfl.SymbolicTensor;
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }).apply(padded) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: conv });
    randomizeWeights(model, 5);
    const folded = await exportParity(model);
    expect(opTypes(folded.bytes)).not.toContain('Pad');
    expect(folded.diff).toBeLessThan(TOL);

    // Random inputs are half negative: zero padding must not turn into MaxPool's -inf padding.
    for (const pooling of [tfl.layers.maxPooling2d({ poolSize: 2 }), tfl.layers.averagePooling2d({ poolSize: 3, strides: 1 })]) {
      const pool = chain([7, 7, 2], [tfl.layers.zeroPadding2d({ padding: 1 }), pooling]);
      const materialized = await exportParity(pool);
      expect(opTypes(materialized.bytes)).toContain('Pad');
      expect(materialized.diff).toBeLessThan(TOL);
    }
  });

  it.each([
    ['maxPooling2d', 2, 2, 'valid', 7],
    ['maxPooling2d', 3, 2, 'same', 8],
    ['maxPooling2d', 3, 2, 'valid', 9],
    ['averagePooling2d', 2, 2, 'same', 7],
    ['averagePooling2d', 3, 1, 'same', 6],
  ] as const)('%s pool %i stride %i %s on %i px', async (kind, poolSize, strides, padding, size) => {
    const model = chain([size, size, 3], [tfl.layers[kind]({ poolSize, strides, padding })]);
    const r = await exportParity(model);
    expect(r.onnxDims).toEqual(r.tfjsShape);
    expect(r.diff).toBeLessThan(TOL);
  });

  it('Dense after Flatten reads channels in TF order (kernel rows permuted, no transpose)', async () => {
    const model = chain([3, 4, 5], [
      tfl.layers.conv2d({ filters: 6, kernelSize: 1 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 7, activation: 'relu' }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    const r = await exportParity(model);
    expect(opTypes(r.bytes)).not.toContain('Transpose');
    expect(r.onnxDims).toEqual([2, 3]);
    expect(r.diff).toBeLessThan(TOL);
  });

  it('Flatten as the output keeps TF element order', async () => {
    const model = chain([3, 4, 5], [tfl.layers.conv2d({ filters: 2, kernelSize: 1 }), tfl.layers.flatten()]);
    const r = await exportParity(model);
    expect(r.onnxDims).toEqual([2, 24]);
    expect(r.diff).toBeLessThan(TOL);
  });

  it.each(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'softmax'] as const)(
    'Activation %s on a 4-D tensor',
    async (fn) => {
      const conv = tfl.layers.conv2d({ filters: 6, kernelSize: 1 });
      const model = chain([4, 5, 6], [conv, tfl.layers.activation({ activation: fn })], 4);
      const r = await exportParity(model);
      // The pre-activation range must reach the interesting parts (negative side, relu6's cap).
      const pre = await exportParity(tfl.model({ inputs: model.inputs, outputs: conv.output as tfl.SymbolicTensor }));
      expect(pre.scale).toBeGreaterThan(6);
      expect(r.diff).toBeLessThan(TOL);
    },
  );

  it('global pooling, concatenate and multiply', async () => {
    const input = tfl.input({ shape: [6, 6, 3] });
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ axis: -1 }).apply([a, b]) as tfl.SymbolicTensor;
    const avg = tfl.layers.globalAveragePooling2d({}).apply(cat) as tfl.SymbolicTensor;
    const max = tfl.layers.globalMaxPooling2d({}).apply(cat) as tfl.SymbolicTensor;
    const out = tfl.layers.multiply().apply([avg, max]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    randomizeWeights(model, 6);
    const r = await exportParity(model);
    expect(r.onnxDims).toEqual([2, 6]);
    expect(r.diff).toBeLessThan(TOL);
  });
});

/** CaffeNet-style LRN as a custom tfjs layer (tfjs-layers has none built in). */
class LRN extends tfl.layers.Layer {
  static readonly className = 'LRN';
  constructor(private readonly args: { depthRadius: number; bias: number; alpha: number; beta: number }) {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const { depthRadius, bias, alpha, beta } = this.args;
    return tf.localResponseNormalization(x, depthRadius, bias, alpha, beta);
  }
  override getConfig() {
    return { ...super.getConfig(), ...this.args };
  }
}
tf.serialization.registerClass(LRN);

describe('exportLayersModel: LRN (CaffeNet)', () => {
  it('maps TF alpha to ONNX alpha / size', async () => {
    // CaffeNet: local_size 5 (radius 2), alpha 1e-4 per element, beta 0.75, k 1.
    const model = chain([5, 5, 8], [
      tfl.layers.conv2d({ filters: 7, kernelSize: 1 }),
      new LRN({ depthRadius: 2, bias: 1, alpha: 0.05, beta: 0.75 }),
    ], 5);
    const r = await exportParity(model);
    expect(opTypes(r.bytes)).toContain('LRN');
    expect(r.diff).toBeLessThan(TOL);
  });
});

describe('exportLayersModel: options', () => {
  it("pooling 'avg' of an inner layer, NHWC input layout", async () => {
    const model = chain([8, 8, 3], [
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'inner' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 2 }),
    ]);
    const inner = tfl.model({ inputs: model.inputs, outputs: model.getLayer('inner').output });
    const r = await exportParity(inner, { pooling: 'avg', inputLayout: 'nhwc' });
    expect(r.onnxDims).toEqual([2, 4]);
    expect(r.diff).toBeLessThan(TOL);

    // Cutting at outputLayer on the full model gives the same graph as the sub-model.
    const viaOption = exportLayersModel(model, { outputLayer: 'inner', pooling: 'avg', inputLayout: 'nhwc' });
    expect(opTypes(viaOption)).toEqual(opTypes(r.bytes));
    expect(opTypes(viaOption)).not.toContain('Gemm');
  });

  it('names the input and declares NCHW dims with a symbolic batch', () => {
    const model = chain([10, 12, 3], [tfl.layers.conv2d({ filters: 4, kernelSize: 3 })]);
    const graph = decodeModel(exportLayersModel(model, { inputName: 'image', pooling: 'avg', opset: 17 })).graph;
    const dims = graph.input?.[0].type?.tensorType?.shape?.dim ?? [];
    expect(graph.input?.[0].name).toBe('image');
    expect(dims.map((d) => d.dimParam ?? d.dimValue)).toEqual(['N', 3, 10, 12]);
    expect(graph.output?.[0].type?.tensorType?.shape?.dim?.map((d) => d.dimParam ?? d.dimValue)).toEqual(['N', 4]);
  });

  it.each([13, 18, 21])('runs in ONNX Runtime at opset %i', async (opset) => {
    const model = chain([6, 6, 3], [
      tfl.layers.zeroPadding2d({ padding: 1 }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu6' }),
      tfl.layers.batchNormalization({}),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    const r = await exportParity(model, { opset });
    expect(decodeModel(r.bytes).opsetImport).toEqual([{ domain: '', version: opset }]);
    expect(r.diff).toBeLessThan(TOL);
  });

  it('rejects unsupported opsets', () => {
    const model = chain([4, 4, 1], [tfl.layers.conv2d({ filters: 1, kernelSize: 1 })]);
    expect(() => exportLayersModel(model, { opset: 9 })).toThrow(/opset 9/);
  });
});

describe('exportLayersModel: unsupported input', () => {
  it('names the layer class it cannot convert', () => {
    const model = chain([4, 4, 2], [tfl.layers.upSampling2d({ size: [2, 2], name: 'up' })]);
    let error: unknown;
    try {
      exportLayersModel(model);
    } catch (e) {
      error = e;
    }
    expect(isSonoError(error) && error.code).toBe('UNSUPPORTED');
    expect(String(error)).toMatch(/layer up: layer class UpSampling2D is not supported/);
  });

  it('names a missing output layer', () => {
    const model = chain([4, 4, 2], [tfl.layers.conv2d({ filters: 1, kernelSize: 1 })]);
    expect(() => exportLayersModel(model, { outputLayer: 'nope' })).toThrow(/has no layer named nope/);
  });

  it('names an unsupported activation', () => {
    const model = chain([4, 4, 2], [tfl.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'softplus', name: 'c' })]);
    expect(() => exportLayersModel(model)).toThrow(/layer c \(Conv2D\).*activation softplus/);
  });
});
