/**
 * The reading side of ONNX: bytes -> a graph of nodes with decoded attributes and float32 initializers,
 * for mapping published models (CaffeNet from the ONNX Model Zoo) onto tfjs layers. Every error names
 * the file (`source`) so a user knows which download is bad.
 */
import { readFile } from 'node:fs/promises';
import { SonoError, errorMessage } from '../errors.js';
import { AttributeType, DataType, decodeModel, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from './proto.js';

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export type OnnxAttribute = number | number[] | string | OnnxTensor;

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  /** null for a symbolic or missing dimension. */
  dims: Array<number | null> | null;
}

export interface OnnxGraph {
  source: string;
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Graph inputs that are not initializers (older exporters list initializers as inputs too). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export async function readOnnxFile(file: string): Promise<OnnxGraph> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new SonoError('NOT_FOUND', `cannot read ${file}: ${errorMessage(e)}`, file);
  }
  return parseOnnx(bytes, file);
}

export function parseOnnx(bytes: Uint8Array, source: string): OnnxGraph {
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    // protobufjs reports a cut-off message as "index out of range" or "invalid wire type".
    throw new SonoError('CORRUPT', `${source} is not a readable ONNX model (truncated or not ONNX: ${errorMessage(e)})`, source);
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) {
    throw new SonoError('CORRUPT', `${source} is not an ONNX model: it has no graph nodes (truncated or another file type?)`, source);
  }
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new SonoError('CORRUPT', `${source} declares no default-domain ONNX opset`, source);

  const initializers = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? []) {
    const tensor = decodeTensor(t, source);
    initializers.set(tensor.name, tensor);
  }
  const valueInfo = (v: { name: string; type?: { tensorType?: { shape?: { dim?: Array<{ dimValue?: number }> } } } }): OnnxValueInfo => {
    const dim = v.type?.tensorType?.shape?.dim;
    return { name: v.name, dims: dim ? dim.map((d) => (typeof d.dimValue === 'number' && d.dimValue > 0 ? d.dimValue : null)) : null };
  };
  return {
    source,
    opset,
    nodes: graph.node.map((n, i) => decodeNode(n, i, source)),
    initializers,
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name)).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
  };
}

function decodeNode(n: NodeProto, index: number, source: string): OnnxNode {
  if (n.domain && n.domain !== 'ai.onnx') {
    throw new SonoError('UNSUPPORTED', `${source}: node ${n.name || index} is ${n.domain}.${n.opType}, not a standard ONNX operator`, source);
  }
  const attributes = new Map<string, OnnxAttribute>();
  for (const a of n.attribute ?? []) attributes.set(a.name, decodeAttribute(a, n, source));
  return { name: n.name || `${n.opType}_${index}`, opType: n.opType, inputs: n.input ?? [], outputs: n.output ?? [], attributes };
}

function decodeAttribute(a: AttributeProto, n: NodeProto, source: string): OnnxAttribute {
  switch (a.type) {
    case AttributeType.FLOAT:
      return a.f ?? 0;
    case AttributeType.INT:
      return a.i ?? 0;
    case AttributeType.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case AttributeType.FLOATS:
      return a.floats ?? [];
    case AttributeType.INTS:
      return a.ints ?? [];
    case AttributeType.TENSOR:
      if (!a.t) break;
      return decodeTensor(a.t, source);
    default:
      break;
  }
  throw new SonoError('UNSUPPORTED', `${source}: attribute ${a.name} of node ${n.name || n.opType} has unsupported type ${a.type}`, source);
}

/** Float and int64 tensors, from raw_data (little-endian) or the typed repeated fields. */
export function decodeTensor(t: TensorProto & { externalData?: unknown[] }, source: string): OnnxTensor {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.externalData && t.externalData.length > 0) {
    throw new SonoError('UNSUPPORTED', `${source}: initializer ${name} is stored in an external file; save the model with its weights inside`, source);
  }
  const fail = (what: string) => new SonoError('CORRUPT', `${source}: initializer ${name} ${what}`, source);
  let data: Float32Array | BigInt64Array;
  if (t.dataType === DataType.FLOAT) {
    if (t.rawData && t.rawData.length > 0) {
      if (t.rawData.length !== count * 4) throw fail(`has ${t.rawData.length} bytes for shape [${dims.join(',')}] (expected ${count * 4}; truncated?)`);
      // Copy into a fresh, aligned buffer: raw_data usually sits at an odd offset inside the file's bytes.
      data = new Float32Array(count);
      new Uint8Array(data.buffer).set(t.rawData);
    } else {
      data = Float32Array.from(t.floatData ?? []);
    }
  } else if (t.dataType === DataType.INT64) {
    if (t.rawData && t.rawData.length > 0) {
      if (t.rawData.length !== count * 8) throw fail(`has ${t.rawData.length} bytes for shape [${dims.join(',')}] (expected ${count * 8}; truncated?)`);
      data = new BigInt64Array(count);
      new Uint8Array(data.buffer).set(t.rawData);
    } else {
      data = BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(v)));
    }
  } else {
    throw new SonoError('UNSUPPORTED', `${source}: initializer ${name} has data type ${t.dataType}; only float32 and int64 are read`, source);
  }
  if (data.length !== count) throw fail(`has ${data.length} values for shape [${dims.join(',')}]`);
  return { name, dims, data };
}

/** Typed attribute access with the ONNX default when absent; a wrong type is an error naming the node. */
export function intAttr(g: OnnxGraph, n: OnnxNode, key: string, fallback?: number): number {
  const v = n.attributes.get(key);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number') throw new SonoError('BAD_INPUT', `${g.source}: node ${n.name} (${n.opType}) needs integer attribute ${key}`, g.source);
  return v;
}

export function floatAttr(g: OnnxGraph, n: OnnxNode, key: string, fallback?: number): number {
  const v = n.attributes.get(key);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number') throw new SonoError('BAD_INPUT', `${g.source}: node ${n.name} (${n.opType}) needs number attribute ${key}`, g.source);
  return v;
}

export function intsAttr(g: OnnxGraph, n: OnnxNode, key: string, fallback?: number[]): number[] {
  const v = n.attributes.get(key);
  if (v === undefined && fallback !== undefined) return fallback;
  if (!Array.isArray(v)) throw new SonoError('BAD_INPUT', `${g.source}: node ${n.name} (${n.opType}) needs integer list attribute ${key}`, g.source);
  return v;
}

export function stringAttr(g: OnnxGraph, n: OnnxNode, key: string, fallback: string): string {
  const v = n.attributes.get(key);
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new SonoError('BAD_INPUT', `${g.source}: node ${n.name} (${n.opType}) attribute ${key} is not a string`, g.source);
  return v;
}
