/**
 * Finding, verifying, installing and loading backbone weights on disk.
 *
 * A backbone lives in a folder named by its id holding a tfjs `model.json` and its weight shards:
 *   $SONOTL_MODELS/<id>/   (when the variable is set: shared or offline installs, CI)
 *   <user cache>/sonotl/models/<id>/   (where `download` puts it)
 * The weights are checked against the registry's sha256 before use, so a truncated download or a
 * different conversion is reported instead of silently giving other features. model.json is not covered
 * by that hash: it is checked as untrusted input (layers-model-json.ts), and only regular files inside
 * the model's folder, whose sizes match what it declares, are read.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { constants as fsConstants, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { SonoError, errorMessage, isSonoError } from '../errors.js';
import { checkLayersModelJson, declaredWeightBytes, MAX_MODEL_JSON_BYTES, type LayersModelJson } from '../util/layers-model-json.js';
import { buildLayersModel } from '../util/layers-model-load.js';
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
  /** false when the registry knows no published hash (weightsSha256 null), so nothing was checked. */
  verified: boolean;
}

/** A model.json that passed checkLayersModelJson (layers-model-json.ts). */
export type ModelJson = LayersModelJson;

/**
 * tfjs keeps a model's weights in one ArrayBuffer, and no backbone SonoTL can train comes near this
 * (VGG-16 is 528 MB), so larger shards are refused before anything is read or allocated.
 */
export const MAX_BACKBONE_WEIGHT_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * O_NOFOLLOW closes the gap between the lstat and the open; O_NONBLOCK keeps a FIFO swapped in there
 * from blocking the open forever (the handle's fstat then refuses it). Windows has neither flag (0).
 */
const OPEN_NO_FOLLOW = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);
const READ_CHUNK_BYTES = 1 << 20;

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
  return (await findVerified(entry, opts, false)).located;
}

/** Loads a registered backbone as a tfjs LayersModel from local files (no network, no file:// handler). */
export async function loadBackbone(id: string, opts: LocateOptions = {}): Promise<tfl.LayersModel> {
  const entry = getBackbone(id);
  // ONNX-published backbones (CaffeNet) are converted to tfjs by their importer.
  if (entry.weightsFile) return loadOnnxBackbone(entry, opts);
  const { located, json, weights } = await findVerified(entry, opts, true);
  // The weights matched the registry, so a failure here is a model.json whose topology tfjs cannot build.
  return buildLayersModel(json, weights!, located.modelJsonPath);
}

interface VerifiedModel {
  located: LocatedModel;
  json: ModelJson;
  /** The weight bytes (when asked for), from the same read as the hash, so what loads is what was checked. */
  weights: Uint8Array | null;
}

/**
 * model.json is not covered by the registry's hash, so it is checked as untrusted input, and every file
 * it names must be a regular file in the model's folder whose sizes add up to what the manifest declares:
 * all of that before a byte of weights is read.
 */
async function findVerified(entry: BackboneEntry, opts: LocateOptions, keepWeights: boolean): Promise<VerifiedModel> {
  if (entry.weightsFile) {
    throw new SonoError('BAD_INPUT', `backbone ${entry.id} is published as ${entry.weightsFile}, not a tfjs model.json; use locateOnnxBackbone (locate-onnx.ts)`, entry.id);
  }
  const roots = modelSearchDirs(opts);
  for (const root of roots) {
    const dir = path.join(root, entry.id);
    const modelJsonPath = path.join(dir, 'model.json');
    const jsonStat = await lstatOrNull(modelJsonPath);
    if (!jsonStat) continue;
    const json = await readModelJson(modelJsonPath, jsonStat);
    const shards = await weightShards(entry, json, dir, modelJsonPath);
    const total = shards.reduce((n, s) => n + s.size, 0);
    const hash = createHash('sha256');
    const weights = keepWeights ? new Uint8Array(total) : null;
    let offset = 0;
    for (const s of shards) {
      await readExactly(s.path, s.size, (chunk) => {
        hash.update(chunk);
        weights?.set(chunk, offset);
        offset += chunk.length;
      });
    }
    const actual = hash.digest('hex');
    if (entry.weightsSha256 !== null && actual !== entry.weightsSha256) {
      throw new SonoError(
        'BAD_INPUT',
        `backbone ${entry.id}: weights in ${dir} have sha256 ${actual}, expected ${entry.weightsSha256}; ` +
          `replace them with the files from ${entry.sourceUrl}`,
        dir,
      );
    }
    return { located: { dir, modelJsonPath, weightPaths: shards.map((s) => s.path), verified: entry.weightsSha256 !== null }, json, weights };
  }
  throw new SonoError(
    'NOT_FOUND',
    `backbone ${entry.id} not found (looked for ${roots.map((r) => path.join(r, entry.id, 'model.json')).join(' and ')}); ` +
      `put model.json and its weight files from ${entry.sourceUrl} into ${path.join(modelCacheDir(opts), entry.id)}, ` +
      `or set SONOTL_MODELS to a folder that contains ${entry.id}/model.json`,
    entry.id,
  );
}

