/**
 * Exports a tfjs-layers model (as loaded or fine-tuned in SonoTL) to ONNX bytes for ONNX Runtime.
 *
 * Layout convention
 * - Input: NCHW float32 `[N, C, H, W]` by default. ONNX Runtime's CPU convolutions are NCHW (its graph
 *   optimiser further re-blocks them to NCHWc), so an NHWC graph would need a Transpose per layer; with
 *   NCHW input there is none at all, and SonoTL's `preprocess` writes planar channels directly at no
 *   cost. `inputLayout: 'nhwc'` instead takes tfjs-style `[N, H, W, C]` and adds one Transpose at the
 *   start (for callers holding NHWC tensors).
 * - Inside: every 4-D tensor is NCHW. Kernels are re-laid out (HWIO -> OIHW), TF SAME padding becomes
 *   explicit asymmetric pads (extra row/column at the bottom/right, as TF does), ZeroPadding2D is folded
 *   into the next Conv's pads, BatchNormalization is folded into the preceding Conv/Dense when that is
 *   its only reader, and a Dense after Flatten has its kernel rows permuted from TF's H,W,C order to C,H,W.
 * - Output: `pooling: 'avg'` gives `[N, C]` (global average pooling); `pooling: 'none'` returns the
 *   layer output in its Keras layout (`[N, H, W, C]` for 4-D, via one final Transpose) so it compares
 *   one-to-one with `model.predict`.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import { ConvertContext } from './convert-context.js';
import { GraphBuilder, tensorValueInfo } from './graph-builder.js';
import { readKerasGraph, type KerasShape } from './keras-graph.js';
import { converters, supportedLayerClasses, unsupported } from './layer-converters.js';
import { encodeModel } from './proto.js';

export interface ExportOptions {
  /** Name of the layer whose output becomes the model output; default: the model's output. */
  outputLayer?: string;
  /** 'avg' appends global average pooling to a 4-D output; default 'none'. */
  pooling?: 'avg' | 'none';
  /** ONNX graph input name; default 'input'. */
  inputName?: string;
  /** Default 'nchw' (fastest in ONNX Runtime, see above). */
  inputLayout?: 'nchw' | 'nhwc';
  /** ONNX opset, 13..21; default 13 (the operators used here have the same semantics up to 21). */
  opset?: number;
}

export const OUTPUT_NAME = 'features';
const MIN_OPSET = 13;
const MAX_OPSET = 21;
const BATCH = 'N';

export function exportLayersModel(model: LayersModel, opts: ExportOptions = {}): Uint8Array {
  const opset = opts.opset ?? MIN_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new SonoError('BAD_INPUT', `ONNX opset ${opset} is not supported; use ${MIN_OPSET}..${MAX_OPSET}`);
  }
  const pooling = opts.pooling ?? 'none';
  const inputName = opts.inputName ?? 'input';
  const layout = opts.inputLayout ?? 'nchw';

  const graph = readKerasGraph(model, opts.outputLayer);
  const builder = new GraphBuilder();
  const ctx = new ConvertContext(builder, graph);

  if (inputName === OUTPUT_NAME) throw new SonoError('BAD_INPUT', `input name ${OUTPUT_NAME} is reserved for the output`);
  builder.reserve(inputName);
  builder.reserve(OUTPUT_NAME);
  const inShape = graph.input.shape;
  let inputDims: Array<number | string>;
  if (inShape.length === 4) {
    const [, h, w, c] = inShape.map((d, i) => dim(d, ['N', 'H', 'W', 'C'][i]));
    inputDims = layout === 'nchw' ? [BATCH, c, h, w] : [BATCH, h, w, c];
    const nchw = layout === 'nchw' ? inputName : builder.node('Transpose', [inputName], `${inputName}_nchw`, { perm: [0, 3, 1, 2] });
    ctx.define(graph.input.key, { name: nchw, rank: 4 });
  } else if (inShape.length === 2) {
    inputDims = [BATCH, dim(inShape[1], 'F')];
    ctx.define(graph.input.key, { name: inputName, rank: 2 });
  } else {
    throw new SonoError('UNSUPPORTED', `model input ${graph.input.name} has rank ${inShape.length}; only images (rank 4) or vectors (rank 2) can be exported`);
  }

  for (const call of graph.calls) {
    const convert = converters[call.className];
    if (!convert) {
      throw new SonoError(
        'UNSUPPORTED',
        `cannot export layer ${call.layer.name}: layer class ${call.className} is not supported by the ONNX exporter ` +
          `(supported: ${supportedLayerClasses().join(', ')})`,
        call.layer.name,
      );
    }
    convert(call, ctx);
  }

  const out = ctx.input(graph.output.key);
  const outShape = graph.output.shape;
  let result: string;
  let outputDims: Array<number | string>;
  if (out.rank === 4) {
    const [, h, w, c] = outShape.map((d, i) => dim(d, ['N', 'outH', 'outW', 'outC'][i]));
    if (pooling === 'avg') {
      const pooled = builder.node('GlobalAveragePool', [out.name], 'pool');
      result = builder.nodeNamed('Flatten', [pooled], OUTPUT_NAME, { axis: 1 });
      outputDims = [BATCH, c];
    } else {
      result = builder.nodeNamed('Transpose', [out.name], OUTPUT_NAME, { perm: [0, 2, 3, 1] });
      outputDims = [BATCH, h, w, c];
    }
  } else {
    if (pooling === 'avg') {
      const last = graph.calls[graph.calls.length - 1];
      throw last ? unsupported(last, `pooling 'avg' needs a 4-D output, got rank ${out.rank}`) : new SonoError('BAD_INPUT', "pooling 'avg' needs a 4-D output");
    }
    // A graph output must be produced by a node; an Identity also gives it the stable name.
    result = builder.nodeNamed('Identity', [out.name], OUTPUT_NAME);
    outputDims = outShape.map((d, i) => (i === 0 ? BATCH : dim(d, `out${i}`)));
  }

  const modelProto = builder.toModel({
    opset,
    graphName: model.name,
    inputs: [tensorValueInfo(inputName, inputDims)],
    outputs: [tensorValueInfo(result, outputDims)],
    docString:
      `Exported by SonoTL from tfjs-layers model ${model.name}. Input ${inputName} ${layout.toUpperCase()} float32; ` +
      `output ${result}${pooling === 'avg' ? ' globally average-pooled' : ''}.`,
  });
  return encodeModel(modelProto);
}

/** Unknown sizes become named symbolic dims; distinct names, since equal names assert equal sizes. */
function dim(d: KerasShape[number], symbol: string): number | string {
  return d === null ? symbol : d;
}
