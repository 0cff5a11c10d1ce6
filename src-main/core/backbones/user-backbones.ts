/**
 * User backbones: any tfjs-layers model folder (model.json + weight shards) added to the registry.
 *
 * `addUserBackbone` loads the model once to check it (input, feature layer, frozen layers), then
 * stores a copy in the user's model cache exactly where built-in backbones live:
 *   <cache>/<id>/model.json + weights.bin   (installed atomically by installModelFiles)
 *   <cache>/<id>/backbone.json              (the registry entry, written last)
 * `registerUserBackbones` reads every backbone.json there into the registry at start-up, after which
 * getBackbone / listBackbones / loadBackbone treat them like built-in ones (the weights' sha256 is
 * checked on every load).
 */
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError, errorMessage } from '../errors.js';
import { useCpuBackend } from '../ml/cpu-backend.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MAX_MODEL_JSON_BYTES, checkLayersModelJson, declaredWeightBytes } from '../util/layers-model-json.js';
import { buildLayersModel } from '../util/layers-model-load.js';
import './caffenet-layers.js';
import { installModelFiles, modelCacheDir, type LocateOptions, type ModelJson } from './locate.js';
import { getBackbone, listBackbones, registerBackbone, type BackboneEntry, type Preprocessing } from './registry.js';

export const USER_ENTRY_FILE = 'backbone.json';
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PREPROCESSING: readonly Preprocessing[] = ['tf', 'caffe'];

export interface AddUserBackboneOptions extends LocateOptions {
  id: string;
  featureLayer: string;
  /** Default: 'avg' when the feature layer's output is 4-D, 'none' when it is a vector. */
  featurePooling?: 'avg' | 'none';
  /** Default 'tf' (RGB x / 127.5 - 1). */
  preprocessing?: Preprocessing;
  /** Layers partial adaptation keeps frozen (the model's conv1-conv2 equivalent); default none. */
  paFrozen?: string[];
}

/** Checks, copies and registers a tfjs-layers model folder; returns its registry entry. */
export async function addUserBackbone(dir: string, opts: AddUserBackboneOptions): Promise<BackboneEntry> {
  const { id } = opts;
  if (!ID_PATTERN.test(id)) throw new SonoError('BAD_INPUT', `backbone id ${JSON.stringify(id)} must be 1-64 letters, digits, '.', '_' or '-'`, id);
  if (listBackbones().some((e) => e.id === id)) throw new SonoError('BAD_INPUT', `backbone ${id} already exists; choose another --id`, id);
  const preprocessing = opts.preprocessing ?? 'tf';
  if (!PREPROCESSING.includes(preprocessing)) throw new SonoError('BAD_INPUT', `preprocessing ${preprocessing} is not one of ${PREPROCESSING.join(', ')}`);

  const jsonPath = path.join(dir, 'model.json');
  const json = await readUserModelJson(jsonPath);
  const shardPaths = json.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p)));
  const shards: Uint8Array[] = [];
  for (const p of shardPaths) {
    try {
      shards.push(await readFile(p));
    } catch (e) {
      throw new SonoError('NOT_FOUND', `${jsonPath} lists ${path.basename(p)}, which cannot be read: ${errorMessage(e)}`, p);
    }
  }
  const bytes = shards.reduce((n, s) => n + s.length, 0);
  const declared = declaredWeightBytes(json, jsonPath);
  if (bytes !== declared) throw new SonoError('BAD_INPUT', `${jsonPath} declares ${declared} bytes of weights, its shards hold ${bytes} (truncated or mismatched files)`, jsonPath);

  const weights = new Uint8Array(bytes);
  let offset = 0;
  for (const s of shards) {
    weights.set(s, offset);
    offset += s.length;
  }
  // The check runs wherever the caller is (the CLI has no backend chosen yet).
  await useCpuBackend('checking the model');
  const model = await buildLayersModel(json, weights, jsonPath, 'BAD_INPUT');
  let entry: BackboneEntry;
  try {
    entry = describeModel(model, opts, preprocessing, jsonPath, dir, createHash('sha256').update(weights).digest('hex'));
  } finally {
    model.dispose();
  }

  const target = path.join(modelCacheDir(opts), id);
  await installModelFiles(entry, json as unknown as ModelJson, [weights], target);
  writeFileAtomic(path.join(target, USER_ENTRY_FILE), JSON.stringify({ ...entry, addedFrom: path.resolve(dir) }, null, 2) + '\n');
  registerBackbone(entry);
  return entry;
}

