import { SonoError } from '../errors.js';
import { type Rng, shuffleInPlace } from './rng.js';

/** A row-major float matrix: feature c of row r at x[r * nCols + c]. */
export interface Dataset {
  x: Float32Array;
  nRows: number;
  nCols: number;
}

export function checkDataset(d: Dataset, what: string, nCols?: number): void {
  if (d === null || typeof d !== 'object' || !(d.x instanceof Float32Array)) {
    throw new SonoError('BAD_INPUT', `${what} must be { x: Float32Array, nRows, nCols }`);
  }
  if (!Number.isInteger(d.nRows) || d.nRows < 0 || !Number.isInteger(d.nCols) || d.nCols < 1) {
    throw new SonoError('BAD_INPUT', `${what} has an invalid shape ${String(d.nRows)} x ${String(d.nCols)}`);
  }
  if (d.x.length !== d.nRows * d.nCols) {
    throw new SonoError('BAD_INPUT', `${what} holds ${d.x.length} values, not nRows x nCols = ${d.nRows * d.nCols}`);
  }
  if (nCols !== undefined && d.nCols !== nCols) {
    throw new SonoError('BAD_INPUT', `${what} has ${d.nCols} features; the model expects ${nCols}`);
  }
}

/** Checks 0/1 labels, one per row, of both classes. */
export function checkLabels(y: Uint8Array, nRows: number, what: string): void {
  if (!(y instanceof Uint8Array) || y.length !== nRows) {
    throw new SonoError('BAD_INPUT', `${what} labels must be a Uint8Array of ${nRows} values`);
  }
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] > 1) throw new SonoError('BAD_INPUT', `${what} label ${i} is ${y[i]}; labels must be 0 or 1`);
    pos += y[i];
  }
  if (pos === 0 || pos === y.length) throw new SonoError('BAD_INPUT', `${what} labels hold only one class; a classifier needs both`);
}

/**
 * Stratified hold-out: each class gives round(fraction x its size) rows (at least one, and never all)
 * to the validation part, so the class balance of both parts follows the data's.
 * Both index lists come back ascending.
 */
export function stratifiedSplit(y: Uint8Array, fraction: number, rng: Rng): { train: Int32Array; valid: Int32Array } {
  const isValid = new Uint8Array(y.length);
  for (const cls of [0, 1]) {
    let n = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === cls) n++;
    const members = new Int32Array(n);
    for (let i = 0, k = 0; i < y.length; i++) if (y[i] === cls) members[k++] = i;
    shuffleInPlace(members, rng);
    const take = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
    for (let k = 0; k < take; k++) isValid[members[k]] = 1;
  }
  let nValid = 0;
  for (let i = 0; i < y.length; i++) nValid += isValid[i];
  const train = new Int32Array(y.length - nValid);
  const valid = new Int32Array(nValid);
  for (let i = 0, a = 0, b = 0; i < y.length; i++) {
    if (isValid[i]) valid[b++] = i;
    else train[a++] = i;
  }
  return { train, valid };
}
