import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSonoError } from '../errors.js';
import { exportLayersModel } from '../onnx/export-tfjs.js';
import { parseOnnx } from '../onnx/import-graph.js';
import { AttributeType, decodeModel, encodeModel } from '../onnx/proto.js';
import { maxAbsDiff, nhwcToNchw, randomArray, seededRandom, useCpuBackend } from '../onnx/test-support.js';
import { importCaffeNet, loadCaffeNetOnnx } from './caffenet-onnx.js';
import { FC7_OUTPUT, caffeNetOnnx, type CaffeNetOnnxOptions } from './caffenet-test-onnx.js';

const TOL = 1e-4;
// Reduced widths; 95 x 115 makes every pool's ceil mode matter on one axis or the other (pool1 and
// pool5 need an extra row or column) and leaves pool5 at 2 x 3, so fc6's flatten order is tested.
const SMALL: CaffeNetOnnxOptions = {
  inputSize: [95, 115],
  widths: { conv1: 8, conv2: 12, conv3: 16, conv4: 16, conv5: 12, fc6: 32, fc7: 24, fc8: 10 },
  // Caffe's alpha is 1e-4; a larger one makes the LRN change the activations measurably.
  lrn: { size: 5, alpha: 0.5, beta: 0.75, k: 2 },
};
const BATCH = 2;

let dir: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'sonotl-caffenet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A seeded NCHW batch in a BGR-mean-subtracted range, and the same batch NHWC for tfjs. */
function batch(seed: number, [h, w]: [number, number]) {
  const nhwc = randomArray(BATCH * h * w * 3, seededRandom(seed), -120, 130);
  return { nhwc, nchw: nhwcToNchw(nhwc, [BATCH, h, w, 3]) };
}

async function runOrt(bytes: Uint8Array, input: Float32Array, dims: number[], output: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) }, [output]);
    return out[output].data as Float32Array;
  } finally {
    await session.release();
  }
}

function tfjsFc7(model: tfl.LayersModel, nhwc: Float32Array, [h, w]: [number, number]): Float32Array {
  const fc7 = tfl.model({ inputs: model.inputs, outputs: model.getLayer('fc7').output as tfl.SymbolicTensor });
  return tf.tidy(() => (fc7.predict(tf.tensor(nhwc, [BATCH, h, w, 3])) as tf.Tensor).dataSync() as Float32Array);
}

