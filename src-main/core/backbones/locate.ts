/**
 * Finding, verifying, installing and loading backbone weights on disk.
 *
 * A backbone lives in a folder named by its id holding a tfjs `model.json` and its weight shards:
 *   $SONOTL_MODELS/<id>/   (when the variable is set: shared or offline installs, CI)
 *   <user cache>/sonotl/models/<id>/   (where `download` puts it)
 * The weights are checked against the registry's sha256 before use, so a truncated download or a
 * different conversion is reported instead of silently giving other features.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError, errorMessage } from '../errors.js';
import { getBackbone, type BackboneEntry } from './registry.js';
import { loadOnnxBackbone } from './locate-onnx.js';

export interface LocateOptions {
  /** Defaults to process.env (SONOTL_MODELS, XDG_CACHE_HOME, LOCALAPPDATA are read). */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homeDir?: string;
}

export interface LocatedModel {
  dir: string;
  modelJsonPath: string;
  /** Weight shard paths in manifest order. */
  weightPaths: string[];
}

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

export interface ModelJson {
  modelTopology: object;
  weightsManifest: WeightsGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** The per-user cache folder for models, following each platform's convention. */
export function modelCacheDir(opts: LocateOptions = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const home = opts.homeDir ?? os.homedir();
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (platform === 'win32') return p.join(env.LOCALAPPDATA || p.join(home, 'AppData', 'Local'), 'sonotl', 'Cache', 'models');
  if (platform === 'darwin') return p.join(home, 'Library', 'Caches', 'sonotl', 'models');
  // XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME && p.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : p.join(home, '.cache');
  return p.join(xdg, 'sonotl', 'models');
}

/** Folders searched for `<id>/model.json`, in order. */
export function modelSearchDirs(opts: LocateOptions = {}): string[] {
  const env = opts.env ?? process.env;
  const dirs = env.SONOTL_MODELS ? [path.resolve(env.SONOTL_MODELS)] : [];
  return [...dirs, modelCacheDir(opts)];
}

/** Finds the backbone's files and checks the weights' sha256; throws SonoError NOT_FOUND / BAD_INPUT. */
export async function locateBackbone(entry: BackboneEntry, opts: LocateOptions = {}): Promise<LocatedModel> {
  if (entry.weightsFile) {
    throw new SonoError('BAD_INPUT', `backbone ${entry.id} is published as ${entry.weightsFile}, not a tfjs model.json; use locateOnnxBackbone (locate-onnx.ts)`, entry.id);
  }
  const roots = modelSearchDirs(opts);
  for (const root of roots) {
    const dir = path.join(root, entry.id);
    const modelJsonPath = path.join(dir, 'model.json');
    if (!existsSync(modelJsonPath)) continue;
    const json = await readModelJson(modelJsonPath);
    const weightPaths = json.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p)));
    const missing = weightPaths.find((p) => !existsSync(p));
    if (missing) {
      throw new SonoError('NOT_FOUND', `backbone ${entry.id}: ${modelJsonPath} lists ${path.basename(missing)}, which is missing from ${dir}`, missing);
    }
    const actual = sha256Hex(await Promise.all(weightPaths.map((p) => readFile(p))));
    if (actual !== entry.weightsSha256) {
      throw new SonoError(
        'BAD_INPUT',
        `backbone ${entry.id}: weights in ${dir} have sha256 ${actual}, expected ${entry.weightsSha256}; ` +
          `replace them with the files from ${entry.sourceUrl}`,
        dir,
      );
    }
    return { dir, modelJsonPath, weightPaths };
  }
  throw new SonoError(
    'NOT_FOUND',
    `backbone ${entry.id} not found (looked for ${roots.map((r) => path.join(r, entry.id, 'model.json')).join(' and ')}); ` +
      `put model.json and its weight files from ${entry.sourceUrl} into ${path.join(modelCacheDir(opts), entry.id)}, ` +
      `or set SONOTL_MODELS to a folder that contains ${entry.id}/model.json`,
    entry.id,
  );
}

