/**
 * Test support: writes an ONNX file of CaffeNet's topology (as the Caffe -> Caffe2 -> ONNX conversion
 * lays it out: `conv1_w_0` initializers, Gemm with transB, Reshape before fc6, Dropout with a mask
 * output) with chosen widths and seeded random weights, using SonoTL's own protobuf writer. Not used by
 * product code.
 */
import { caffePoolSize, caffeNetShapes, CAFFENET, type CaffeNetConfig } from './caffenet.js';
import { AttributeType, DataType, encodeModel, type AttributeProto, type NodeProto, type TensorProto } from '../onnx/proto.js';
import { randomArray, seededRandom } from '../onnx/test-support.js';

export interface CaffeNetOnnxOptions {
  inputSize: [number, number];
  widths: CaffeNetConfig['widths'];
  groups?: CaffeNetConfig['groups'];
  lrn?: CaffeNetConfig['lrn'];
  /** How Caffe's ceil-mode pooling is written: extra end pads, or ceil_mode = 1. */
  poolStyle?: 'pads' | 'ceil_mode';
  flatten?: 'Reshape' | 'Flatten';
  opset?: number;
  seed?: number;
  /** Declared as a second graph output so ONNX Runtime can return it: the post-ReLU fc7 value. */
  fc7Output?: string;
}

export const FC7_OUTPUT = 'fc7_2';

export function caffeNetOnnx(opts: CaffeNetOnnxOptions): Uint8Array {
  const rand = seededRandom(opts.seed ?? 3);
  const groups = opts.groups ?? CAFFENET.groups;
  const lrn = opts.lrn ?? CAFFENET.lrn;
  const { widths } = opts;
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const ints = (name: string, v: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: v });
  const int = (name: string, v: number): AttributeProto => ({ name, type: AttributeType.INT, i: v });
  const float = (name: string, v: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f: v });
  const tensor = (name: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    inits.push({ name, dims, dataType: data instanceof Float32Array ? DataType.FLOAT : DataType.INT64, rawData: new Uint8Array(data.buffer.slice(0)) });
    return name;
  };
  // He-style scaling keeps activations O(1) through eight layers so the comparison is not of zeros.
  const weight = (name: string, dims: number[], fanIn: number) =>
    tensor(name, dims, randomArray(dims.reduce((a, b) => a * b, 1), rand, -Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn)));
  const bias = (name: string, n: number) => tensor(name, [n], randomArray(n, rand, -0.1, 0.1));
  const node = (opType: string, inputs: string[], outputs: string[], attribute: AttributeProto[] = []) => {
    nodes.push({ opType, name: outputs[0], input: inputs, output: outputs, attribute });
    return outputs[0];
  };

  const shapes = caffeNetShapes(opts.inputSize);
  const spatialBefore = { pool1: shapes.conv1, pool2: shapes.pool1, pool5: shapes.pool2 };
  const pool = (x: string, name: 'pool1' | 'pool2' | 'pool5') => {
    const [h, w] = spatialBefore[name];
    const attrs = [ints('kernel_shape', [3, 3]), ints('strides', [2, 2])];
    if (opts.poolStyle === 'ceil_mode') attrs.push(int('ceil_mode', 1), ints('pads', [0, 0, 0, 0]));
    else attrs.push(ints('pads', [0, 0, (caffePoolSize(h, 3, 2) - 1) * 2 + 3 - h, (caffePoolSize(w, 3, 2) - 1) * 2 + 3 - w]));
    return node('MaxPool', [x], [`${name}_1`], attrs);
  };
  const conv = (x: string, name: string, cin: number, cout: number, k: number, stride: number, pad: number, group: number) => {
    const w = weight(`${name}_w_0`, [cout, cin / group, k, k], (cin / group) * k * k);
    const b = bias(`${name}_b_0`, cout);
    const y = node('Conv', [x, w, b], [`${name}_1`], [
      ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad]), ints('dilations', [1, 1]), int('group', group),
    ]);
    return node('Relu', [y], [`${name}_2`]);
  };
  const norm = (x: string, name: string) =>
    node('LRN', [x], [`${name}_1`], [int('size', lrn.size), float('alpha', lrn.alpha), float('beta', lrn.beta), float('bias', lrn.k)]);
  const fc = (x: string, name: string, inputs: number, units: number) =>
    node('Gemm', [x, weight(`${name}_w_0`, [units, inputs], inputs), bias(`${name}_b_0`, units)], [`${name}_1`], [int('transB', 1)]);

  let x = 'data_0';
  x = norm(pool(conv(x, 'conv1', 3, widths.conv1, 11, 4, 0, 1), 'pool1'), 'norm1');
  x = norm(pool(conv(x, 'conv2', widths.conv1, widths.conv2, 5, 1, 2, groups.conv2), 'pool2'), 'norm2');
  x = conv(x, 'conv3', widths.conv2, widths.conv3, 3, 1, 1, 1);
  x = conv(x, 'conv4', widths.conv3, widths.conv4, 3, 1, 1, groups.conv4);
  x = pool(conv(x, 'conv5', widths.conv4, widths.conv5, 3, 1, 1, groups.conv5), 'pool5');
  const flat = widths.conv5 * shapes.pool5[0] * shapes.pool5[1];
  x = opts.flatten === 'Flatten'
    ? node('Flatten', [x], ['pool5_flat'], [int('axis', 1)])
    : node('Reshape', [x, tensor('OC2_DUMMY_1', [2], BigInt64Array.of(0n, BigInt(flat)))], ['OC2_DUMMY_0']);
  x = node('Relu', [fc(x, 'fc6', flat, widths.fc6)], ['fc6_2']);
  x = node('Dropout', [x], ['fc6_3', '_fc6_mask_1']);
  const fc7 = node('Relu', [fc(x, 'fc7', widths.fc6, widths.fc7)], [FC7_OUTPUT]);
  x = node('Dropout', [fc7], ['fc7_3', '_fc7_mask_1']);
  x = node('Softmax', [fc(x, 'fc8', widths.fc7, widths.fc8)], ['prob_1'], [int('axis', 1)]);

  const info = (name: string, dims: Array<number | string>) => ({
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const opset = opts.opset ?? 12;
  return encodeModel({
    irVersion: opset <= 12 ? 7 : 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'sonotl-test',
    graph: {
      name: 'caffenet_small',
      node: nodes,
      initializer: inits,
      input: [info('data_0', ['N', 3, ...opts.inputSize])],
      output: [info('prob_1', ['N', widths.fc8]), info(FC7_OUTPUT, ['N', widths.fc7])],
    },
  });
}
