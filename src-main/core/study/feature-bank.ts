/**
 * Features of every sampled training or validation patch, stored once. Folds share most patches (an image
 * trains in k-1 folds, and its patches are drawn with a per-image seed), so a patch is identified by
 * (image, window) and its features are computed and kept only the first time; a fold's training matrix
 * is assembled from row numbers when its classifier is fitted.
 */
import type { Box } from '../metrics/index.js';
import { windowKey } from '../detect/windows.js';
import { concatColumns } from '../features/fusion.js';

/** 'cnn': the frozen backbone (NA); 'pa' / 'fa': the backbone fine-tuned for the fold at that level. */
export type Family = 'haar' | 'cnn' | 'pa' | 'fa';
export type TrainedMethod = 'haar' | 'na' | 'pa' | 'fa' | 'fusion';
export type MethodFamilies = Record<TrainedMethod, Family[]>;

/** Feature families of each trained method, in column order; 'fusion' joins Haar with `fusionWith`. */
export function methodFamilies(fusionWith: 'cnn' | 'fa' = 'cnn'): MethodFamilies {
  return { haar: ['haar'], na: ['cnn'], pa: ['pa'], fa: ['fa'], fusion: ['haar', fusionWith] };
}

/** Families of the study's default (fusion = Haar + NA). */
export const METHOD_FAMILIES: MethodFamilies = methodFamilies('cnn');

export type FamilyBlocks = Partial<Record<Family, Float32Array>>;

const CHUNK_ROWS = 1024;

class RowStore {
  private chunks: Float32Array[] = [];
  rows = 0;

  constructor(readonly dim: number) {}

  push(values: Float32Array, count: number): void {
    for (let r = 0; r < count; r++) {
      const chunk = Math.floor(this.rows / CHUNK_ROWS);
      if (chunk === this.chunks.length) this.chunks.push(new Float32Array(CHUNK_ROWS * this.dim));
      this.chunks[chunk].set(values.subarray(r * this.dim, (r + 1) * this.dim), (this.rows % CHUNK_ROWS) * this.dim);
      this.rows++;
    }
  }

  row(r: number): Float32Array {
    const off = (r % CHUNK_ROWS) * this.dim;
    return this.chunks[Math.floor(r / CHUNK_ROWS)].subarray(off, off + this.dim);
  }
}

export class FeatureBank {
  private readonly stores: Partial<Record<Family, RowStore>> = {};
  private readonly index = new Map<string, number>();
  private readonly labels: number[] = [];

  constructor(
    dims: Partial<Record<Family, number>>,
    private readonly families: MethodFamilies = METHOD_FAMILIES,
  ) {
    for (const [f, d] of Object.entries(dims) as Array<[Family, number]>) this.stores[f] = new RowStore(d);
  }

  get size(): number {
    return this.labels.length;
  }

  rowOf(image: number, win: Box): number | undefined {
    return this.index.get(`${image}:${windowKey(win)}`);
  }

  /** Windows of `image` not yet in the bank (first occurrence of each). */
  missing(image: number, windows: readonly Box[]): Box[] {
    const seen = new Set<string>();
    return windows.filter((w) => {
      const k = windowKey(w);
      if (seen.has(k) || this.index.has(`${image}:${k}`)) return false;
      seen.add(k);
      return true;
    });
  }

  /** Adds windows with their labels and per-family features (row-major, one row per window). */
  add(image: number, windows: readonly Box[], labels: ArrayLike<number>, blocks: FamilyBlocks): void {
    for (const [family, store] of Object.entries(this.stores) as Array<[Family, RowStore]>) {
      const block = blocks[family];
      if (!block || block.length !== windows.length * store.dim) throw new Error(`bank: ${family} features missing for ${windows.length} windows`);
      store.push(block, windows.length);
    }
    windows.forEach((w, i) => {
      this.index.set(`${image}:${windowKey(w)}`, this.labels.length);
      this.labels.push(labels[i]);
    });
  }

  label(row: number): number {
    return this.labels[row];
  }

  /** Design matrix of a method over the given rows, with their labels. */
  matrix(method: TrainedMethod, rows: readonly number[]): { x: Float32Array; nRows: number; nCols: number; y: Uint8Array } {
    const families = this.families[method];
    const dims = families.map((f) => this.stores[f]!.dim);
    const nCols = dims.reduce((a, b) => a + b, 0);
    const x = new Float32Array(rows.length * nCols);
    const y = new Uint8Array(rows.length);
    rows.forEach((r, i) => {
      let col = i * nCols;
      families.forEach((f, k) => {
        x.set(this.stores[f]!.row(r), col);
        col += dims[k];
      });
      y[i] = this.labels[r];
    });
    return { x, nRows: rows.length, nCols, y };
  }
}

/** The method's design matrix from per-family blocks of the same windows. */
export function methodMatrix(method: TrainedMethod, blocks: FamilyBlocks, nRows: number, dims: Partial<Record<Family, number>>, all: MethodFamilies = METHOD_FAMILIES): Float32Array {
  const families = all[method];
  if (families.length === 1) return blocks[families[0]]!;
  return concatColumns(families.map((f) => blocks[f]!), families.map((f) => dims[f]!), nRows);
}

/** Rows `rows` of row-major blocks (for taking a subset of a batch of windows). */
export function pickRows(blocks: FamilyBlocks, dims: Partial<Record<Family, number>>, rows: readonly number[]): FamilyBlocks {
  const out: FamilyBlocks = {};
  for (const [f, block] of Object.entries(blocks) as Array<[Family, Float32Array]>) {
    const d = dims[f]!;
    const sub = new Float32Array(rows.length * d);
    rows.forEach((r, i) => sub.set(block.subarray(r * d, (r + 1) * d), i * d));
    out[f] = sub;
  }
  return out;
}