/** The manifest's shards, in order, each lstat-ed: a link could point anywhere, a folder or device is no weights file. */
async function weightShards(entry: BackboneEntry, json: ModelJson, dir: string, modelJsonPath: string): Promise<Array<{ path: string; size: number }>> {
  const names = json.weightsManifest.flatMap((g) => g.paths);
  const shards: Array<{ path: string; size: number }> = [];
  for (const name of names) {
    // checkLayersModelJson allows only plain file names, so the join stays in `dir`.
    const p = path.join(dir, name);
    if (shards.some((s) => s.path === p)) throw new SonoError('BAD_INPUT', `backbone ${entry.id}: ${modelJsonPath} lists ${name} twice`, modelJsonPath);
    const st = await lstatOrNull(p);
    if (!st) throw new SonoError('NOT_FOUND', `backbone ${entry.id}: ${modelJsonPath} lists ${name}, which is missing from ${dir}`, p);
    if (st.isSymbolicLink()) throw new SonoError('BAD_INPUT', `backbone ${entry.id}: ${p} is a symbolic link; weight files must be regular files inside ${dir}`, p);
    if (!st.isFile()) throw new SonoError('BAD_INPUT', `backbone ${entry.id}: ${p} is not a regular file; weight files must be regular files inside ${dir}`, p);
    shards.push({ path: p, size: st.size });
  }
  const declared = declaredWeightBytes(json, modelJsonPath);
  const total = shards.reduce((n, s) => n + s.size, 0);
  if (total !== declared) {
    const held = shards.length === 1 ? shards[0].path : `the ${shards.length} shards in ${dir}`;
    throw new SonoError('BAD_INPUT', `backbone ${entry.id}: ${modelJsonPath} declares ${declared} bytes of weights, but ${held} hold${shards.length === 1 ? 's' : ''} ${total}`, dir);
  }
  if (total > MAX_BACKBONE_WEIGHT_BYTES) {
    throw new SonoError('BAD_INPUT', `backbone ${entry.id}: ${modelJsonPath} declares ${total} bytes of weights, more than a backbone can have (${MAX_BACKBONE_WEIGHT_BYTES})`, modelJsonPath);
  }
  return shards;
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
  /** The body, refused as soon as it grows past `limit`: a server's size is as untrusted as its manifest. */
  const fetchBytes = async (url: string, limit: number, what: string): Promise<Uint8Array> => {
    const tooBig = (n: number) => new SonoError('BAD_INPUT', `${url} is ${n} bytes or more, more than ${what} (${limit}); nothing was installed`, url);
    try {
      const res = await get(url);
      if (!res.ok) throw new SonoError('NOT_FOUND', `cannot download ${url}: HTTP ${res.status}`, url);
      const length = res.headers.get('content-length');
      if (length !== null && Number(length) > limit) throw tooBig(Number(length));
      if (!res.body) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (bytes.length > limit) throw tooBig(bytes.length);
        return bytes;
      }
      const reader = res.body.getReader();
      const parts: Uint8Array[] = [];
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.length;
        if (n > limit) {
          await reader.cancel();
          throw tooBig(n);
        }
        parts.push(value);
      }
      return concatBytes(parts);
    } catch (e) {
      if (e instanceof SonoError) throw e;
      throw new SonoError('NOT_FOUND', `cannot download ${url}: ${oneLine(errorMessage(e))}`, url);
    }
  };
  const jsonBytes = await fetchBytes(entry.sourceUrl, MAX_MODEL_JSON_BYTES, 'a model.json can be');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (e) {
    throw new SonoError('BAD_INPUT', `${entry.sourceUrl} is not JSON: ${oneLine(errorMessage(e))}; nothing was installed`, entry.sourceUrl);
  }
  const json = checkLayersModelJson(parsed, entry.sourceUrl);
  const declared = declaredWeightBytes(json, entry.sourceUrl);
  if (declared > MAX_BACKBONE_WEIGHT_BYTES) {
    throw new SonoError('BAD_INPUT', `${entry.sourceUrl} declares ${declared} bytes of weights, more than a backbone can have (${MAX_BACKBONE_WEIGHT_BYTES}); nothing was installed`, entry.sourceUrl);
  }
  // Shards come from model.json's own folder on the server: a name like "%2e%2e" is a plain file name
  // on disk but climbs a level in a URL.
  const base = new URL('.', entry.sourceUrl).href;
  const shards: Uint8Array[] = [];
  let remaining = declared;
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const url = new URL(p, entry.sourceUrl).href;
      if (!url.startsWith(base) || url.slice(base.length).includes('/')) {
        throw new SonoError('BAD_INPUT', `${entry.sourceUrl} lists weight file ${JSON.stringify(p)}, which resolves to ${url}, outside ${base}; nothing was installed`, entry.sourceUrl);
      }
      const bytes = await fetchBytes(url, remaining, `the ${declared} bytes of weights ${entry.sourceUrl} declares`);
      remaining -= bytes.length;
      shards.push(bytes);
    }
  }
  if (remaining !== 0) {
    throw new SonoError('BAD_INPUT', `${entry.sourceUrl} declares ${declared} bytes of weights, but its shards hold ${declared - remaining}; nothing was installed`, entry.sourceUrl);
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
  const actual = createHash('sha256').update(weights).digest('hex');
  if (entry.weightsSha256 !== null && actual !== entry.weightsSha256) {
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
  return { dir, modelJsonPath, weightPaths: [weightsPath], verified: entry.weightsSha256 !== null };
}

async function readModelJson(file: string, st: Stats): Promise<ModelJson> {
  if (st.isSymbolicLink()) throw new SonoError('BAD_INPUT', `${file} is a symbolic link; a backbone's model.json must be a regular file in its folder`, file);
  if (!st.isFile()) throw new SonoError('BAD_INPUT', `${file} is not a regular file`, file);
  if (st.size > MAX_MODEL_JSON_BYTES) throw new SonoError('BAD_INPUT', `${file} is ${st.size} bytes, more than a model.json can be (${MAX_MODEL_JSON_BYTES})`, file);
  const bytes = Buffer.alloc(st.size);
  let offset = 0;
  await readExactly(file, st.size, (chunk) => {
    bytes.set(chunk, offset);
    offset += chunk.length;
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SonoError('BAD_INPUT', `cannot read ${file}: ${oneLine(errorMessage(e))}`, file);
  }
  return checkLayersModelJson(parsed, file);
}

/** lstat that reports a path with nothing there (or a file where a folder should be) as null. */
async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new SonoError('BAD_INPUT', `cannot read ${p}: ${oneLine(errorMessage(e))}`, p);
  }
}

