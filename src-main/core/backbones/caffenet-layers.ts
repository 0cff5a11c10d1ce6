/**
 * The two CaffeNet operations tfjs-layers lacks, as serialisable layers so a fine-tuned CaffeNet saves
 * and reloads as an ordinary tfjs `model.json`, and so the ONNX exporter can map them one-to-one:
 *  - `LRN`: cross-channel local response normalisation (Caffe `LRN`, ACROSS_CHANNELS).
 *  - `GroupedConv2D`: a convolution whose channels are split into `groups` independent halves (Caffe
 *    `group: 2`, from AlexNet's two-GPU layout). One kernel [kh, kw, cin/groups, cout]: output channel o
 *    belongs to group floor(o / (cout/groups)), the same order ONNX Conv uses, so the kernel converts to
 *    ONNX's [cout, cin/groups, kh, kw] with the plain HWIO -> OIHW transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Shape = Array<number | null>;

export interface LrnArgs {
  /** Half-width of the channel window; Caffe's local_size is 2 * depthRadius + 1. */
  depthRadius: number;
  /** Caffe k. */
  bias: number;
  /** tf.localResponseNormalization's alpha: Caffe's alpha divided by local_size. */
  alpha: number;
  beta: number;
  name?: string;
  trainable?: boolean;
}

export class LRN extends tfl.layers.Layer {
  static readonly className = 'LRN';
  readonly depthRadius: number;
  readonly bias: number;
  readonly alpha: number;
  readonly beta: number;

  constructor(args: LrnArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.depthRadius = args.depthRadius;
    this.bias = args.bias;
    this.alpha = args.alpha;
    this.beta = args.beta;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.localResponseNormalization(x, this.depthRadius, this.bias, this.alpha, this.beta);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthRadius: this.depthRadius, bias: this.bias, alpha: this.alpha, beta: this.beta };
  }
}

export interface GroupedConv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'same' | 'valid';
  groups: number;
  activation?: 'linear' | 'relu';
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
}

export class GroupedConv2D extends tfl.layers.Layer {
  static readonly className = 'GroupedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly groups: number;
  readonly activation: 'linear' | 'relu';
  readonly useBias: boolean;
  private kernel?: tfl.LayerVariable;
  private biasVar?: tfl.LayerVariable;

  constructor(args: GroupedConv2DArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.groups = args.groups;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    if (!Number.isInteger(this.groups) || this.groups < 1 || this.filters % this.groups !== 0) {
      throw new Error(`GroupedConv2D ${this.name}: ${this.filters} filters cannot be split into ${this.groups} groups`);
    }
    if (this.activation !== 'linear' && this.activation !== 'relu') {
      throw new Error(`GroupedConv2D ${this.name}: activation ${String(this.activation)} is not supported (linear, relu)`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (channels === null || channels % this.groups !== 0) {
      throw new Error(`GroupedConv2D ${this.name}: ${channels} input channels cannot be split into ${this.groups} groups`);
    }
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, channels / this.groups, this.filters], 'float32', tfl.initializers.glorotUniform({}));
    if (this.useBias) this.biasVar = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const size = (d: number | null, k: number, s: number) =>
      d === null ? null : this.padding === 'same' ? Math.ceil(d / s) : Math.floor((d - k) / s) + 1;
    return [n, size(h, this.kernelSize[0], this.strides[0]), size(w, this.kernelSize[1], this.strides[1]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const xs = tf.split(x, this.groups, 3);
      const ks = tf.split(kernel, this.groups, 3);
      const parts = xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, ks[g] as tf.Tensor4D, this.strides, this.padding));
      let y: tf.Tensor = parts.length === 1 ? parts[0] : tf.concat(parts, 3);
      if (this.biasVar) y = tf.add(y, this.biasVar.read());
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      // Always 1: stated so tools reading Conv2D-like configs (the ONNX exporter) need no special case.
      dilationRate: [1, 1],
      groups: this.groups,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

// Registered on import so tfl.loadLayersModel can rebuild saved CaffeNet models.
tf.serialization.registerClass(LRN);
tf.serialization.registerClass(GroupedConv2D);
