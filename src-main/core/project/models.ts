/**
 * Trained networks stored with the project: a fine-tuned backbone of a run is a tfjs-layers artifact pair
 * (`model.json` + `weights.bin`) under `models/<runId>/<name>/`, with a row in the `models` table holding
 * its relative path and the weights' sha256. The folder travels with the project; the hash lets a reader
 * refuse weights that were changed or half-copied.
 */
import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';
import { joinInside, writeFileAtomic } from '../util/atomic-write.js';
import { checkLayersModelJson, declaredWeightBytes, MAX_MODEL_JSON_BYTES, type LayersModelJson } from '../util/layers-model-json.js';
import { sha256Hex } from '../util/hash.js';
import { buildLayersModel } from '../util/layers-model-load.js';
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

/** Removes the run's model `name` (row first, then its folder: a crash leaves at most unreferenced files); absent is fine. */
export function deleteRunModel(project: Project, runId: string, name: string): void {
  const stored = getStoredModel(project, `${runId}/${name}`);
  if (!stored) return;
  project.db.prepare('DELETE FROM models WHERE id = ?').run(stored.id);
  rmSync(joinInside(project.dir, stored.path), { recursive: true, force: true });
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
  const jsonPath = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.bin');
  const unreadable = (e: unknown): SonoError =>
    new SonoError('CORRUPT', `model files of run ${runId} in ${dir} cannot be read: ${e instanceof Error ? e.message : String(e)}`, dir);
  let json: LayersModelJson;
  try {
    // model.json is not covered by the stored hash: it is checked as untrusted input before use.
    regularFileInside(project.dir, jsonPath);
    regularFileInside(project.dir, weightsPath);
    const size = lstatSync(jsonPath).size;
    if (size > MAX_MODEL_JSON_BYTES) throw new SonoError('CORRUPT', `${jsonPath} is ${size} bytes, more than a model.json can be (${MAX_MODEL_JSON_BYTES})`, jsonPath);
    json = checkLayersModelJson(JSON.parse(readFileSync(jsonPath, 'utf8')) as unknown, jsonPath);
  } catch (e) {
    if (e instanceof SonoError) throw new SonoError('CORRUPT', e.message, jsonPath);
    throw unreadable(e);
  }
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  if (paths.length !== 1 || paths[0] !== 'weights.bin') throw new SonoError('CORRUPT', `${jsonPath} lists weight files ${JSON.stringify(paths).slice(0, 100)}; a run model has exactly weights.bin`, jsonPath);
  let weights: Buffer;
  try {
    weights = readFileSync(weightsPath);
  } catch (e) {
    throw unreadable(e);
  }
  if (sha256Hex(weights) !== stored.sha256) throw new SonoError('CORRUPT', `${weightsPath} does not match the hash stored for run ${runId}; the file was changed or partly copied`, dir);
  // The weights are the saved ones, so a size mismatch means model.json was changed: tfjs would read
  // past the buffer or allocate from the made-up shapes.
  let declared: number;
  try {
    declared = declaredWeightBytes(json, jsonPath);
  } catch (e) {
    throw new SonoError('CORRUPT', (e as Error).message, jsonPath);
  }
  if (declared !== weights.length) throw new SonoError('CORRUPT', `${jsonPath} declares ${declared} bytes of weights, but ${weightsPath} holds ${weights.length}`, jsonPath);
  return buildLayersModel(json, weights, jsonPath);
}

/**
 * Model files are read only as regular files inside the project: a link (the file, or any folder between
 * it and the project) could point anywhere. Checked with lstat, component by component, so that not even
 * the metadata of a link's target is touched.
 */
function regularFileInside(projectDir: string, path: string): void {
  let at = projectDir;
  for (const part of relative(projectDir, path).split(sep)) {
    at = join(at, part);
    const st = lstatSync(at);
    const last = at === path;
    if (st.isSymbolicLink()) throw new SonoError('CORRUPT', `${at} is a symbolic link; model files must be plain files inside the project`, at);
    if (last ? !st.isFile() : !st.isDirectory()) throw new SonoError('CORRUPT', `${at} is not a ${last ? 'regular file' : 'folder'}; model files must be plain files inside the project`, at);
  }
}
