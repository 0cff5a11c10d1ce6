/**
 * Activation maps of the first convolution stages of a backbone for one image: one map per output
 * channel of every convolution in the registry's first layer groups, taken after its batch norm and
 * activation (what the next stage sees).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import type { LayerGroup } from '../backbones/registry.js';
import { findLayer } from './model-layers.js';

// GroupedConv2D is CaffeNet's conv2/conv4/conv5 (backbones/caffenet-layers.ts).
const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'GroupedConv2D']);
/** Per-pixel layers that keep a convolution's channels: its response is read after them. */
const POINTWISE_CLASSES = new Set(['BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU']);

export interface ResponseLayer {
  group: string;
  /** The convolution whose filters the maps belong to. */
  conv: string;
  /** The layer whose output is read: the convolution or the last of its BN/activation layers. */
  output: string;
}

/** For each convolution in `groups` (input to output), the layer its response is read from. */
export function responseLayers(model: tfl.LayersModel, groups: readonly LayerGroup[], what: string): ResponseLayer[] {
  const out: ResponseLayer[] = [];
  for (const g of groups) {
    let current: ResponseLayer | null = null;
    for (const name of g.layers) {
      const cls = findLayer(model, name, what).layer.getClassName();
      if (CONV_CLASSES.has(cls)) {
        if (current) out.push(current);
        current = { group: g.name, conv: name, output: name };
      } else if (current && POINTWISE_CLASSES.has(cls)) {
        current.output = name;
      } else if (current) {
        // Pooling, padding or anything else changes the map: the chain ends at the layer before it.
        out.push(current);
        current = null;
      }
    }
    if (current) out.push(current);
  }
  if (out.length === 0) throw new SonoError('BAD_INPUT', `${what}: the layer groups ${groups.map((g) => g.name).join(', ')} hold no convolution`);
  return out;
}

export interface ResponseMaps {
  layer: ResponseLayer;
  width: number;
  height: number;
  channels: number;
  /** Channel-major maps: channel c is data[c·H·W ... (c+1)·H·W), row-major. */
  data: Float32Array;
}

/**
 * Runs `model` up to the response layers on one input (NHWC, [1, H, W, 3], already preprocessed) and
 * returns every map. Only the layers needed are evaluated, so the stem of a large network is cheap.
 */
export function computeResponses(model: tfl.LayersModel, layers: readonly ResponseLayer[], input: Float32Array, size: readonly [number, number], what: string): ResponseMaps[] {
  const found = layers.map((l) => findLayer(model, l.output, what));
  const owner = found[0].owner;
  if (found.some((f) => f.owner !== owner)) throw new SonoError('BAD_INPUT', `${what}: the response layers lie in different sub-models`);
  const [h, w] = size;
  const shape = owner.inputs[0]?.shape ?? [];
  if (owner.inputs.length !== 1 || (shape[1] !== null && shape[1] !== h) || (shape[2] !== null && shape[2] !== w)) {
    throw new SonoError('BAD_INPUT', `${what} takes input of shape [${shape.join(', ')}], not the backbone's ${h}x${w} images`);
  }
  const outputs = found.map((f) => f.layer.output as tfl.SymbolicTensor);
  const sub = tfl.model({ inputs: owner.inputs, outputs });
  const results = tf.tidy(() => {
    const x = tf.tensor4d(input, [1, h, w, 3]);
    const y = sub.predict(x);
    const list = Array.isArray(y) ? y : [y];
    // Channel-major so that each filter's map is one contiguous slice.
    return list.map((t) => tf.transpose(tf.squeeze(t, [0]), [2, 0, 1]));
  });
  try {
    return results.map((t, k) => {
      const [channels, height, width] = t.shape;
      return { layer: layers[k], width, height, channels, data: t.dataSync() as Float32Array };
    });
  } finally {
    tf.dispose(results);
  }
}
