/**
 * Accumulates ONNX nodes and float32 initializers while a model is being converted, then assembles the
 * ModelProto. Initializer data stays as mutable Float32Arrays until `toModel`, so a later layer can still
 * rewrite the weights of an earlier one (batch-norm folding scales the kernel of the conv before it).
 */
import {
  AttributeType,
  DataType,
  type AttributeProto,
  type Dimension,
  type ModelProto,
  type NodeProto,
  type ValueInfoProto,
} from './proto.js';

/**
 * ONNX distinguishes INT from FLOAT attributes by type tag, and a JS number cannot tell 1 from 1.0, so plain
 * numbers are INT and float attributes are wrapped: `{ f: 1e-3 }`.
 */
export type AttributeValue = number | string | number[] | { f: number } | { floats: number[] };

export interface Initializer {
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/** The IR version released with each opset (ONNX 1.10-1.13: 8, 1.14-1.15: 9, 1.16: 10). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  return opset <= 20 ? 9 : 10;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers = new Map<string, Initializer>();
  private readonly used = new Set<string>();

  /** A fresh value name based on `hint`; ONNX requires every value to be assigned once (SSA). */
  unique(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an externally chosen name (graph input) so no node output can collide with it. */
  reserve(name: string): void {
    if (this.used.has(name)) throw new Error(`ONNX value name ${name} is used twice`);
    this.used.add(name);
  }

  addInitializer(hint: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`initializer ${hint}: ${data.length} values for shape [${dims.join(',')}]`);
    }
    const name = this.unique(hint);
    this.initializers.set(name, { dims, data });
    return name;
  }

  int64s(hint: string, values: number[]): string {
    return this.addInitializer(hint, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  scalar(hint: string, value: number): string {
    return this.addInitializer(hint, [], Float32Array.of(value));
  }

  initializer(name: string): Initializer {
    const init = this.initializers.get(name);
    if (!init) throw new Error(`no initializer named ${name}`);
    return init;
  }

  /** Appends a node and returns its single output name. */
  node(opType: string, inputs: string[], outputHint: string, attributes: Record<string, AttributeValue> = {}): string {
    return this.nodeNamed(opType, inputs, this.unique(outputHint), attributes);
  }

  /** Like `node`, writing to a name reserved earlier (graph outputs keep a fixed name). */
  nodeNamed(opType: string, inputs: string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    this.nodes.push({
      opType,
      name: output,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  toModel(opts: {
    opset: number;
    inputs: ValueInfoProto[];
    outputs: ValueInfoProto[];
    graphName: string;
    docString?: string;
  }): ModelProto {
    return {
      irVersion: irVersionFor(opts.opset),
      opsetImport: [{ domain: '', version: opts.opset }],
      producerName: 'sonotl',
      producerVersion: '0.1.0',
      docString: opts.docString,
      graph: {
        name: opts.graphName,
        node: this.nodes,
        input: opts.inputs,
        output: opts.outputs,
        initializer: [...this.initializers].map(([name, init]) => ({
          name,
          dims: init.dims,
          dataType: init.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64,
          rawData: littleEndianBytes(init.data),
        })),
      },
    };
  }
}

export function tensorValueInfo(name: string, dims: Array<number | string>): ValueInfoProto {
  const dim: Dimension[] = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; wrap floats as { f }`);
    return { name, type: AttributeType.INT, i: value };
  }
  if ('f' in value) return { name, type: AttributeType.FLOAT, f: value.f };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  // x86, ARM and Apple silicon are little-endian, like ONNX raw_data; copy so the bytes do not alias
  // a typed array that is still being edited.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}
