/**
 * One converter per supported tfjs-layers class. Each reads its inputs through the ConvertContext
 * (4-D values are NCHW on the ONNX side) and defines its output.
 */
import { SonoError } from '../errors.js';
import type { ConvertContext, SpatialPads, Value } from './convert-context.js';
import type { KerasShape, LayerCall } from './keras-graph.js';
import { depthwiseToOihw, foldBatchNorm, hwcRowsToChw, hwioToOihw, samePadding } from './weights.js';

type Converter = (call: LayerCall, ctx: ConvertContext) => void;

const identity: Converter = (call, ctx) => ctx.alias(call.output, ctx.value(call.inputs[0]));

export const converters: Record<string, Converter> = {
  Conv2D: convolution,
  DepthwiseConv2D: convolution,
  GroupedConv2D: convolution,
  BatchNormalization: batchNormalization,
  ReLU: (call, ctx) => {
    const x = ctx.input(call.inputs[0]);
    const max = call.config.maxValue;
    const name = typeof max === 'number' ? clip(ctx, x.name, 0, max, call.layer.name) : ctx.builder.node('Relu', [x.name], call.layer.name);
    ctx.define(call.output, { name, rank: x.rank });
  },
  LeakyReLU: (call, ctx) => {
    const x = ctx.input(call.inputs[0]);
    const alpha = numberConfig(call, 'alpha');
    ctx.define(call.output, { name: ctx.builder.node('LeakyRelu', [x.name], call.layer.name, { alpha: { f: alpha } }), rank: x.rank });
  },
  Softmax: (call, ctx) => {
    const x = ctx.input(call.inputs[0]);
    const axis = onnxAxis(numberConfig(call, 'axis'), x.rank);
    ctx.define(call.output, { name: ctx.builder.node('Softmax', [x.name], call.layer.name, { axis }), rank: x.rank });
  },
  Activation: (call, ctx) => {
    const x = ctx.input(call.inputs[0]);
    ctx.define(call.output, activation(ctx, call, x, String(call.config.activation)));
  },
  Add: (call, ctx) => merge(call, ctx, 'Add'),
  Multiply: (call, ctx) => merge(call, ctx, 'Mul'),
  Concatenate: (call, ctx) => {
    const xs = call.inputs.map((k) => ctx.input(k));
    const axis = onnxAxis(numberConfig(call, 'axis'), xs[0].rank);
    const name = ctx.builder.node('Concat', xs.map((x) => x.name), call.layer.name, { axis });
    ctx.define(call.output, { name, rank: xs[0].rank });
  },
  ZeroPadding2D: (call, ctx) => {
    channelsLast(call);
    const [[t, b], [l, r]] = call.config.padding as [[number, number], [number, number]];
    const x = ctx.input(call.inputs[0], { pads: true });
    const prev = x.pads ?? [0, 0, 0, 0];
    // Left pending: a Conv reading this adds the pads to its own, saving a padded copy of the image.
    ctx.define(call.output, { name: x.name, rank: 4, pads: [prev[0] + t, prev[1] + l, prev[2] + b, prev[3] + r] });
  },
  MaxPooling2D: (call, ctx) => pooling(call, ctx, 'MaxPool'),
  AveragePooling2D: (call, ctx) => pooling(call, ctx, 'AveragePool'),
  GlobalAveragePooling2D: (call, ctx) => globalPooling(call, ctx, 'GlobalAveragePool'),
  GlobalMaxPooling2D: (call, ctx) => globalPooling(call, ctx, 'GlobalMaxPool'),
  Flatten: (call, ctx) => {
    const source = ctx.value(call.inputs[0]);
    if (source.rank === 2) return ctx.alias(call.output, source);
    if (source.rank !== 4) throw unsupported(call, `Flatten of a rank-${source.rank} tensor`);
    const x = ctx.input(call.inputs[0]);
    const [, h, w, c] = call.inputShapes[0];
    ctx.define(call.output, { name: x.name, rank: 2, hwcFlatten: { h, w, c } });
  },
  LRN: localResponseNormalization,
  Dense: dense,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
};

