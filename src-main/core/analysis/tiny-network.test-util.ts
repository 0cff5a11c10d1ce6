/**
 * A tiny MobileNet-shaped network for tests: a 3x3 stem conv with batch norm and ReLU6, then a depthwise
 * 3x3 conv + BN + ReLU6 and a 1x1 projection + BN, then a pooled dense head. Seeded initialisers make two
 * networks built with the same seed identical, which is how "pretrained" and "adapted" start equal.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackboneEntry } from '../backbones/registry.js';

export const TINY_SIZE = 16;

export function tinyNetwork(seed: number): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed * 10 + k });
  const input = tfl.input({ shape: [TINY_SIZE, TINY_SIZE, 3], name: 'input_1' });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(1), name: 'Conv1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn_Conv1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'Conv1_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false, depthwiseInitializer: init(2), name: 'dw' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'dw_BN' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'dw_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(3), name: 'project' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'project_BN' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 1, kernelInitializer: init(4), name: 'head' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** A registry entry describing the tiny network the way mobilenet-v2.ts describes MobileNetV2. */
export const tinyEntry: BackboneEntry = {
  id: 'tiny-test',
  architecture: 'tiny test network',
  inputSize: [TINY_SIZE, TINY_SIZE],
  preprocessing: 'tf',
  layerGroups: [
    { name: 'stem', layers: ['Conv1', 'bn_Conv1', 'Conv1_relu'] },
    { name: 'block0', layers: ['dw', 'dw_BN', 'dw_relu', 'project', 'project_BN'] },
  ],
  featureLayer: 'pool',
  featurePooling: 'avg',
  featureDim: 6,
  sourceUrl: 'about:blank',
  weightsSha256: '',
  license: 'test',
};

/** Fine-tunes `model` in place for `epochs` passes over a fixed seeded batch (plain SGD, CPU backend). */
export async function fineTune(model: tfl.LayersModel, epochs: number, lr: number, frozen: readonly string[] = []): Promise<void> {
  for (const name of frozen) model.getLayer(name).trainable = false;
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });
  const n = 8;
  const x = tf.randomUniform([n, TINY_SIZE, TINY_SIZE, 3], -1, 1, 'float32', 42);
  const y = tf.randomUniform([n, 1], 0, 3, 'float32', 43);
  await model.fit(x, y, { epochs, batchSize: 4, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
}
