/**
 * Backbones published as one ONNX file (CaffeNet: the ONNX Model Zoo's caffenet-12.onnx) instead of a
 * tfjs model.json. Searched in the same folders as tfjs backbones, as `<root>/<id>/<weightsFile>`, and
 * converted to a trainable tfjs model by the architecture's importer.
 *
 * When the registry has no sha256 for the file, nothing is claimed: the result says `verified: false`
 * and carries the file's actual hash, so a run can record exactly which weights it used.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SonoError, errorMessage } from '../errors.js';
import { parseOnnx } from '../onnx/import-graph.js';
import { caffeNet } from './caffenet-entry.js';
import { importCaffeNet } from './caffenet-onnx.js';
import { modelCacheDir, modelSearchDirs, type LocateOptions } from './locate.js';
import type { BackboneEntry } from './registry.js';

export interface LocatedOnnxModel {
  dir: string;
  onnxPath: string;
  /** sha256 (hex) of the file as found. */
  sha256: string;
  /** True only when the registry has a hash and the file matches it. */
  verified: boolean;
}

/**
 * Importers by the entry's architecture: ONNX graph -> tfjs model with the entry's input size. Keyed by
 * architecture rather than id so that another entry of the same architecture (other weights of
 * CaffeNet's topology, e.g. the tests' reduced-width file) loads through the same importer.
 */
const importers: Record<string, (bytes: Uint8Array, file: string, entry: BackboneEntry) => tfl.LayersModel> = {
  [caffeNet.architecture]: (bytes, file, entry) => importCaffeNet(parseOnnx(bytes, file), { inputSize: entry.inputSize }).model,
};

export async function locateOnnxBackbone(entry: BackboneEntry, opts: LocateOptions = {}): Promise<LocatedOnnxModel> {
  const file = entry.weightsFile;
  if (!file) throw new SonoError('BAD_INPUT', `backbone ${entry.id} is a tfjs model.json, not an ONNX file; use locateBackbone`, entry.id);
  const roots = modelSearchDirs(opts);
  for (const root of roots) {
    const dir = path.join(root, entry.id);
    const onnxPath = path.join(dir, file);
    if (!existsSync(onnxPath)) continue;
    const sha256 = await fileSha256(onnxPath);
    if (entry.weightsSha256 !== null && sha256 !== entry.weightsSha256) {
      throw new SonoError(
        'BAD_INPUT',
        `backbone ${entry.id}: ${onnxPath} has sha256 ${sha256}, expected ${entry.weightsSha256}; replace it with ${entry.sourceUrl}`,
        onnxPath,
      );
    }
    return { dir, onnxPath, sha256, verified: entry.weightsSha256 !== null };
  }
  throw new SonoError(
    'NOT_FOUND',
    `backbone ${entry.id} not found (looked for ${roots.map((r) => path.join(r, entry.id, file)).join(' and ')}); ` +
      `download ${file} from ${entry.sourceUrl} into ${path.join(modelCacheDir(opts), entry.id)}, ` +
      `or set SONOTL_MODELS to a folder that contains ${entry.id}/${file}`,
    entry.id,
  );
}

/** Locates the entry's ONNX file and converts it to a trainable tfjs model. */
export async function loadOnnxBackbone(entry: BackboneEntry, opts: LocateOptions = {}): Promise<tfl.LayersModel> {
  const importer = importers[entry.architecture];
  if (!importer) throw new SonoError('UNSUPPORTED', `backbone ${entry.id}: no ONNX importer for its architecture (${entry.architecture})`, entry.id);
  const located = await locateOnnxBackbone(entry, opts);
  return importer(await readFile(located.onnxPath), located.onnxPath, entry);
}

async function fileSha256(file: string): Promise<string> {
  // Streamed: the zoo file is about 233 MB.
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (e) {
    throw new SonoError('NOT_FOUND', `cannot read ${file}: ${errorMessage(e)}`, file);
  }
  return hash.digest('hex');
}