/**
 * Reads exactly `size` bytes (what lstat saw) of a regular file, in chunks handed to `take` (which must
 * copy them). Opened without following links and re-checked on the open handle, so a file swapped for a
 * link, a FIFO or a longer file after the lstat is refused rather than read.
 */
async function readExactly(file: string, size: number, take: (chunk: Uint8Array) => void): Promise<void> {
  const changed = () => new SonoError('BAD_INPUT', `${file} changed while it was being read`, file);
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, OPEN_NO_FOLLOW);
    const st = await handle.stat();
    if (!st.isFile() || st.size !== size) throw changed();
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK_BYTES, size)));
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - done), done);
      if (bytesRead === 0) throw changed();
      take(chunk.subarray(0, bytesRead));
      done += bytesRead;
    }
  } catch (e) {
    if (e instanceof SonoError) throw e;
    throw new SonoError('BAD_INPUT', `cannot read ${file}: ${oneLine(errorMessage(e))}`, file);
  } finally {
    await handle?.close();
  }
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
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

/**
 * The backbone's local files, downloading them into the user cache first when they are nowhere to be
 * found — which is how a workstation gets its weights on first use. Only when SONOTL_MODELS is unset:
 * a user (or a test) who points SONOTL_MODELS at a folder has said where the models are, and a missing
 * model there is reported, not fetched behind their back. SONOTL_NO_DOWNLOAD=1 turns it off (offline
 * sites; the test suite sets it so that no test reaches for the network).
 */
export async function ensureBackbone(
  entry: BackboneEntry,
  opts: LocateOptions & { fetch?: typeof fetch; log?: (line: string) => void } = {},
): Promise<LocatedModel> {
  try {
    return await locateBackbone(entry, opts);
  } catch (e) {
    const env = opts.env ?? process.env;
    if (!isSonoError(e) || e.code !== 'NOT_FOUND' || env.SONOTL_MODELS || env.SONOTL_NO_DOWNLOAD || entry.weightsFile) throw e;
    opts.log?.(`downloading backbone ${entry.id} from ${entry.sourceUrl} into ${modelCacheDir(opts)} (once)`);
    try {
      return await download(entry, opts);
    } catch (d) {
      throw new SonoError('NOT_FOUND', `${oneLine(errorMessage(e))}; downloading it failed too: ${oneLine(errorMessage(d))}`, entry.id);
    }
  }
}
