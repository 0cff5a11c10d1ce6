/**
 * Trained networks stored with the project: a fine-tuned backbone of a run is a tfjs-layers artifact pair
 * (`model.json` + `weights.bin`) under `models/<runId>/<name>/`, with a row in the `models` table holding
 * its relative path and the weights' sha256. The folder travels with the project; the hash lets a reader
 * refuse weights that were changed or half-copied.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import { joinInside, writeFileAtomic } from '../util/atomic-write.js';
import { sha256Hex } from '../util/hash.js';
import { nowIso } from '../util/time.js';
import type { Project } from './open.js';

export interface StoredModel {
  id: string;
  runId: string | null;
  kind: string;
  /** Folder relative to the project holding model.json and weights.bin. */
  path: string;
  sha256: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

interface ModelRow {
  id: string;
  run_id: string | null;
  kind: string;
  path: string;
  sha256: string;
  metadata: string;
  created_at: string;
}

const KIND = 'tfjs-layers';

function toStored(r: ModelRow): StoredModel {
  return { id: r.id, runId: r.run_id, kind: r.kind, path: r.path, sha256: r.sha256, metadata: JSON.parse(r.metadata) as Record<string, unknown>, createdAt: r.created_at };
}

/**
 * Saves `model` as the run's model called `name` (e.g. "fold-1", "final"), replacing an earlier one of
 * the same name. Files are written atomically before the row, so a crash leaves at most unreferenced files.
 */
export async function saveRunModel(project: Project, runId: string, name: string, model: tfl.LayersModel, metadata: Record<string, unknown> = {}): Promise<StoredModel> {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name.startsWith('.')) throw new SonoError('BAD_INPUT', `model name "${name}" may hold only letters, digits, '.', '_' and '-'`, name);
  const rel = join('models', runId, name);
  const dir = joinInside(project.dir, rel);
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts | null;
  if (!a || !a.weightData || !a.weightSpecs) throw new SonoError('INTERNAL', `model of run ${runId} produced no weights to save`, runId);
  const weights = new Uint8Array(tf.io.concatenateArrayBuffers(Array.isArray(a.weightData) ? a.weightData : [a.weightData]));
  const json = {
    format: 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  };
  writeFileAtomic(join(dir, 'weights.bin'), weights);
  writeFileAtomic(join(dir, 'model.json'), JSON.stringify(json));
  const id = `${runId}/${name}`;
  const sha = sha256Hex(weights);
  project.db
    .prepare('INSERT OR REPLACE INTO models (id, run_id, kind, path, sha256, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(id, runId, KIND, rel, sha, JSON.stringify(metadata), nowIso());
  return getStoredModel(project, id)!;
}

export function getStoredModel(project: Project, id: string): StoredModel | null {
  const row = project.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
  return row ? toStored(row) : null;
}

export function listRunModels(project: Project, runId: string): StoredModel[] {
  return (project.db.prepare('SELECT * FROM models WHERE run_id = ? ORDER BY id').all(runId) as ModelRow[]).map(toStored);
}

/** Loads a run's model by name; a missing row, missing files or a hash mismatch is a clear error. */
export async function loadRunModel(project: Project, runId: string, name: string): Promise<tfl.LayersModel> {
  const stored = getStoredModel(project, `${runId}/${name}`);
  if (!stored) throw new SonoError('NOT_FOUND', `run ${runId} has no saved model "${name}" in ${project.dir}`, runId);
  const dir = joinInside(project.dir, stored.path);
  let weights: Buffer;
  let json: { modelTopology: object; weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>; format?: string; generatedBy?: string; convertedBy?: string | null };
  try {
    weights = readFileSync(join(dir, 'weights.bin'));
    json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as typeof json;
  } catch (e) {
    throw new SonoError('CORRUPT', `model files of run ${runId} in ${dir} cannot be read: ${e instanceof Error ? e.message : String(e)}`, dir);
  }
  if (sha256Hex(weights) !== stored.sha256) throw new SonoError('CORRUPT', `${join(dir, 'weights.bin')} does not match the hash stored for run ${runId}; the file was changed or partly copied`, dir);
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
  });
  return tfl.loadLayersModel(handler);
}