export function supportedLayerClasses(): string[] {
  return Object.keys(converters).sort();
}

export function unsupported(call: LayerCall, what: string): SonoError {
  return new SonoError('UNSUPPORTED', `cannot export layer ${call.layer.name} (${call.className}) to ONNX: ${what}`, call.layer.name);
}

function convolution(call: LayerCall, ctx: ConvertContext): void {
  channelsLast(call);
  const depthwise = call.className === 'DepthwiseConv2D';
  const kernel = ctx.requireWeight(call, depthwise ? 'depthwise_kernel' : 'kernel');
  const [kh, kw, cin, last] = kernel.shape;
  const outChannels = depthwise ? cin * last : last;
  // GroupedConv2D (CaffeNet's group: 2, backbones/caffenet-layers.ts) keeps ONNX's grouped kernel order.
  const groups = call.className === 'GroupedConv2D' ? numberConfig(call, 'groups') : 1;
  const strides = pair(call, 'strides');
  const dilations = pair(call, 'dilationRate');

  const x = ctx.input(call.inputs[0], { pads: true });
  const [, inH, inW] = call.inputShapes[0];
  const padding = String(call.config.padding);
  if (padding !== 'same' && padding !== 'valid') throw unsupported(call, `padding ${padding}`);
  let pads: SpatialPads = [0, 0, 0, 0];
  if (padding === 'same') {
    if (inH === null || inW === null) throw unsupported(call, "SAME padding needs a fixed input height and width");
    const [t, b] = samePadding(inH, kh, strides[0], dilations[0]);
    const [l, r] = samePadding(inW, kw, strides[1], dilations[1]);
    pads = [t, l, b, r];
  }
  if (x.pads) pads = pads.map((p, i) => p + x.pads![i]) as SpatialPads;

  const b = ctx.builder;
  const name = call.layer.name;
  const w = b.addInitializer(`${name}_W`, [outChannels, depthwise ? 1 : cin, kh, kw],
    depthwise ? depthwiseToOihw(kernel.data, kernel.shape) : hwioToOihw(kernel.data, kernel.shape));
  // Always give the Conv a bias (zeros when the layer has none) so a following batch norm can fold into it.
  const bias = b.addInitializer(`${name}_B`, [outChannels], ctx.weight(call, 'bias')?.data ?? new Float32Array(outChannels));
  const conv = b.node('Conv', [x.name, w, bias], name, {
    kernel_shape: [kh, kw],
    strides,
    dilations,
    pads,
    group: depthwise ? cin : groups,
  });
  finishAffine(call, ctx, { name: conv, rank: 4 }, { weight: w, bias, channelAxis: 'first' });
}

function dense(call: LayerCall, ctx: ConvertContext): void {
  const kernel = ctx.requireWeight(call, 'kernel');
  const [inputs, units] = kernel.shape;
  const x = ctx.input(call.inputs[0], { hwcFlatten: true });
  if (x.rank !== 2) throw unsupported(call, `Dense on a rank-${x.rank} tensor`);
  const b = ctx.builder;
  const name = call.layer.name;
  let a = x.name;
  let data = kernel.data;
  if (x.hwcFlatten) {
    const { h, w, c } = x.hwcFlatten;
    if (h === null || w === null || c === null) {
      a = ctx.input(call.inputs[0]).name;
    } else {
      a = b.node('Flatten', [x.name], `${name}_flatten`, { axis: 1 });
      data = hwcRowsToChw(kernel.data, h, w, c, units);
    }
  }
  const weight = b.addInitializer(`${name}_W`, [inputs, units], data);
  const bias = b.addInitializer(`${name}_B`, [units], ctx.weight(call, 'bias')?.data ?? new Float32Array(units));
  const gemm = b.node('Gemm', [a, weight, bias], name);
  finishAffine(call, ctx, { name: gemm, rank: 2 }, { weight, bias, channelAxis: 'last' });
}

