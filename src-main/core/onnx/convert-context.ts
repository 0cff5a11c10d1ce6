/**
 * State shared by the layer converters: the ONNX value standing for each Keras tensor, plus transforms
 * that are deliberately left pending so the next layer can absorb them for free:
 *  - `pads`: a ZeroPadding2D not yet applied; a following Conv adds it to its own pads.
 *  - `hwcFlatten`: a Keras Flatten of an NHWC tensor; a following Dense permutes its kernel rows instead.
 *  - `foldInto`: the initializers of the Conv/Gemm that produced the value, which a following batch norm
 *    may rewrite, but only when that layer is the value's sole reader.
 * Any other reader calls `input()` without accepting a transform, and the transform is emitted as nodes
 * once (cached on the value).
 *
 * Layout: 4-D Keras tensors (NHWC) are held as NCHW ONNX values, the layout ONNX Runtime's CPU kernels
 * are written for; 2-D tensors are identical in both.
 */
import type { GraphBuilder } from './graph-builder.js';
import type { KerasGraph, Layer, LayerCall } from './keras-graph.js';

/** ONNX pads for H and W: [top, left, bottom, right] (all begins, then all ends). */
export type SpatialPads = [number, number, number, number];

export interface FoldTarget {
  weight: string;
  bias: string;
  /** Where the output channel sits in the weight: first axis (Conv OIHW) or last (Gemm [in, out]). */
  channelAxis: 'first' | 'last';
}

export interface Value {
  name: string;
  rank: number;
  pads?: SpatialPads;
  hwcFlatten?: { h: number | null; w: number | null; c: number | null };
  foldInto?: FoldTarget;
  /** The canonical value once pending transforms have been emitted. */
  materialized?: string;
}

export interface Accepts {
  pads?: boolean;
  hwcFlatten?: boolean;
}

export class ConvertContext {
  private readonly values = new Map<string, Value>();

  constructor(
    readonly builder: GraphBuilder,
    private readonly graph: KerasGraph,
  ) {}

  define(key: string, value: Value): void {
    if (this.values.has(key)) throw new Error(`tensor ${key} converted twice`);
    this.values.set(key, value);
  }

  /** Defines `key` as the same ONNX value as `from` (identity layers, folded batch norm). */
  alias(key: string, from: Value): void {
    this.define(key, {
      name: from.name,
      rank: from.rank,
      pads: from.pads,
      hwcFlatten: from.hwcFlatten,
      foldInto: this.soleReader(key) ? from.foldInto : undefined,
      materialized: from.materialized,
    });
  }

  /** True when exactly one layer reads the tensor and it is not the graph output. */
  soleReader(key: string): boolean {
    return this.graph.readers.get(key) === 1 && key !== this.graph.output.key;
  }

  value(key: string): Value {
    const v = this.values.get(key);
    if (!v) throw new Error(`tensor ${key} used before it was converted`);
    return v;
  }

  /**
   * The ONNX value to read for `key`. Pending transforms the caller accepts are returned for it to
   * absorb; the others are emitted first.
   */
  input(key: string, accepts: Accepts = {}): { name: string; rank: number; pads?: SpatialPads; hwcFlatten?: Value['hwcFlatten'] } {
    const v = this.value(key);
    const pending = (v.pads && !accepts.pads) || (v.hwcFlatten && !accepts.hwcFlatten);
    if (!pending) return { name: v.name, rank: v.rank, pads: v.pads, hwcFlatten: v.hwcFlatten };
    return { name: this.materialize(v, key), rank: v.rank };
  }

  private materialize(v: Value, key: string): string {
    if (v.materialized) return v.materialized;
    const b = this.builder;
    const hint = key.split(':')[0];
    let name = v.name;
    if (v.pads) {
      const [t, l, bottom, r] = v.pads;
      // The pad value is -0.0, numerically zero: ONNX Runtime's PadFusion (level 'basic') folds a Pad
      // whose value bytes are all zero into a following MaxPool, whose own pads act as -inf, which
      // changes results for negative inputs (seen with ORT 1.30). -0.0 has a non-zero sign byte, so the
      // rewrite is skipped.
      const pads = b.int64s(`${hint}_pads`, [0, 0, t, l, 0, 0, bottom, r]);
      name = b.node('Pad', [name, pads, b.scalar(`${hint}_value`, -0)], hint, { mode: 'constant' });
    }
    if (v.hwcFlatten) {
      // Keras flattens in H, W, C order; restore that order before flattening.
      const nhwc = b.node('Transpose', [name], `${hint}_nhwc`, { perm: [0, 2, 3, 1] });
      name = b.node('Flatten', [nhwc], hint, { axis: 1 });
    }
    v.materialized = name;
    return name;
  }

  /** A weight of the layer by its Keras name (`kernel`, `bias`, `gamma`, `moving_mean`...), copied. */
  weight(call: LayerCall, name: string): { data: Float32Array; shape: number[] } | undefined {
    return readWeight(call.layer, name);
  }

  requireWeight(call: LayerCall, name: string): { data: Float32Array; shape: number[] } {
    const w = readWeight(call.layer, name);
    if (!w) throw new Error(`layer ${call.layer.name} (${call.className}) has no weight named ${name}`);
    return w;
  }
}

function readWeight(layer: Layer, name: string): { data: Float32Array; shape: number[] } | undefined {
  // originalName is `<layer>/<weight>`; the layer prefix can differ from layer.name when a model is
  // loaded twice in one process (tfjs uniquifies names), so match on the weight part only.
  const v = layer.weights.find((w) => w.originalName.split('/').pop() === name);
  if (!v) return undefined;
  const t = v.read();
  if (t.dtype !== 'float32') throw new Error(`weight ${v.originalName} is ${t.dtype}, expected float32`);
  return { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape };
}
