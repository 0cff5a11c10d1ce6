/**
 * Exports a backbone for a whole-image input of a chosen size, so one network pass gives the feature map
 * of every window of the image.
 *
 * Why a new export per input size instead of one graph with symbolic height and width: the exporter
 * turns TF "SAME" padding into fixed pads computed from the input size and refuses unknown sizes. For
 * MobileNetV2 this is harmless once sizes are multiples of the network's total stride (32): its
 * stride-2 layers use an explicit ZeroPadding2D of ((0, 1), (0, 1)) that Keras computed for even sizes,
 * and its SAME layers all have stride 1 (pads 1/1 for 3x3, 0 for 1x1), which do not depend on the size.
 * So at any multiple of 32 every intermediate size stays even and the pads are exactly those of the
 * 224 x 224 model; the graph differs only in its declared shapes.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import { exportLayersModel } from '../onnx/export-tfjs.js';

/** Total stride of the feature layer (MobileNetV2 `out_relu`): input sizes must be multiples of it. */
export const FEATURE_STRIDE = 32;

interface LayerJson {
  class_name: string;
  config: { batch_input_shape?: Array<number | null>; [k: string]: unknown };
}

/**
 * ONNX bytes of `model` truncated at `featureLayer`, for NCHW input [N, 3, height, width]; the output is
 * the layer's map [N, height/32, width/32, C] (NHWC, pooling 'none'). Weights are copied from `model`, so
 * a fine-tuned model exports its own weights.
 */
export async function exportAtInputSize(model: tfl.LayersModel, featureLayer: string, height: number, width: number): Promise<Uint8Array> {
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < FEATURE_STRIDE || v % FEATURE_STRIDE !== 0) {
      throw new SonoError('BAD_INPUT', `whole-image CNN input ${name} must be a positive multiple of ${FEATURE_STRIDE}, got ${v}`);
    }
  }
  const topology = model.toJSON(null, false) as unknown as { config: { layers: LayerJson[] } };
  const inputs = topology.config.layers.filter((l) => l.class_name === 'InputLayer');
  if (inputs.length !== 1 || !inputs[0].config.batch_input_shape || inputs[0].config.batch_input_shape.length !== 4) {
    throw new SonoError('UNSUPPORTED', `model ${model.name} must have one image input to be run on whole images`);
  }
  const [, , , channels] = inputs[0].config.batch_input_shape;
  inputs[0].config.batch_input_shape = [null, height, width, channels];
  const sized = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tfl.ModelAndWeightsConfig['modelTopology'] });
  try {
    sized.setWeights(model.getWeights());
    return exportLayersModel(sized, { outputLayer: featureLayer, pooling: 'none' });
  } finally {
    sized.dispose();
  }
}