/** Applies the layer's fused activation; only a linear one leaves the weights open to batch-norm folding. */
function finishAffine(call: LayerCall, ctx: ConvertContext, out: Value, fold: NonNullable<Value['foldInto']>): void {
  const act = String(call.config.activation ?? 'linear');
  if (act === 'linear') {
    ctx.define(call.output, { ...out, foldInto: ctx.soleReader(call.output) ? fold : undefined });
  } else {
    ctx.define(call.output, activation(ctx, call, out, act));
  }
}

function batchNormalization(call: LayerCall, ctx: ConvertContext): void {
  const rank = call.inputShapes[0].length;
  const axis = Number(call.config.axis);
  if (axis !== -1 && axis !== rank - 1) throw unsupported(call, `normalisation over axis ${axis} (only the channel axis)`);
  const channels = call.inputShapes[0][rank - 1];
  if (channels === null) throw unsupported(call, 'unknown channel count');
  const ones = () => new Float32Array(channels).fill(1);
  const params = {
    gamma: ctx.weight(call, 'gamma')?.data ?? ones(),
    beta: ctx.weight(call, 'beta')?.data ?? new Float32Array(channels),
    mean: ctx.requireWeight(call, 'moving_mean').data,
    variance: ctx.requireWeight(call, 'moving_variance').data,
    epsilon: numberConfig(call, 'epsilon'),
  };
  const source = ctx.value(call.inputs[0]);
  const b = ctx.builder;
  if (source.foldInto && !source.pads && !source.hwcFlatten) {
    const weight = b.initializer(source.foldInto.weight).data as Float32Array;
    const bias = b.initializer(source.foldInto.bias).data as Float32Array;
    const channelOf = source.foldInto.channelAxis === 'first'
      ? ((per) => (i: number) => Math.floor(i / per))(weight.length / channels)
      : (i: number) => i % channels;
    foldBatchNorm(weight, bias, channelOf, params);
    ctx.alias(call.output, source);
    return;
  }
  const x = ctx.input(call.inputs[0]);
  const name = call.layer.name;
  const inputs = [
    x.name,
    b.addInitializer(`${name}_scale`, [channels], params.gamma),
    b.addInitializer(`${name}_bias`, [channels], params.beta),
    b.addInitializer(`${name}_mean`, [channels], params.mean),
    b.addInitializer(`${name}_var`, [channels], params.variance),
  ];
  ctx.define(call.output, { name: b.node('BatchNormalization', inputs, name, { epsilon: { f: params.epsilon } }), rank: x.rank });
}

/**
 * tfjs-layers has no LRN layer; CaffeNet-style models use a custom layer registered as 'LRN' whose
 * config holds tf.localResponseNormalization's arguments (depthRadius, bias, alpha, beta). TF sums
 * squares over 2r+1 channels and multiplies by alpha; ONNX LRN divides alpha by the window size.
 */
function localResponseNormalization(call: LayerCall, ctx: ConvertContext): void {
  const r = numberConfig(call, 'depthRadius');
  const size = 2 * r + 1;
  const x = ctx.input(call.inputs[0]);
  if (x.rank !== 4) throw unsupported(call, `LRN on a rank-${x.rank} tensor`);
  const attrs = {
    size,
    alpha: { f: numberConfig(call, 'alpha') * size },
    beta: { f: numberConfig(call, 'beta') },
    bias: { f: numberConfig(call, 'bias') },
  };
  ctx.define(call.output, { name: ctx.builder.node('LRN', [x.name], call.layer.name, attrs), rank: 4 });
}

function merge(call: LayerCall, ctx: ConvertContext, op: 'Add' | 'Mul'): void {
  const xs = call.inputs.map((k) => ctx.input(k));
  if (xs.some((x) => x.rank !== xs[0].rank) || !sameShapes(call.inputShapes)) {
    // Broadcasting across different ranks would pair different axes once 4-D tensors are NCHW.
    throw unsupported(call, 'inputs of different shapes');
  }
  const b = ctx.builder;
  const name = call.layer.name;
  let acc = xs[0].name;
  if (op === 'Add' && xs.length > 2) acc = b.node('Sum', xs.map((x) => x.name), name);
  else for (let i = 1; i < xs.length; i++) acc = b.node(op, [acc, xs[i].name], name);
  ctx.define(call.output, { name: acc, rank: xs[0].rank });
}

