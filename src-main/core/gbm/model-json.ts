import { SonoError } from '../errors.js';
import { resolveParams, type ResolvedParams } from './params.js';
import type { Tree } from './tree.js';

export const MODEL_FORMAT = 'sonotl-gbm';
export const MODEL_VERSION = 1;

/** Parameters as saved: everything but the thread count, which belongs to the machine, not the model. */
export type SavedParams = Omit<ResolvedParams, 'threads'>;

/** A tree in JSON: parallel arrays indexed by node id; thresholds that JSON cannot hold are strings. */
export interface GbmTreeJson {
  feature: number[];
  threshold: (number | 'Infinity' | '-Infinity')[];
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
  count: number[];
}

export interface GbmModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  nFeatures: number;
  /** Raw score (log-odds) before the first tree. */
  baseline: number;
  params: SavedParams;
  trees: GbmTreeJson[];
}

export interface ParsedModel {
  nFeatures: number;
  baseline: number;
  params: ResolvedParams;
  trees: Tree[];
}

export function treeToJson(t: Tree): GbmTreeJson {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold, (v) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v)),
    missingLeft: Array.from(t.missingLeft),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    gain: Array.from(t.gain),
    count: Array.from(t.count),
  };
}

export function modelToJson(m: ParsedModel): GbmModelJson {
  const { threads: _threads, ...saved } = m.params;
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    nFeatures: m.nFeatures,
    baseline: m.baseline,
    params: saved,
    trees: m.trees.map(treeToJson),
  };
}

/**
 * Deepest nesting a valid model has is 3 (model, trees, tree, node arrays); anything deeper is refused
 * before a single field is used, because messages and parameter checks stringify values, and a value
 * nested 100 000 levels deep makes that overflow the stack.
 */
export const MAX_MODEL_DEPTH = 8;

/**
 * Validates a model read from a file; every problem is a SonoError BAD_INPUT naming `source` (the file,
 * or "GBM model file" when the caller has none) and what is wrong.
 */
export function parseModelJson(json: unknown, source?: string): ParsedModel {
  const bad = (problem: string): SonoError =>
    new SonoError('BAD_INPUT', oneLine(`GBM model file ${source === undefined ? '' : `${source} `}${problem}`), source);
  const tooDeep = firstPathDeeperThan(json, MAX_MODEL_DEPTH);
  if (tooDeep !== null) throw bad(`is nested more than ${MAX_MODEL_DEPTH} levels deep (at ${tooDeep}); a SonoTL model never is`);
  if (!isObject(json)) throw bad('is not a JSON object');
  if (json.format !== MODEL_FORMAT) throw bad(`has format ${quote(json.format)}, expected "${MODEL_FORMAT}"`);
  if (json.version !== MODEL_VERSION) throw bad(`has version ${quote(json.version)}; this version of SonoTL reads version ${MODEL_VERSION}`);
  const nFeatures = json.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) throw bad('has no valid nFeatures');
  const baseline = json.baseline;
  if (typeof baseline !== 'number' || !Number.isFinite(baseline)) throw bad('has no finite baseline');
  if (!isObject(json.params)) throw bad('has no params object');
  let params: ResolvedParams;
  try {
    const p = json.params;
    params = resolveParams({ ...p, maxDepth: p.maxDepth === null ? undefined : p.maxDepth } as never);
  } catch (e) {
    throw bad(`has invalid params: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(json.trees)) throw bad('has no trees array');
  const trees = json.trees.map((t, i) => parseTree(t, i, nFeatures, bad));
  return { nFeatures, baseline, params, trees };
}

function parseTree(t: unknown, ti: number, nFeatures: number, bad: (problem: string) => SonoError): Tree {
  const where = `tree ${ti}`;
  if (!isObject(t)) throw bad(`${where} is not an object`);
  const keys = ['feature', 'threshold', 'missingLeft', 'left', 'right', 'value', 'gain', 'count'] as const;
  for (const k of keys) if (!Array.isArray(t[k])) throw bad(`${where} has no ${k} array`);
  const a = t as unknown as Record<(typeof keys)[number], unknown[]>;
  const n = a.feature.length;
  if (n === 0) throw bad(`${where} has no nodes`);
  for (const k of keys) if (a[k].length !== n) throw bad(`${where}: ${k} has ${a[k].length} entries, feature has ${n}`);
  const tree: Tree = {
    nNodes: n,
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    missingLeft: new Uint8Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    value: new Float64Array(n),
    gain: new Float64Array(n),
    count: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const at = `${where} node ${i}`;
    const f = a.feature[i];
    if (!isInt(f) || f < -1 || f >= nFeatures) throw bad(`${at}: feature ${quote(f)} is not -1 or a feature index below ${nFeatures}`);
    tree.feature[i] = f;
    const value = a.value[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`${at}: value is not a finite number`);
    tree.value[i] = value;
    const gain = a.gain[i];
    if (typeof gain !== 'number' || !Number.isFinite(gain)) throw bad(`${at}: gain is not a finite number`);
    tree.gain[i] = gain;
    const count = a.count[i];
    if (!isInt(count) || count < 0) throw bad(`${at}: count is not a non-negative integer`);
    tree.count[i] = count;
    const miss = a.missingLeft[i];
    if (miss !== 0 && miss !== 1) throw bad(`${at}: missingLeft must be 0 or 1`);
    tree.missingLeft[i] = miss;
    const thr = a.threshold[i];
    if (thr === 'Infinity') tree.threshold[i] = Infinity;
    else if (thr === '-Infinity') tree.threshold[i] = -Infinity;
    else if (typeof thr === 'number' && Number.isFinite(thr)) tree.threshold[i] = thr;
    else throw bad(`${at}: threshold ${quote(thr)} is not a number`);
    const l = a.left[i];
    const r = a.right[i];
    if (f === -1) {
      if (l !== -1 || r !== -1) throw bad(`${at}: a leaf must have left = right = -1`);
      tree.left[i] = -1;
      tree.right[i] = -1;
    } else {
      // Children after their parent make every path end, whatever else the file says.
      if (!isInt(l) || !isInt(r) || l <= i || r <= i || l >= n || r >= n || l === r) {
        throw bad(`${at}: children ${quote(l)}, ${quote(r)} must be distinct node ids after ${i} and below ${n}`);
      }
      tree.left[i] = l;
      tree.right[i] = r;
    }
  }
  return tree;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/**
 * The path to the first value nested deeper than `limit` containers, or null. Iterative, so that the
 * check itself cannot overflow the stack on the input it exists to refuse.
 */
function firstPathDeeperThan(root: unknown, limit: number): string | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: root, depth: 0, path: '(root)' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return path;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (typeof value[i] === 'object' && value[i] !== null) stack.push({ value: value[i], depth: depth + 1, path: `${path}[${i}]` });
    } else {
      for (const [k, v] of Object.entries(value)) if (typeof v === 'object' && v !== null) stack.push({ value: v, depth: depth + 1, path: `${path}.${k.slice(0, 40)}` });
    }
  }
  return null;
}

/** A value as it appears in a message: JSON, cut short (a field may hold a megabyte array). */
function quote(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ');
}
