/**
 * The patch classifier that fine-tuning trains: the backbone up to its feature layer, global average
 * pooling, and one dense unit whose sigmoid is P(organ). The backbone is rebuilt at the training crop
 * size (it is fully convolutional; see cnn-sized-export.ts for why sizes must be multiples of 32), and
 * the fine-tuned backbone is rebuilt back at the registry's input size for saving, so every consumer
 * sees the same network shape as the pretrained one.
 *
 * A backbone whose feature layer is a vector (featurePooling 'none': CaffeNet's fc7, 4096-d) has fully
 * connected layers whose input length fixes the image size, so it trains on crops of its own input size
 * (227 x 227) whatever `cropSize` says, and the dense unit sits directly on the feature vector. Its
 * classifier ends at the feature layer: CaffeNet's ImageNet head (drop7, fc8, prob) is not part of it,
 * and the saved network ends at fc7.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// CaffeNet's LRN and grouped convolution: registered wherever a classifier is rebuilt from its topology
// (atInputSize here, the gradient workers' replicas).
import '../backbones/caffenet-layers.js';
import type { BackboneEntry } from '../backbones/registry.js';
import { SonoError } from '../errors.js';
import { frozenLayerNames, type AdaptLevel } from './levels.js';
import type { FinetuneParams } from './params.js';

export const HEAD_POOL = 'finetune_pool';
export const HEAD_LOGIT = 'finetune_logit';

interface LayerJson {
  class_name: string;
  config: { batch_input_shape?: Array<number | null>; [k: string]: unknown };
}

/** A copy of `model` (one image input) taking height x width images, with the same weights. */
export async function atInputSize(model: tfl.LayersModel, height: number, width: number): Promise<tfl.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as { config: { layers: LayerJson[] } };
  const inputs = topology.config.layers.filter((l) => l.class_name === 'InputLayer');
  if (inputs.length !== 1 || inputs[0].config.batch_input_shape?.length !== 4) {
    throw new SonoError('UNSUPPORTED', `model ${model.name} must have one image input to be fine-tuned`);
  }
  const channels = inputs[0].config.batch_input_shape[3];
  inputs[0].config.batch_input_shape = [null, height, width, channels];
  const sized = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tfl.ModelAndWeightsConfig['modelTopology'] });
  sized.setWeights(model.getWeights());
  return sized;
}

/**
 * The settings a run trains `entry` with: for a feature-vector backbone the crop side becomes its input
 * size (checkFinetunable has made sure that is square). Applied when training starts, not to the
 * settings stored with a run, which stay as given (and valid for the settings schema).
 */
export function trainingParams(entry: BackboneEntry, params: FinetuneParams): FinetuneParams {
  return entry.featurePooling === 'avg' ? params : { ...params, cropSize: entry.inputSize[0] };
}

/** Backbone + pooling (for a feature map) + logit on top of the backbone's feature layer; the head is seeded. */
export function addHead(backbone: tfl.LayersModel, entry: BackboneEntry, seed: number): tfl.LayersModel {
  const features = backbone.getLayer(entry.featureLayer).output as tfl.SymbolicTensor;
  const rank = features.shape.length;
  if ((entry.featurePooling === 'avg' && rank !== 4) || (entry.featurePooling === 'none' && rank !== 2)) {
    throw new SonoError(
      'UNSUPPORTED',
      `backbone ${entry.id} cannot be fine-tuned: its feature layer ${entry.featureLayer} has rank ${rank}, but ${entry.featurePooling} pooling needs ${entry.featurePooling === 'avg' ? 'a feature map (rank 4)' : 'a feature vector (rank 2)'}`,
      entry.id,
    );
  }
  const pooled = entry.featurePooling === 'avg' ? (tfl.layers.globalAveragePooling2d({ name: HEAD_POOL }).apply(features) as tfl.SymbolicTensor) : features;
  const logit = tfl.layers
    .dense({ units: 1, name: HEAD_LOGIT, kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: 'zeros' })
    .apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: backbone.inputs, outputs: logit, name: `${entry.id}_patch_classifier` });
}

/** The backbone part of a classifier (input to feature layer), sharing its layers and weights. */
export function backboneOf(classifier: tfl.LayersModel, entry: BackboneEntry): tfl.LayersModel {
  return tfl.model({ inputs: classifier.inputs, outputs: classifier.getLayer(entry.featureLayer).output as tfl.SymbolicTensor, name: entry.id });
}

/**
 * Marks the layers frozen at `level` as not trainable (the head always trains) and returns the variables
 * an optimizer may change. Batch-norm layers run in inference mode throughout fine-tuning (moving mean
 * and variance keep their ImageNet values; gamma and beta train where the layer trains), because batch
 * statistics of 16 patches are too noisy to replace ImageNet's.
 */
export function trainableVariables(classifier: tfl.LayersModel, entry: BackboneEntry, level: AdaptLevel): tf.Variable[] {
  const backboneLayers = classifier.layers.map((l) => l.name).filter((n) => n !== HEAD_POOL && n !== HEAD_LOGIT);
  const frozen = frozenLayerNames(entry, level, backboneLayers);
  for (const layer of classifier.layers) layer.trainable = !frozen.has(layer.name);
  return classifier.trainableWeights.map((w) => w.read() as tf.Variable);
}
