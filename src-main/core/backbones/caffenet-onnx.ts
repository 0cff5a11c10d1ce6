/**
 * Loads a CaffeNet ONNX file (the ONNX Model Zoo's caffenet-12.onnx, converted Caffe -> Caffe2 -> ONNX,
 * or any file of the same topology, e.g. with reduced widths) into the trainable tfjs model of
 * caffenet.ts.
 *
 * The graph is matched node by node from the input: per stage Conv -> Relu [-> MaxPool] [-> LRN], then
 * [Reshape | Flatten] -> Gemm -> Relu [-> Dropout] twice, then Gemm [-> Softmax]. Widths and groups come
 * from the initializers; kernel sizes, strides, pads and pooling must be CaffeNet's, since the tfjs model
 * is built with that geometry. Anything else is refused naming the file, the node and what was expected.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import { floatAttr, intAttr, intsAttr, readOnnxFile, stringAttr, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../onnx/import-graph.js';
import { chwRowsToHwc, gemmToDense, oihwToHwio } from '../onnx/import-weights.js';
import { CAFFENET, buildCaffeNet, caffeNetShapes, caffePoolSize, type CaffeNetConfig } from './caffenet.js';

export interface CaffeNetImportOptions {
  /** [height, width] of the tfjs model; default: the ONNX input's fixed size, else 227 x 227. */
  inputSize?: readonly [number, number];
}

export interface ImportedCaffeNet {
  model: tfl.LayersModel;
  config: CaffeNetConfig;
}

interface ConvSpec {
  layer: 'conv1' | 'conv2' | 'conv3' | 'conv4' | 'conv5';
  kernel: number;
  stride: number;
  pad: number;
  pool: boolean;
  lrn: boolean;
}

const CONVS: ConvSpec[] = [
  { layer: 'conv1', kernel: 11, stride: 4, pad: 0, pool: true, lrn: true },
  { layer: 'conv2', kernel: 5, stride: 1, pad: 2, pool: true, lrn: true },
  { layer: 'conv3', kernel: 3, stride: 1, pad: 1, pool: false, lrn: false },
  { layer: 'conv4', kernel: 3, stride: 1, pad: 1, pool: false, lrn: false },
  { layer: 'conv5', kernel: 3, stride: 1, pad: 1, pool: true, lrn: false },
];

export async function loadCaffeNetOnnx(file: string, opts: CaffeNetImportOptions = {}): Promise<ImportedCaffeNet> {
  return importCaffeNet(await readOnnxFile(file), opts);
}

