/**
 * The fixed Haar-like feature set (see docs/haar-features.md). It is part of the study's definition:
 * trained classifiers index features by position in this list, so changing the grid, the sizes or the
 * enumeration order silently invalidates every saved model.
 */

export type HaarKind = 'edge-h' | 'edge-v' | 'line-h' | 'line-v' | 'quad';

/**
 * One feature: the bounding rectangle of its cells, in base-window units. The kind says how that
 * rectangle is cut: `-h` kinds lay their cells side by side along x, `-v` kinds stack them along y.
 */
export interface HaarFeature {
  kind: HaarKind;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Side of the square base window the features are defined in (Viola-Jones' 24x24). */
export const HAAR_BASE = 24;

/** Cell sides in base units, used independently along x and y so elongated cells are included. */
export const HAAR_CELL_SIZES: readonly number[] = Object.freeze([2, 4, 6, 8, 12]);

/** Feature corners sit on multiples of this many base units. */
export const HAAR_GRID_STEP = 4;

/** Cells per kind along x and y, in enumeration order. */
export const HAAR_KIND_CELLS: Readonly<Record<HaarKind, readonly [number, number]>> = Object.freeze({
  'edge-h': [2, 1],
  'edge-v': [1, 2],
  'line-h': [3, 1],
  'line-v': [1, 3],
  quad: [2, 2],
});

/**
 * Smallest window side the set can be evaluated on: at this size the smallest cell (2 base units) is still
 * one pixel wide after rounding, so no cell is ever empty.
 */
export const HAAR_MIN_WINDOW = HAAR_BASE / Math.min(...HAAR_CELL_SIZES);

let cached: readonly HaarFeature[] | undefined;

/** The set, enumerated by kind, then cell width, cell height, y, x (all ascending). */
export function haarFeatureSet(): readonly HaarFeature[] {
  if (cached) return cached;
  const list: HaarFeature[] = [];
  for (const kind of Object.keys(HAAR_KIND_CELLS) as HaarKind[]) {
    const [nx, ny] = HAAR_KIND_CELLS[kind];
    for (const cw of HAAR_CELL_SIZES) {
      for (const ch of HAAR_CELL_SIZES) {
        const w = nx * cw;
        const h = ny * ch;
        if (w > HAAR_BASE || h > HAAR_BASE) continue;
        for (let y = 0; y + h <= HAAR_BASE; y += HAAR_GRID_STEP) {
          for (let x = 0; x + w <= HAAR_BASE; x += HAAR_GRID_STEP) {
            list.push(Object.freeze({ kind, x, y, w, h }));
          }
        }
      }
    }
  }
  cached = Object.freeze(list);
  return cached;
}

/** Number of features in the set: 1973. */
export const HAAR_FEATURE_COUNT = haarFeatureSet().length;
