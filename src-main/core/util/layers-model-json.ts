/**
 * Checking a tfjs-layers `model.json` before anything uses it. The file travels with a project (or sits
 * in a model folder) and is not covered by the weights' hash, so it is untrusted input: its manifest
 * decides which files are read and how many bytes tfjs allocates. Everything that would make tfjs or the
 * loader throw a TypeError, read outside the model's folder, or allocate from a made-up size is refused
 * here as a SonoError naming the file.
 */
import { SonoError } from '../errors.js';

/** Larger than any layers topology SonoTL writes (MobileNetV2's is ~150 kB); refused before reading. */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;
/** Keras configs nest about ten levels deep; far deeper input only exists to exhaust the stack. */
export const MAX_MODEL_JSON_DEPTH = 64;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2 };
const WEIGHT_DTYPES = new Set(['float32', 'int32', 'bool']);
const QUANTIZED_DTYPES = new Set(['uint8', 'uint16', 'float16']);

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

export interface LayersModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * Validates parsed model.json text; returns it typed. `source` (the file) is named in every error.
 * Weight shard paths must be plain file names (they are joined to the model's folder).
 */
export function checkLayersModelJson(json: unknown, source: string): LayersModelJson {
  const bad = (problem: string): SonoError => new SonoError('BAD_INPUT', oneLine(`${source} is not a usable tfjs model.json: ${problem}`), source);
  const deep = deeperThan(json, MAX_MODEL_JSON_DEPTH);
  if (deep) throw bad(`nested more than ${MAX_MODEL_JSON_DEPTH} levels deep`);
  if (!isObject(json)) throw bad('not a JSON object');
  if (!isObject(json.modelTopology)) throw bad('modelTopology is not an object');
  for (const k of ['format', 'generatedBy'] as const) {
    if (json[k] !== undefined && typeof json[k] !== 'string') throw bad(`${k} is not a string`);
  }
  if (json.convertedBy !== undefined && json.convertedBy !== null && typeof json.convertedBy !== 'string') throw bad('convertedBy is not a string or null');
  if (!Array.isArray(json.weightsManifest) || json.weightsManifest.length === 0) throw bad('weightsManifest is not a non-empty array');
  const names = new Set<string>();
  json.weightsManifest.forEach((g: unknown, gi: number) => {
    const at = `weightsManifest[${gi}]`;
    if (!isObject(g)) throw bad(`${at} is not an object`);
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights)) throw bad(`${at} has no paths and weights arrays`);
    g.paths.forEach((p: unknown, pi: number) => {
      if (typeof p !== 'string' || !isPlainFileName(p)) throw bad(`${at}.paths[${pi}] ${quote(p)} is not a file name inside the model's folder`);
    });
    g.weights.forEach((w: unknown, wi: number) => {
      const wat = `${at}.weights[${wi}]`;
      if (!isObject(w)) throw bad(`${wat} is not an object`);
      if (typeof w.name !== 'string' || w.name === '') throw bad(`${wat} has no name`);
      if (names.has(w.name)) throw bad(`${wat}: weight ${quote(w.name)} is listed twice`);
      names.add(w.name);
      if (typeof w.dtype !== 'string' || !WEIGHT_DTYPES.has(w.dtype)) throw bad(`${wat}: dtype ${quote(w.dtype)} is not float32, int32 or bool`);
      if (!Array.isArray(w.shape) || w.shape.some((d: unknown) => !Number.isSafeInteger(d) || (d as number) < 0)) throw bad(`${wat}: shape ${quote(w.shape)} is not a list of sizes`);
      if (w.quantization !== undefined) {
        const q = w.quantization;
        if (!isObject(q) || typeof q.dtype !== 'string' || !QUANTIZED_DTYPES.has(q.dtype)) throw bad(`${wat}: quantization ${quote(q)} is not understood`);
        for (const k of ['scale', 'min'] as const) if (q[k] !== undefined && (typeof q[k] !== 'number' || !Number.isFinite(q[k]))) throw bad(`${wat}: quantization ${k} is not a finite number`);
      }
    });
  });
  return json as unknown as LayersModelJson;
}

/**
 * Bytes the manifest says the weights occupy. A shape that multiplies out past 2^40 bytes is refused
 * here, so a made-up size never reaches an allocation.
 */
export function declaredWeightBytes(json: LayersModelJson, source: string): number {
  let total = 0;
  for (const g of json.weightsManifest) {
    for (const w of g.weights) {
      let n = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
      for (const d of w.shape) n *= d;
      total += n;
      if (!(total <= 2 ** 40)) throw new SonoError('BAD_INPUT', `${source} declares weight ${quote(w.name)} of shape ${quote(w.shape)}, larger than any model`, source);
    }
  }
  return total;
}

function isPlainFileName(p: string): boolean {
  return p !== '' && p !== '.' && p !== '..' && p.length <= 255 && !/[/\\\0:]/.test(p);
}

function deeperThan(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return true;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
  }
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quote(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = typeof v;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ');
}
