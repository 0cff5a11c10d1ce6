import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Multiply-add work of a tfjs-layers model, counted as 2 FLOPs per multiply-add, for one image.
 * Only convolutions and dense layers are counted: batch norm, activations and pooling are a few per
 * cent of MobileNetV2's work and do not run on the FMA units the peak is measured for.
 */
export interface LayerFlops {
  name: string;
  flops: number;
}

export function layerFlops(model: LayersModel): LayerFlops[] {
  const out: LayerFlops[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const shape = layer.outputShape as Array<number | null>;
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const k = weights[0].shape as number[];
    if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
      const [, oh, ow] = shape as number[];
      // Conv2D kernel [kh, kw, cin, cout]; depthwise [kh, kw, cin, multiplier]: both are per output pixel.
      out.push({ name: layer.name, flops: 2 * k[0] * k[1] * k[2] * k[3] * oh * ow });
    } else if (cls === 'Dense') {
      out.push({ name: layer.name, flops: 2 * k[0] * k[1] });
    }
  }
  return out;
}

export function forwardFlops(model: LayersModel): number {
  return layerFlops(model).reduce((a, l) => a + l.flops, 0);
}

/**
 * One training step per image: the forward pass, the weight gradient of every trainable layer, and the
 * input gradient of every layer above the lowest trainable one (each costs what the layer's forward
 * pass costs). Frozen layers below the lowest trainable layer only run forward.
 */
export function trainingFlops(model: LayersModel, trainable: (name: string) => boolean): number {
  const layers = layerFlops(model);
  const first = layers.findIndex((l) => trainable(l.name));
  let total = 0;
  layers.forEach((l, i) => {
    total += l.flops;
    if (trainable(l.name)) total += l.flops;
    if (first >= 0 && i > first) total += l.flops;
  });
  return total;
}
