/**
 * Reading layers and kernels out of tfjs-layers networks. A fine-tuned network may hold the backbone
 * flat (its layers beside a new head) or nested as one layer of a wrapper model; both are searched, so
 * layers are found by their backbone names either way.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import type { LayerKernel } from './filter-change.js';

type Layer = tfl.layers.Layer;

function isModel(layer: Layer): layer is tfl.LayersModel {
  return layer instanceof tfl.LayersModel;
}

/** Every layer of `model` and of models nested in it, depth first, each with the model that owns it. */
export function allLayers(model: tfl.LayersModel): Array<{ layer: Layer; owner: tfl.LayersModel }> {
  const out: Array<{ layer: Layer; owner: tfl.LayersModel }> = [];
  for (const layer of model.layers) {
    if (isModel(layer)) out.push(...allLayers(layer));
    else out.push({ layer, owner: model });
  }
  return out;
}

export function findLayer(model: tfl.LayersModel, name: string, what: string): { layer: Layer; owner: tfl.LayersModel } {
  const hit = allLayers(model).find((l) => l.layer.name === name);
  if (!hit) throw new SonoError('BAD_INPUT', `${what} has no layer named ${name}; it is not the architecture the backbone registry describes`, name);
  return hit;
}

const KERNEL = /(^|\/)(kernel|depthwise_kernel|pointwise_kernel)(_\d+)?$/;

/**
 * The kernel of every convolution and dense layer, in network order. Depthwise kernels
 * ([kh, kw, in, multiplier]) have in × multiplier filters, the others one per last-axis entry.
 */
export function modelKernels(model: tfl.LayersModel): LayerKernel[] {
  const out: LayerKernel[] = [];
  for (const { layer } of allLayers(model)) {
    const weights = layer.weights;
    const values = layer.getWeights();
    const kernels = weights.map((w, i) => ({ i, m: KERNEL.exec(w.originalName ?? w.name) })).filter((k) => k.m);
    for (const { i, m } of kernels) {
      const shape = values[i].shape;
      const kind = m![2];
      const filters = kind === 'depthwise_kernel' ? shape[shape.length - 2] * shape[shape.length - 1] : shape[shape.length - 1];
      // A separable convolution has two kernels; each is reported under its own name.
      const name = kernels.length > 1 ? `${layer.name}/${kind}` : layer.name;
      out.push({ layer: name, values: values[i].dataSync() as Float32Array, filters, shape });
    }
  }
  return out;
}