function describeModel(model: tfl.LayersModel, opts: AddUserBackboneOptions, preprocessing: Preprocessing, jsonPath: string, dir: string, sha256: string): BackboneEntry {
  const bad = (what: string) => new SonoError('BAD_INPUT', `${jsonPath}: ${what}`, jsonPath);
  if (model.inputs.length !== 1) throw bad(`the model has ${model.inputs.length} inputs; a backbone takes one image`);
  const [, h, w, c] = model.inputs[0].shape;
  if (model.inputs[0].shape.length !== 4 || typeof h !== 'number' || typeof w !== 'number' || c !== 3) {
    throw bad(`input shape [${model.inputs[0].shape.map((d) => d ?? 'null').join(',')}] is not [null, height, width, 3] with a fixed size`);
  }
  const names = new Set(model.layers.map((l) => l.name));
  if (!names.has(opts.featureLayer)) throw bad(`no layer named ${opts.featureLayer} (the feature layer)`);
  const frozen = opts.paFrozen ?? [];
  const unknown = frozen.filter((n) => !names.has(n));
  if (unknown.length > 0) throw bad(`no layer named ${unknown.join(', ')} (listed as frozen for PA)`);
  const out = model.getLayer(opts.featureLayer).outputShape;
  if (Array.isArray(out[0])) throw bad(`layer ${opts.featureLayer} has several outputs`);
  const shape = out as Array<number | null>;
  const pooling = opts.featurePooling ?? (shape.length === 4 ? 'avg' : 'none');
  const dim = shape[shape.length - 1];
  if ((pooling === 'avg' && shape.length !== 4) || (pooling === 'none' && shape.length !== 2) || typeof dim !== 'number') {
    throw bad(`layer ${opts.featureLayer} outputs [${shape.map((d) => d ?? 'null').join(',')}], which '${pooling}' pooling cannot turn into one vector per image`);
  }
  return {
    id: opts.id,
    architecture: `user tfjs-layers model ${model.name}`,
    inputSize: [h, w],
    preprocessing,
    layerGroups: frozen.length > 0 ? [{ name: 'pa-frozen', layers: frozen }] : [],
    featureLayer: opts.featureLayer,
    featurePooling: pooling,
    featureDim: dim,
    sourceUrl: pathToFileURL(path.resolve(dir, 'model.json')).href,
    weightsSha256: sha256,
    license: 'as provided by the user',
  };
}

async function readUserModelJson(file: string) {
  let text: string;
  try {
    if (statSync(file).size > MAX_MODEL_JSON_BYTES) throw new Error(`larger than ${MAX_MODEL_JSON_BYTES} bytes`);
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SonoError('NOT_FOUND', `cannot read ${file}: ${errorMessage(e)}`, file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SonoError('BAD_INPUT', `${file} is not JSON: ${errorMessage(e)}`, file);
  }
  return checkLayersModelJson(parsed, file);
}

/**
 * Adds every user backbone found in the cache to the registry (ids already registered are left alone).
 * A broken backbone.json does not stop the others: it is returned as a one-line problem.
 */
export function registerUserBackbones(opts: LocateOptions = {}): { registered: string[]; problems: string[] } {
  const root = modelCacheDir(opts);
  const registered: string[] = [];
  const problems: string[] = [];
  if (!existsSync(root)) return { registered, problems };
  for (const name of readdirSync(root).sort()) {
    const file = path.join(root, name, USER_ENTRY_FILE);
    if (!existsSync(file)) continue;
    try {
      const entry = parseUserEntry(readFileSync(file, 'utf8'), file, name);
      if (listBackbones().some((e) => e.id === entry.id)) continue;
      registerBackbone(entry);
      registered.push(entry.id);
    } catch (e) {
      problems.push(errorMessage(e));
    }
  }
  return { registered, problems };
}

function parseUserEntry(text: string, file: string, folder: string): BackboneEntry {
  const bad = (what: string) => new SonoError('BAD_INPUT', `${file}: ${what}`, file);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw bad(`not JSON (${errorMessage(e)})`);
  }
  if (typeof v !== 'object' || v === null) throw bad('not a JSON object');
  const str = (k: string) => {
    if (typeof v[k] !== 'string' || v[k] === '') throw bad(`${k} is not a string`);
    return v[k] as string;
  };
  const id = str('id');
  if (id !== folder) throw bad(`id ${id} does not match its folder ${folder}`);
  const size = v.inputSize;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) throw bad('inputSize is not [height, width]');
  const preprocessing = str('preprocessing') as Preprocessing;
  if (!PREPROCESSING.includes(preprocessing)) throw bad(`preprocessing ${preprocessing} is unknown`);
  const pooling = str('featurePooling');
  if (pooling !== 'avg' && pooling !== 'none') throw bad(`featurePooling ${pooling} is not avg or none`);
  const groups = v.layerGroups;
  const groupsOk = Array.isArray(groups) && groups.every((g) =>
    typeof g === 'object' && g !== null && typeof (g as { name: unknown }).name === 'string' &&
    Array.isArray((g as { layers: unknown }).layers) && (g as { layers: unknown[] }).layers.every((l) => typeof l === 'string'));
  if (!groupsOk) throw bad('layerGroups is not a list of { name, layers }');
  const sha = str('weightsSha256');
  if (!/^[0-9a-f]{64}$/.test(sha)) throw bad('weightsSha256 is not a sha256 hex digest');
  if (!(Number.isInteger(v.featureDim) && (v.featureDim as number) > 0)) throw bad('featureDim is not a positive integer');
  return {
    id,
    architecture: str('architecture'),
    inputSize: [size[0], size[1]],
    preprocessing,
    layerGroups: groups as BackboneEntry['layerGroups'],
    featureLayer: str('featureLayer'),
    featurePooling: pooling,
    featureDim: v.featureDim as number,
    sourceUrl: str('sourceUrl'),
    weightsSha256: sha,
    license: str('license'),
  };
}

/** True when `id` names a backbone added by the user (it has a backbone.json in the cache). */
export function isUserBackbone(id: string, opts: LocateOptions = {}): boolean {
  getBackbone(id);
  return existsSync(path.join(modelCacheDir(opts), id, USER_ENTRY_FILE));
}