function pooling(call: LayerCall, ctx: ConvertContext, op: 'MaxPool' | 'AveragePool'): void {
  channelsLast(call);
  const [kh, kw] = pair(call, 'poolSize');
  const strides = call.config.strides == null ? [kh, kw] : pair(call, 'strides');
  const x = ctx.input(call.inputs[0]);
  const [, inH, inW] = call.inputShapes[0];
  let pads: SpatialPads = [0, 0, 0, 0];
  if (call.config.padding === 'same') {
    if (inH === null || inW === null) throw unsupported(call, 'SAME padding needs a fixed input height and width');
    const [t, b] = samePadding(inH, kh, strides[0]);
    const [l, r] = samePadding(inW, kw, strides[1]);
    pads = [t, l, b, r];
  } else if (call.config.padding !== 'valid') {
    throw unsupported(call, `padding ${String(call.config.padding)}`);
  }
  // TF averages over the valid pixels only at SAME borders: count_include_pad = 0 (the ONNX default).
  const attrs = { kernel_shape: [kh, kw], strides, pads, ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}) };
  ctx.define(call.output, { name: ctx.builder.node(op, [x.name], call.layer.name, attrs), rank: 4 });
}

function globalPooling(call: LayerCall, ctx: ConvertContext, op: 'GlobalAveragePool' | 'GlobalMaxPool'): void {
  channelsLast(call);
  if (call.config.keepDims === true) throw unsupported(call, 'keepDims');
  const x = ctx.input(call.inputs[0]);
  const pooled = ctx.builder.node(op, [x.name], `${call.layer.name}_nc11`);
  ctx.define(call.output, { name: ctx.builder.node('Flatten', [pooled], call.layer.name, { axis: 1 }), rank: 2 });
}

/** Emits an activation function by its tfjs identifier; `linear` emits nothing. */
export function activation(ctx: ConvertContext, call: LayerCall, x: { name: string; rank: number }, fn: string): Value {
  const b = ctx.builder;
  const hint = call.className === 'Activation' ? call.layer.name : `${call.layer.name}_${fn}`;
  const unary = (op: string, attrs = {}) => ({ name: b.node(op, [x.name], hint, attrs), rank: x.rank });
  switch (fn) {
    case 'linear':
      return { name: x.name, rank: x.rank };
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return { name: clip(ctx, x.name, 0, 6, hint), rank: x.rank };
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'elu':
      return unary('Elu', { alpha: { f: 1 } });
    case 'softmax':
      return unary('Softmax', { axis: onnxAxis(-1, x.rank) });
    default:
      throw unsupported(call, `activation ${fn}`);
  }
}

function clip(ctx: ConvertContext, x: string, min: number, max: number, hint: string): string {
  const b = ctx.builder;
  return b.node('Clip', [x, b.scalar(`${hint}_min`, min), b.scalar(`${hint}_max`, max)], hint);
}

/** Keras axis (NHWC for rank 4) -> ONNX axis (NCHW). */
function onnxAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank !== 4 || a === 0) return a;
  return a === 3 ? 1 : a + 1;
}

function channelsLast(call: LayerCall): void {
  const format = call.config.dataFormat;
  if (format !== undefined && format !== 'channelsLast') throw unsupported(call, `data format ${String(format)}`);
}

function pair(call: LayerCall, key: string): [number, number] {
  const v = call.config[key];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return [v[0], v[1]];
  throw unsupported(call, `${key} ${JSON.stringify(v)}`);
}

function numberConfig(call: LayerCall, key: string): number {
  const v = call.config[key];
  if (typeof v !== 'number') throw unsupported(call, `${key} ${JSON.stringify(v)}`);
  return v;
}

function sameShapes(shapes: KerasShape[]): boolean {
  return shapes.every((s) => s.length === shapes[0].length && s.every((d, i) => d === shapes[0][i]));
}