/** Loads a registered backbone as a tfjs LayersModel from local files (no network, no file:// handler). */
export async function loadBackbone(id: string, opts: LocateOptions = {}): Promise<tfl.LayersModel> {
  const entry = getBackbone(id);
  // ONNX-published backbones (CaffeNet) are converted to tfjs by their importer.
  if (entry.weightsFile) return loadOnnxBackbone(entry, opts);
  const located = await locateBackbone(entry, opts);
  const json = await readModelJson(located.modelJsonPath);
  const shards = await Promise.all(located.weightPaths.map((p) => readFile(p)));
  const weightData = concatBytes(shards);
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
  });
  return tfl.loadLayersModel(handler);
}

/**
 * Fetches the backbone's model.json and weight shards from `entry.sourceUrl` into the user cache and
 * returns where they are. Needs network access; product code calls it on the user's request only.
 */
export async function download(entry: BackboneEntry, opts: LocateOptions & { fetch?: typeof fetch } = {}): Promise<LocatedModel> {
  if (entry.weightsFile) {
    throw new SonoError('UNSUPPORTED', `backbone ${entry.id}: automatic download of ${entry.weightsFile} is not implemented; fetch ${entry.sourceUrl} into ${path.join(modelCacheDir(opts), entry.id)}`, entry.id);
  }
  const get = opts.fetch ?? fetch;
  const fetchBytes = async (url: string): Promise<Uint8Array> => {
    let res: Response;
    try {
      res = await get(url);
    } catch (e) {
      throw new SonoError('NOT_FOUND', `cannot download ${url}: ${errorMessage(e)}`, url);
    }
    if (!res.ok) throw new SonoError('NOT_FOUND', `cannot download ${url}: HTTP ${res.status}`, url);
    return new Uint8Array(await res.arrayBuffer());
  };
  const json = JSON.parse(new TextDecoder().decode(await fetchBytes(entry.sourceUrl))) as ModelJson;
  checkModelJson(json, entry.sourceUrl);
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) shards.push(await fetchBytes(new URL(p, entry.sourceUrl).href));
  }
  return installModelFiles(entry, json, shards, path.join(modelCacheDir(opts), entry.id));
}

/**
 * Verifies downloaded weights and writes them as `<dir>/model.json` + one `weights.bin`. Each file is
 * written to a temporary name and renamed, weights first, so an interrupted install never leaves a
 * model.json that points at partial weights (locate keys on model.json).
 */
export async function installModelFiles(entry: BackboneEntry, json: ModelJson, shards: Uint8Array[], dir: string): Promise<LocatedModel> {
  const weights = concatBytes(shards);
  const actual = sha256Hex([weights]);
  if (actual !== entry.weightsSha256) {
    throw new SonoError('BAD_INPUT', `downloaded weights of ${entry.id} have sha256 ${actual}, expected ${entry.weightsSha256}; nothing was installed`, entry.id);
  }
  const single: ModelJson = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: json.weightsManifest.flatMap((g) => g.weights) }] };
  await mkdir(dir, { recursive: true });
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const weightsPath = path.join(dir, 'weights.bin');
  const modelJsonPath = path.join(dir, 'model.json');
  try {
    await writeFile(weightsPath + suffix, weights);
    await writeFile(modelJsonPath + suffix, JSON.stringify(single));
    await rename(weightsPath + suffix, weightsPath);
    await rename(modelJsonPath + suffix, modelJsonPath);
  } catch (e) {
    await Promise.all([rm(weightsPath + suffix, { force: true }), rm(modelJsonPath + suffix, { force: true })]);
    throw e;
  }
  return { dir, modelJsonPath, weightPaths: [weightsPath] };
}

async function readModelJson(file: string): Promise<ModelJson> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new SonoError('BAD_INPUT', `cannot read ${file}: ${errorMessage(e)}`, file);
  }
  checkModelJson(json, file);
  return json;
}

function checkModelJson(json: ModelJson, source: string): void {
  const ok =
    json && typeof json.modelTopology === 'object' && Array.isArray(json.weightsManifest) &&
    json.weightsManifest.every((g) => Array.isArray(g.paths) && Array.isArray(g.weights));
  if (!ok) throw new SonoError('BAD_INPUT', `${source} is not a tfjs layers model.json (no modelTopology/weightsManifest)`, source);
}

function sha256Hex(parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
