/**
 * CaffeNet (BVLC reference CaffeNet, the paper's network) as a trainable tfjs-layers model, and its
 * registry entry. Layer names follow Caffe's deploy.prototxt so layer groups, the importer and the
 * exported ONNX all speak of the same conv1..fc8.
 *
 * Faithfulness notes
 * - CaffeNet pools *before* normalising (AlexNet does the opposite): conv -> ReLU -> max-pool -> LRN.
 * - Caffe pools in ceil mode: out = ceil((in - k) / s) + 1. tfjs pools in floor mode, so each pool is
 *   preceded by a ZeroPadding2D adding the missing bottom/right rows (0 for 227 input). Zero padding
 *   equals Caffe's -inf padding here because every pool reads a ReLU output (>= 0) and Caffe's windows
 *   always start inside the image.
 * - Caffe's ReLUs run in place, so the blob Caffe calls "fc7" (the paper's feature) is post-ReLU; here
 *   the ReLU is fused into fc7 so `fc7`'s output is that same 4096-d vector. Dropout is the identity at
 *   inference and sits after it.
 * - Grouped convolutions (conv2, conv4, conv5: group 2) are `GroupedConv2D` layers with one kernel.
 * - tfjs flattens pool5 in H, W, C order, Caffe (and ONNX) in C, H, W order: fc6's kernel rows are
 *   permuted on import (caffenet-onnx.ts) and back on export (the exporter's Flatten handling).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { GroupedConv2D, LRN } from './caffenet-layers.js';

export interface CaffeNetConfig {
  /** [height, width]; CaffeNet's crop is 227 x 227 (the ONNX zoo declares 224, which gives the same 6 x 6 pool5). */
  inputSize: readonly [number, number];
  /** Filters of conv1..conv5 and units of fc6, fc7, fc8. */
  widths: { conv1: number; conv2: number; conv3: number; conv4: number; conv5: number; fc6: number; fc7: number; fc8: number };
  /** Groups of conv2, conv4, conv5 (Caffe: 2, 2, 2). */
  groups: { conv2: number; conv4: number; conv5: number };
  /** Caffe LRN: local_size, alpha (per window, as in the prototxt), beta, k. */
  lrn: { size: number; alpha: number; beta: number; k: number };
  /** Dropout rate of fc6 and fc7 during training (Caffe: 0.5). */
  dropout: number;
}

export const CAFFENET: CaffeNetConfig = {
  inputSize: [227, 227],
  widths: { conv1: 96, conv2: 256, conv3: 384, conv4: 384, conv5: 256, fc6: 4096, fc7: 4096, fc8: 1000 },
  groups: { conv2: 2, conv4: 2, conv5: 2 },
  lrn: { size: 5, alpha: 1e-4, beta: 0.75, k: 1 },
  dropout: 0.5,
};

/** Caffe's ceil-mode pooling output size, with its rule that the last window must start inside the input. */
export function caffePoolSize(input: number, kernel: number, stride: number, pad = 0): number {
  let out = Math.ceil((input + 2 * pad - kernel) / stride) + 1;
  if (pad > 0 && (out - 1) * stride >= input + pad) out--;
  return out;
}

/** Bottom/right padding that makes a floor-mode valid pool give Caffe's ceil-mode size. */
export function ceilModePad(input: number, kernel: number, stride: number): number {
  return (caffePoolSize(input, kernel, stride) - 1) * stride + kernel - input;
}

/** Spatial size after each stage, for checking fc6's input length before building. */
export function caffeNetShapes(inputSize: readonly [number, number]): { conv1: [number, number]; pool1: [number, number]; pool2: [number, number]; pool5: [number, number] } {
  const conv1 = inputSize.map((d) => Math.floor((d - 11) / 4) + 1) as [number, number];
  const pool1 = conv1.map((d) => caffePoolSize(d, 3, 2)) as [number, number];
  const pool2 = pool1.map((d) => caffePoolSize(d, 3, 2)) as [number, number];
  const pool5 = pool2.map((d) => caffePoolSize(d, 3, 2)) as [number, number];
  return { conv1, pool1, pool2, pool5 };
}

export function buildCaffeNet(config: CaffeNetConfig = CAFFENET, name = 'caffenet'): tfl.LayersModel {
  const [h, w] = config.inputSize;
  const shapes = caffeNetShapes(config.inputSize);
  if (!(shapes.pool5[0] >= 1 && shapes.pool5[1] >= 1)) {
    throw new Error(`CaffeNet input ${h}x${w} is too small: pool5 would be ${shapes.pool5.join('x')}`);
  }
  const { widths, groups, lrn } = config;
  const input = tfl.input({ shape: [h, w, 3], name: 'data' });
  const pool = (x: tfl.SymbolicTensor, n: string, size: [number, number]) => {
    const padded = tfl.layers
      .zeroPadding2d({ padding: [[0, ceilModePad(size[0], 3, 2)], [0, ceilModePad(size[1], 3, 2)]], name: `${n}_pad` })
      .apply(x) as tfl.SymbolicTensor;
    return tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: n }).apply(padded) as tfl.SymbolicTensor;
  };
  const norm = (x: tfl.SymbolicTensor, n: string) =>
    new LRN({ depthRadius: (lrn.size - 1) / 2, bias: lrn.k, alpha: lrn.alpha / lrn.size, beta: lrn.beta, name: n }).apply(x) as tfl.SymbolicTensor;
  const conv = (x: tfl.SymbolicTensor, n: string, filters: number, kernel: number, stride: number, padding: 'same' | 'valid', g = 1) =>
    (g === 1
      ? tfl.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding, activation: 'relu', name: n })
      : new GroupedConv2D({ filters, kernelSize: kernel, strides: stride, padding, groups: g, activation: 'relu', name: n })
    ).apply(x) as tfl.SymbolicTensor;

  // Caffe pads: conv1 0, conv2 2 (5x5), conv3-5 1 (3x3); at stride 1 with odd kernels that is TF 'same'.
  let x = conv(input, 'conv1', widths.conv1, 11, 4, 'valid');
  x = norm(pool(x, 'pool1', shapes.conv1), 'norm1');
  x = conv(x, 'conv2', widths.conv2, 5, 1, 'same', groups.conv2);
  x = norm(pool(x, 'pool2', shapes.pool1), 'norm2');
  x = conv(x, 'conv3', widths.conv3, 3, 1, 'same');
  x = conv(x, 'conv4', widths.conv4, 3, 1, 'same', groups.conv4);
  x = conv(x, 'conv5', widths.conv5, 3, 1, 'same', groups.conv5);
  x = pool(x, 'pool5', shapes.pool2);
  x = tfl.layers.flatten({ name: 'pool5_flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: widths.fc6, activation: 'relu', name: 'fc6' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: config.dropout, name: 'drop6' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: widths.fc7, activation: 'relu', name: 'fc7' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: config.dropout, name: 'drop7' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: widths.fc8, name: 'fc8' }).apply(x) as tfl.SymbolicTensor;
  const prob = tfl.layers.softmax({ name: 'prob' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: prob, name });
}