describe('CaffeNet ONNX importer: parity with ONNX Runtime on a generated file', () => {
  it.each([
    ['end pads, Reshape', { poolStyle: 'pads', flatten: 'Reshape', opset: 12 }],
    ['ceil_mode, Flatten', { poolStyle: 'ceil_mode', flatten: 'Flatten', opset: 13 }],
  ] as const)('%s: tfjs fc7 = ORT fc7, and the re-exported model agrees', async (_label, style) => {
    const opts = { ...SMALL, ...style };
    const bytes = caffeNetOnnx(opts);
    const file = path.join(dir, `small-${opts.poolStyle}.onnx`);
    await writeFile(file, bytes);
    const { model, config } = await loadCaffeNetOnnx(file);
    try {
      expect(config.inputSize).toEqual(SMALL.inputSize);
      expect(config.widths).toEqual(SMALL.widths);
      expect(config.groups).toEqual({ conv2: 2, conv4: 2, conv5: 2 });
      expect(model.getLayer('pool5').outputShape).toEqual([null, 2, 3, SMALL.widths.conv5]);

      const { nhwc, nchw } = batch(11, SMALL.inputSize);
      const dims = [BATCH, 3, ...SMALL.inputSize];
      const expected = await runOrt(bytes, nchw, dims, FC7_OUTPUT);
      const got = tfjsFc7(model, nhwc, SMALL.inputSize);
      // Not a comparison of zeros: the ReLU output must be substantially non-zero.
      expect(expected.filter((v) => v > 0.01).length).toBeGreaterThan(expected.length / 4);
      expect(maxAbsDiff(got, expected)).toBeLessThan(TOL);

      const exported = exportLayersModel(model, { outputLayer: 'fc7' });
      const ops = (decodeModel(exported).graph.node ?? []).map((n) => n.opType);
      expect(ops.filter((o) => o === 'LRN')).toHaveLength(2);
      const again = await runOrt(exported, nchw, dims, 'features');
      expect(maxAbsDiff(again, expected)).toBeLessThan(TOL);

      // The class probabilities agree too (fc8 and its layout were imported, not just fc7).
      const prob = await runOrt(bytes, nchw, dims, 'prob_1');
      const tfProb = tf.tidy(() => (model.predict(tf.tensor(nhwc, [BATCH, ...SMALL.inputSize, 3])) as tf.Tensor).dataSync());
      expect(maxAbsDiff(tfProb, prob)).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });

  it('a group-1 variant imports with plain convolutions', async () => {
    const bytes = caffeNetOnnx({ ...SMALL, groups: { conv2: 1, conv4: 1, conv5: 1 }, seed: 5 });
    const { model } = importCaffeNet(parseOnnx(bytes, 'g1.onnx'));
    try {
      expect(model.getLayer('conv2').getClassName()).toBe('Conv2D');
      const { nhwc, nchw } = batch(12, SMALL.inputSize);
      const expected = await runOrt(bytes, nchw, [BATCH, 3, ...SMALL.inputSize], FC7_OUTPUT);
      expect(maxAbsDiff(tfjsFc7(model, nhwc, SMALL.inputSize), expected)).toBeLessThan(TOL);
    } finally {
      model.dispose();
    }
  });
});

describe('CaffeNet ONNX importer: graph variants', () => {
  it("Reshape's shape from a Constant node", async () => {
    const m = decodeModel(caffeNetOnnx(SMALL));
    const shape = m.graph.initializer!.find((t) => t.name === 'OC2_DUMMY_1')!;
    m.graph.initializer = m.graph.initializer!.filter((t) => t !== shape);
    const at = m.graph.node!.findIndex((n) => n.opType === 'Reshape');
    m.graph.node!.splice(at, 0, { opType: 'Constant', name: 'shape_const', input: [], output: ['OC2_DUMMY_1'], attribute: [{ name: 'value', type: AttributeType.TENSOR, t: shape }] });
    const bytes = encodeModel(m);
    const { model } = importCaffeNet(parseOnnx(bytes, 'const.onnx'));
    try {
      const { nhwc, nchw } = batch(13, SMALL.inputSize);
      const expected = await runOrt(bytes, nchw, [BATCH, 3, ...SMALL.inputSize], FC7_OUTPUT);
      expect(maxAbsDiff(tfjsFc7(model, nhwc, SMALL.inputSize), expected)).toBeLessThan(TOL);
    } finally {
      model.dispose();
    }
  });
});

describe('CaffeNet ONNX importer: bad files', () => {
  const good = caffeNetOnnx(SMALL);
  const edit = (fn: (m: ReturnType<typeof decodeModel>) => void): Uint8Array => {
    const m = decodeModel(good);
    fn(m);
    return encodeModel(m);
  };
  const failure = (bytes: Uint8Array, name = 'bad.onnx'): { code: string; message: string } => {
    try {
      importCaffeNet(parseOnnx(bytes, name)).model.dispose();
    } catch (e) {
      if (isSonoError(e)) return { code: e.code, message: e.message };
      throw e;
    }
    throw new Error('import succeeded');
  };

  it('a truncated file is reported as such, naming the file', async () => {
    const file = path.join(dir, 'truncated.onnx');
    await writeFile(file, good.subarray(0, Math.floor(good.length * 0.6)));
    const e = await loadCaffeNetOnnx(file).then(() => null, (err: unknown) => err);
    expect(isSonoError(e) && e.code).toBe('CORRUPT');
    expect((e as Error).message).toContain(file);
    expect((e as Error).message).toMatch(/truncated/);
  });

  it('a missing file', async () => {
    const file = path.join(dir, 'absent.onnx');
    await expect(loadCaffeNetOnnx(file)).rejects.toThrow(`cannot read ${file}`);
  });

  it('a missing initializer', () => {
    const bytes = edit((m) => {
      m.graph.initializer = m.graph.initializer!.filter((t) => t.name !== 'conv4_w_0');
    });
    const e = failure(bytes);
    expect(e.message).toMatch(/^bad\.onnx: conv4 weight of Conv conv4_1 \(conv4_w_0\) is missing/);
  });

  it('a weight of the wrong shape', () => {
    const bytes = edit((m) => {
      const t = m.graph.initializer!.find((i) => i.name === 'fc7_w_0')!;
      // Same number of values, other layout: 24 x 32 declared as 32 x 24.
      t.dims = [t.dims![1], t.dims![0]];
    });
    expect(failure(bytes).message).toMatch(/initializer fc7_w_0 has shape \[32,24\], expected 32 inputs/);
  });

  it('initializer bytes that do not fill the declared shape', () => {
    const bytes = edit((m) => {
      const t = m.graph.initializer!.find((i) => i.name === 'conv3_b_0')!;
      t.rawData = t.rawData!.subarray(0, 8);
    });
    const e = failure(bytes);
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toMatch(/bad\.onnx: initializer conv3_b_0 has 8 bytes for shape \[16\]/);
  });

  it('a wrong topology: AlexNet order (LRN before pool)', () => {
    const bytes = edit((m) => {
      const nodes = m.graph.node!;
      const pool = nodes.findIndex((n) => n.name === 'pool1_1');
      const norm = nodes.findIndex((n) => n.name === 'norm1_1');
      // relu -> norm -> pool -> conv2
      nodes[norm].input = ['conv1_2'];
      nodes[pool].input = [nodes[norm].output![0]];
      nodes.find((n) => n.name === 'conv2_1')!.input![0] = nodes[pool].output![0];
    });
    expect(failure(bytes).message).toMatch(/^bad\.onnx is not a CaffeNet graph: expected MaxPool \(pool after conv1\) after conv1_2, found LRN norm1_1/);
  });

  it('a wrong topology: conv1 stride', () => {
    const bytes = edit((m) => {
      const conv = m.graph.node!.find((n) => n.name === 'conv1_1')!;
      conv.attribute!.find((a) => a.name === 'strides')!.ints = [2, 2];
    });
    expect(failure(bytes).message).toMatch(/conv1 \(conv1_1\) is 11x11 stride 2x2 pads 0,0,0,0; CaffeNet's is 11x11 stride 4 pad 0/);
  });

  it('floor-mode pooling where Caffe would round up', () => {
    const bytes = edit((m) => {
      const pool = m.graph.node!.find((n) => n.name === 'pool1_1')!;
      pool.attribute!.find((a) => a.name === 'pads')!.ints = [0, 0, 0, 0];
    });
    expect(failure(bytes).message).toMatch(/MaxPool pool1_1 turns 22x27 into 10x13; Caffe's ceil-mode pooling gives 11x13/);
  });

  it('an input size whose pool5 does not fit fc6', () => {
    const e = (() => {
      try {
        importCaffeNet(parseOnnx(good, 'small.onnx'), { inputSize: [227, 227] });
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(e?.message).toBe('small.onnx: fc6 takes 72 inputs, but a 227x227 input gives pool5 12x6x6 = 432');
  });

  it('not an ONNX file at all', () => {
    const e = failure(new TextEncoder().encode('{"modelTopology": {}}'), 'model.json');
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toMatch(/^model\.json is not/);
  });
});
