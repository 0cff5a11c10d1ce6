/**
 * Builds a tfjs LayersModel from a model.json that passed checkLayersModelJson and its weight bytes,
 * held in memory (no file:// handler in plain tfjs). tfjs's own errors (an unknown layer, a config it
 * cannot build, weights that do not fit the layers) become one SonoError naming the file.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError, errorMessage, type ErrorCode } from '../errors.js';
import { ensureBackend } from '../ml/cpu-backend.js';
import type { LayersModelJson } from './layers-model-json.js';

export async function buildLayersModel(
  json: LayersModelJson,
  weights: Uint8Array,
  source: string,
  code: Extract<ErrorCode, 'CORRUPT' | 'BAD_INPUT'> = 'CORRUPT',
): Promise<tfl.LayersModel> {
  // tfjs reads the whole ArrayBuffer: a view into a larger one (a Node Buffer from the pool) is cut out.
  const whole = weights.byteOffset === 0 && weights.byteLength === weights.buffer.byteLength;
  const weightData = (whole ? weights.buffer : weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)) as ArrayBuffer;
  // Outside the try: a backend that cannot start is not a damaged model file.
  await ensureBackend(`loading ${source}`);
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
      }),
    );
  } catch (e) {
    const detail = errorMessage(e).replace(/\s+/g, ' ').trim().slice(0, 300);
    throw new SonoError(code, `${source}: cannot be loaded as a tfjs model: ${detail}`, source);
  }
}