export function importCaffeNet(g: OnnxGraph, opts: CaffeNetImportOptions = {}): ImportedCaffeNet {
  const src = g.source;
  const topology = (what: string) => new SonoError('BAD_INPUT', `${src} is not a CaffeNet graph: ${what}`, src);
  if (g.inputs.length !== 1) throw topology(`expected one image input, found ${g.inputs.length} (${g.inputs.map((i) => i.name).join(', ')})`);
  const input = g.inputs[0];
  if (input.dims && (input.dims.length !== 4 || input.dims[1] !== 3)) {
    throw topology(`input ${input.name} is [${input.dims.map((d) => d ?? '?').join(',')}], expected [N, 3, H, W]`);
  }
  const onnxSize = input.dims && input.dims[2] !== null && input.dims[3] !== null ? [input.dims[2], input.dims[3]] as [number, number] : null;

  const consumers = new Map<string, OnnxNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  let cur = input.name;
  const peek = (): OnnxNode | undefined => {
    const list = consumers.get(cur) ?? [];
    if (list.length > 1) throw topology(`value ${cur} feeds ${list.length} nodes (${list.map((n) => n.name).join(', ')}); CaffeNet is a chain`);
    return list[0];
  };
  const take = (op: string, role: string): OnnxNode => {
    const n = peek();
    if (!n || n.opType !== op) throw topology(`expected ${op} (${role}) after ${cur}, found ${n ? `${n.opType} ${n.name}` : 'the end of the graph'}`);
    cur = n.outputs[0];
    return n;
  };
  const maybe = (ops: string[]): OnnxNode | undefined => {
    const n = peek();
    if (!n || !ops.includes(n.opType)) return undefined;
    cur = n.outputs[0];
    return n;
  };
  const init = (n: OnnxNode, index: number, role: string): OnnxTensor => {
    const name = n.inputs[index];
    const t = name ? g.initializers.get(name) : undefined;
    if (!t) throw new SonoError('BAD_INPUT', `${src}: ${role} of ${n.opType} ${n.name} (${name || `input ${index}`}) is missing: not an initializer in the file`, src);
    if (!(t.data instanceof Float32Array)) throw new SonoError('BAD_INPUT', `${src}: ${role} ${t.name} is not float32`, src);
    return t;
  };
  const shapeError = (t: OnnxTensor, expected: string) =>
    new SonoError('BAD_INPUT', `${src}: initializer ${t.name} has shape [${t.dims.join(',')}], expected ${expected}`, src);

  const widths = { ...CAFFENET.widths };
  const groups = { ...CAFFENET.groups };
  let lrn: CaffeNetConfig['lrn'] | undefined;
  const weights = new Map<string, Array<{ data: Float32Array; shape: number[] }>>();
  let channels = 3;
  let spatial = onnxSize;

  for (const spec of CONVS) {
    const conv = take('Conv', spec.layer);
    const w = init(conv, 1, `${spec.layer} weight`);
    if (w.dims.length !== 4) throw shapeError(w, '[out, in/group, kh, kw]');
    const [cout, cinPerGroup, kh, kw] = w.dims;
    const group = intAttr(g, conv, 'group', 1);
    const kernel = intsAttr(g, conv, 'kernel_shape', [kh, kw]);
    const strides = intsAttr(g, conv, 'strides', [1, 1]);
    const pads = intsAttr(g, conv, 'pads', [0, 0, 0, 0]);
    const dilations = intsAttr(g, conv, 'dilations', [1, 1]);
    const autoPad = stringAttr(g, conv, 'auto_pad', 'NOTSET');
    const geometryOk =
      kh === spec.kernel && kw === spec.kernel && kernel.every((k) => k === spec.kernel) && strides.every((s) => s === spec.stride) &&
      pads.length === 4 && pads.every((p) => p === spec.pad) && dilations.every((d) => d === 1) && autoPad === 'NOTSET';
    if (!geometryOk) {
      throw topology(
        `${spec.layer} (${conv.name}) is ${kh}x${kw} stride ${strides.join('x')} pads ${pads.join(',')}` +
          `${autoPad !== 'NOTSET' ? ` auto_pad ${autoPad}` : ''}; CaffeNet's is ${spec.kernel}x${spec.kernel} stride ${spec.stride} pad ${spec.pad}`,
      );
    }
    if (cinPerGroup * group !== channels) throw shapeError(w, `[${cout}, ${channels}/${group}, ${kh}, ${kw}] (${channels} channels arrive, group ${group})`);
    if (cout % group !== 0) throw topology(`${spec.layer} has ${cout} filters, not divisible by group ${group}`);
    if (spec.layer === 'conv1' || spec.layer === 'conv3') {
      if (group !== 1) throw topology(`${spec.layer} has group ${group}; CaffeNet's ${spec.layer} is not grouped`);
    } else {
      groups[spec.layer] = group;
    }
    const bias = conv.inputs[2] ? init(conv, 2, `${spec.layer} bias`) : { name: '', dims: [cout], data: new Float32Array(cout) };
    if (bias.data.length !== cout) throw shapeError(bias as OnnxTensor, `[${cout}]`);
    widths[spec.layer] = cout;
    weights.set(spec.layer, [
      { data: oihwToHwio(w.data as Float32Array, w.dims), shape: [kh, kw, cinPerGroup, cout] },
      { data: Float32Array.from(bias.data as Float32Array), shape: [cout] },
    ]);
    channels = cout;
    if (spatial) spatial = spatial.map((d) => Math.floor((d + 2 * spec.pad - spec.kernel) / spec.stride) + 1) as [number, number];
    take('Relu', `${spec.layer} ReLU`);
    if (spec.pool) {
      const pool = take('MaxPool', `pool after ${spec.layer}`);
      spatial = checkPool(g, pool, spatial, topology);
    }
    if (spec.lrn) {
      const norm = take('LRN', `norm after ${spec.layer}`);
      const found = {
        size: intAttr(g, norm, 'size'),
        alpha: floatAttr(g, norm, 'alpha', 1e-4),
        beta: floatAttr(g, norm, 'beta', 0.75),
        k: floatAttr(g, norm, 'bias', 1),
      };
      if (found.size % 2 !== 1) throw topology(`LRN ${norm.name} has even size ${found.size}; only odd (centred) windows map to tfjs`);
      if (lrn && (lrn.size !== found.size || lrn.alpha !== found.alpha || lrn.beta !== found.beta || lrn.k !== found.k)) {
        throw topology(`LRN ${norm.name} differs from the first LRN (${JSON.stringify(found)} vs ${JSON.stringify(lrn)})`);
      }
      lrn = found;
    }
  }

  const flatten = maybe(['Reshape', 'Flatten']);
  if (flatten?.opType === 'Flatten' && intAttr(g, flatten, 'axis', 1) !== 1) throw topology(`Flatten ${flatten.name} has axis ${intAttr(g, flatten, 'axis', 1)}, expected 1`);
  if (flatten?.opType === 'Reshape') checkReshape(g, flatten, topology);

  const fcs = ['fc6', 'fc7', 'fc8'] as const;
  let inputs = -1;
  for (const fc of fcs) {
    const gemm = take('Gemm', fc);
    const alpha = floatAttr(g, gemm, 'alpha', 1);
    const beta = floatAttr(g, gemm, 'beta', 1);
    if (alpha !== 1 || beta !== 1 || intAttr(g, gemm, 'transA', 0) !== 0) throw topology(`Gemm ${gemm.name} has alpha ${alpha}, beta ${beta} or transA set`);
    const b = init(gemm, 1, `${fc} weight`);
    if (b.dims.length !== 2) throw shapeError(b, '[out, in] or [in, out]');
    const dense = gemmToDense(b.data as Float32Array, b.dims, intAttr(g, gemm, 'transB', 0) === 1);
    if (fc !== 'fc6' && dense.inputs !== inputs) throw shapeError(b, `${inputs} inputs (the units of the layer before)`);
    const c = gemm.inputs[2] ? init(gemm, 2, `${fc} bias`) : undefined;
    if (c && c.data.length !== dense.units) throw shapeError(c, `[${dense.units}]`);
    widths[fc] = dense.units;
    weights.set(fc, [
      { data: dense.data, shape: [dense.inputs, dense.units] },
      { data: c ? Float32Array.from(c.data as Float32Array) : new Float32Array(dense.units), shape: [dense.units] },
    ]);
    inputs = dense.units;
    if (fc === 'fc8') break;
    take('Relu', `${fc} ReLU`);
    maybe(['Dropout']);
  }
  maybe(['Softmax']);

  const inputSize = opts.inputSize ?? onnxSize ?? CAFFENET.inputSize;
  const [ph, pw] = caffeNetShapes(inputSize).pool5;
  const fc6 = weights.get('fc6')![0];
  if (fc6.shape[0] !== widths.conv5 * ph * pw) {
    throw new SonoError(
      'BAD_INPUT',
      `${src}: fc6 takes ${fc6.shape[0]} inputs, but a ${inputSize.join('x')} input gives pool5 ${widths.conv5}x${ph}x${pw} = ${widths.conv5 * ph * pw}`,
      src,
    );
  }
  fc6.data = chwRowsToHwc(fc6.data, ph, pw, widths.conv5, widths.fc6);

  const config: CaffeNetConfig = { ...CAFFENET, inputSize: [inputSize[0], inputSize[1]], widths, groups, lrn: lrn ?? CAFFENET.lrn };
  const model = buildCaffeNet(config);
  for (const [layer, values] of weights) {
    const tensors = values.map((v) => tf.tensor(v.data, v.shape));
    try {
      model.getLayer(layer).setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  return { model, config };
}

/**
 * A pool must be CaffeNet's 3x3 stride 2 max-pool in Caffe's ceil mode. Converters write ceil mode as
 * `ceil_mode = 1` or as extra bottom/right pads; both are accepted when they give Caffe's output size
 * at the file's declared input size (only the begin pads can be checked when that size is symbolic).
 */
function checkPool(g: OnnxGraph, pool: OnnxNode, spatial: [number, number] | null, topology: (what: string) => SonoError): [number, number] | null {
  const kernel = intsAttr(g, pool, 'kernel_shape');
  const strides = intsAttr(g, pool, 'strides', [1, 1]);
  const pads = intsAttr(g, pool, 'pads', [0, 0, 0, 0]);
  const ceil = intAttr(g, pool, 'ceil_mode', 0) === 1;
  const autoPad = stringAttr(g, pool, 'auto_pad', 'NOTSET');
  if (!kernel.every((k) => k === 3) || !strides.every((s) => s === 2) || autoPad !== 'NOTSET' || pads[0] !== 0 || pads[1] !== 0) {
    throw topology(`MaxPool ${pool.name} is ${kernel.join('x')} stride ${strides.join('x')} pads ${pads.join(',')}; CaffeNet pools 3x3 stride 2 without leading pads`);
  }
  if (intsAttr(g, pool, 'dilations', [1, 1]).some((d) => d !== 1)) throw topology(`MaxPool ${pool.name} is dilated`);
  if (!spatial) return null;
  const out = spatial.map((d, i) => {
    const span = d + pads[2 + i] - 3;
    return (ceil ? Math.ceil(span / 2) : Math.floor(span / 2)) + 1;
  }) as [number, number];
  const caffe = spatial.map((d) => caffePoolSize(d, 3, 2)) as [number, number];
  if (out[0] !== caffe[0] || out[1] !== caffe[1]) {
    throw topology(`MaxPool ${pool.name} turns ${spatial.join('x')} into ${out.join('x')}; Caffe's ceil-mode pooling gives ${caffe.join('x')}`);
  }
  return caffe;
}

/** Reshape before fc6 must flatten [N, C, H, W] to [N, C*H*W]: shape [N|0|-1, -1|C*H*W] (checked against fc6 later). */
function checkReshape(g: OnnxGraph, n: OnnxNode, topology: (what: string) => SonoError): void {
  const shapeName = n.inputs[1];
  // The target shape is an initializer (opset >= 5), a Constant node's value, or (opset 1) an attribute.
  const constant = g.nodes.find((c) => c.opType === 'Constant' && c.outputs[0] === shapeName)?.attributes.get('value');
  const fromInit = (shapeName ? g.initializers.get(shapeName) : undefined) ?? (typeof constant === 'object' && !Array.isArray(constant) ? constant : undefined);
  const shapeAttr = n.attributes.get('shape');
  const shape = fromInit ? Array.from(fromInit.data, Number) : Array.isArray(shapeAttr) ? shapeAttr : undefined;
  if (!shape) throw topology(`Reshape ${n.name} takes its shape from a computed value; only a constant shape can be checked`);
  if (shape.length !== 2) throw topology(`Reshape ${n.name} reshapes to [${shape.join(',')}], expected [N, C*H*W]`);
}
