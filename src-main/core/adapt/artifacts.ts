/**
 * A tfjs-layers model as plain data (topology JSON, weight specs, one ArrayBuffer of weights): what crosses
 * the worker-thread boundary by structured clone, and what a checkpoint is rebuilt from.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { ensureBackend } from '../ml/cpu-backend.js';
import { SonoError } from '../errors.js';
import { loadRunModel, saveRunModel } from '../project/models.js';
import type { Project } from '../project/open.js';

export interface PlainModel {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

export async function toPlainModel(model: tfl.LayersModel): Promise<PlainModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = saved as tf.io.ModelArtifacts | null;
  if (!a || !a.weightData || !a.weightSpecs || !a.modelTopology) throw new SonoError('INTERNAL', `model ${model.name} produced no weights to save`);
  const weightData = tf.io.concatenateArrayBuffers(Array.isArray(a.weightData) ? a.weightData : [a.weightData]);
  return { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs, weightData };
}

export function fromPlainModel(p: PlainModel): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: p.modelTopology, weightSpecs: p.weightSpecs, weightData: p.weightData }));
}

/**
 * A thread that only stores and loads models (the client side of a worker) has no backend chosen yet;
 * tfjs would pick the highest-priority registered one, which may be WASM and not yet initialised.
 */
export async function ensureModelBackend(): Promise<void> {
  await ensureBackend('loading a model');
}

/** A run's stored model `name` as a plain model (the form training state and worker messages carry). */
export async function loadRunPlain(project: Project, runId: string, name: string): Promise<PlainModel> {
  const model = await loadRunModel(project, runId, name);
  try {
    return await toPlainModel(model);
  } finally {
    model.dispose();
  }
}

/** Stores a plain model under each of `names` of the run, with the same metadata. */
export async function saveRunPlain(project: Project, runId: string, names: readonly string[], plain: PlainModel, meta: object): Promise<void> {
  await ensureModelBackend();
  const model = await fromPlainModel(plain);
  try {
    for (const name of names) await saveRunModel(project, runId, name, model, meta as Record<string, unknown>);
  } finally {
    model.dispose();
  }
}
