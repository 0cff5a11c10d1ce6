import { SonoError } from '../errors.js';
import { HAAR_BASE, HAAR_KIND_CELLS, HAAR_MIN_WINDOW, haarFeatureSet, type HaarKind } from './haar-set.js';
import type { IntegralImages } from './integral.js';

export {
  HAAR_BASE,
  HAAR_CELL_SIZES,
  HAAR_FEATURE_COUNT,
  HAAR_GRID_STEP,
  HAAR_KIND_CELLS,
  HAAR_MIN_WINDOW,
  haarFeatureSet,
  type HaarFeature,
  type HaarKind,
} from './haar-set.js';
export { integralImages, rectSum, type GrayImage, type IntegralImages } from './integral.js';

export interface HaarWindow {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Below this variance (gray levels squared) a window is flat: dividing by its standard deviation would
 * only amplify rounding noise, so all its features are reported as 0.
 */
export const HAAR_MIN_VARIANCE = 1e-8;

const KIND_CODE: Record<HaarKind, number> = { 'edge-h': 0, 'edge-v': 1, 'line-h': 2, 'line-v': 3, quad: 4 };

/** The set as parallel typed arrays, so the per-window loop reads no objects. */
interface CompiledSet {
  count: number;
  kind: Uint8Array;
  x: Uint8Array;
  y: Uint8Array;
  w: Uint8Array;
  h: Uint8Array;
}

let compiled: CompiledSet | undefined;

function compiledSet(): CompiledSet {
  if (compiled) return compiled;
  const set = haarFeatureSet();
  const n = set.length;
  const c: CompiledSet = {
    count: n,
    kind: new Uint8Array(n),
    x: new Uint8Array(n),
    y: new Uint8Array(n),
    w: new Uint8Array(n),
    h: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const f = set[i];
    const [nx, ny] = HAAR_KIND_CELLS[f.kind];
    // Cell boundaries are looked up per base unit, so they must fall on whole units.
    if (f.w % nx !== 0 || f.h % ny !== 0) throw new Error(`Haar feature ${i} does not split into whole cells`);
    c.kind[i] = KIND_CODE[f.kind];
    c.x[i] = f.x;
    c.y[i] = f.y;
    c.w[i] = f.w;
    c.h[i] = f.h;
  }
  compiled = c;
  return c;
}

function checkWindow(win: HaarWindow, index: number, width: number, height: number): void {
  const { x, y, w, h } = win;
  if (![x, y, w, h].every(Number.isInteger)) {
    throw new SonoError('BAD_INPUT', `Haar window ${index} must have integer x, y, w, h, got ${x},${y},${w},${h}`);
  }
  if (w < HAAR_MIN_WINDOW || h < HAAR_MIN_WINDOW) {
    throw new SonoError(
      'BAD_INPUT',
      `Haar window ${index} is ${w}x${h} px; both sides must be at least ${HAAR_MIN_WINDOW} px`,
    );
  }
  if (x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new SonoError(
      'BAD_INPUT',
      `Haar window ${index} (${x},${y},${w}x${h}) lies outside the ${width}x${height} image`,
    );
  }
}

/**
 * Haar features of many windows of one image, written into `out` (nWindows x nFeatures, row-major).
 *
 * A feature is scaled to the window by mapping base coordinate u to pixel offset round(u * side / 24)
 * (halves round up), separately along x and y. Its value is the mean of the window-normalised pixels
 * (p - mean) / std over its positive cells minus that over its negative cells. Taking means rather than
 * sums keeps cells comparable when rounding makes them differ by a pixel, and makes values independent
 * of window size; the window mean cancels in the difference, so only the std needs computing.
 *
 * Window i's features start at `outOffset + i * rowStride` (default: packed rows), so they can be
 * written straight into one block of a wider matrix (fusion's concatenated families).
 */
export function haarFeatures(ii: IntegralImages, windows: ArrayLike<HaarWindow>, out?: Float32Array, outOffset = 0, rowStride?: number): Float32Array {
  const set = compiledSet();
  const nF = set.count;
  const nW = windows.length;
  const rs = rowStride ?? nF;
  const { width, height } = ii;
  const stride = width + 1;
  if (ii.ii.length !== stride * (height + 1) || ii.ii2.length !== ii.ii.length) {
    throw new SonoError('BAD_INPUT', `Integral images do not match the stated ${width}x${height} size`);
  }
  if (!Number.isInteger(rs) || rs < nF || !Number.isInteger(outOffset) || outOffset < 0) {
    throw new SonoError('BAD_INPUT', `Output offset ${outOffset} and row stride ${rs} must be whole numbers, the stride at least the ${nF} features`);
  }
  const result = out ?? new Float32Array(outOffset + nW * rs);
  const needed = nW === 0 ? 0 : outOffset + (nW - 1) * rs + nF;
  if (result.length < needed) {
    throw new SonoError(
      'BAD_INPUT',
      `Output buffer holds ${result.length} values but ${nW} windows x ${nF} features need ${needed}`,
    );
  }
  for (let i = 0; i < nW; i++) checkWindow(windows[i], i, width, height);

  const s1 = ii.ii;
  const s2 = ii.ii2;
  const { kind, x: fx, y: fy, w: fw, h: fh } = set;
  // Row offsets (already multiplied by the stride) and column positions of every base coordinate.
  const col = new Int32Array(HAAR_BASE + 1);
  const row = new Int32Array(HAAR_BASE + 1);

  for (let i = 0; i < nW; i++) {
    const win = windows[i];
    const base = outOffset + i * rs;
    for (let u = 0; u <= HAAR_BASE; u++) {
      col[u] = win.x + Math.round((u * win.w) / HAAR_BASE);
      row[u] = (win.y + Math.round((u * win.h) / HAAR_BASE)) * stride;
    }
    const n = win.w * win.h;
    const r0 = row[0];
    const r1 = row[HAAR_BASE];
    const c0 = col[0];
    const c1 = col[HAAR_BASE];
    const mean = (s1[r1 + c1] - s1[r0 + c1] - s1[r1 + c0] + s1[r0 + c0]) / n;
    const sq = (s2[r1 + c1] - s2[r0 + c1] - s2[r1 + c0] + s2[r0 + c0]) / n;
    const variance = sq - mean * mean;
    if (!(variance > HAAR_MIN_VARIANCE)) {
      result.fill(0, base, base + nF);
      continue;
    }
    const invStd = 1 / Math.sqrt(variance);

    for (let f = 0; f < nF; f++) {
      const ux = fx[f];
      const uy = fy[f];
      const uw = fw[f];
      const uh = fh[f];
      let v: number;
      // Corner values are read once and shared between adjacent cells; rows are pre-multiplied by the stride.
      switch (kind[f]) {
        case 0: {
          // edge-h: left minus right
          const xa = col[ux];
          const xm = col[ux + (uw >> 1)];
          const xb = col[ux + uw];
          const ya = row[uy];
          const yb = row[uy + uh];
          const a0 = s1[ya + xa];
          const m0 = s1[ya + xm];
          const b0 = s1[ya + xb];
          const a1 = s1[yb + xa];
          const m1 = s1[yb + xm];
          const b1 = s1[yb + xb];
          const rows = (yb - ya) / stride;
          v = (m1 - m0 - a1 + a0) / ((xm - xa) * rows) - (b1 - b0 - m1 + m0) / ((xb - xm) * rows);
          break;
        }
        case 1: {
          // edge-v: top minus bottom
          const xa = col[ux];
          const xb = col[ux + uw];
          const ya = row[uy];
          const ym = row[uy + (uh >> 1)];
          const yb = row[uy + uh];
          const a0 = s1[ya + xa];
          const b0 = s1[ya + xb];
          const am = s1[ym + xa];
          const bm = s1[ym + xb];
          const a1 = s1[yb + xa];
          const b1 = s1[yb + xb];
          const cols = xb - xa;
          v = ((bm - b0 - am + a0) * stride) / (cols * (ym - ya)) - ((b1 - bm - a1 + am) * stride) / (cols * (yb - ym));
          break;
        }
        case 2: {
          // line-h: the two outer thirds together minus the middle third
          const t = uw / 3;
          const xa = col[ux];
          const xp = col[ux + t];
          const xq = col[ux + 2 * t];
          const xb = col[ux + uw];
          const ya = row[uy];
          const yb = row[uy + uh];
          const a0 = s1[ya + xa];
          const p0 = s1[ya + xp];
          const q0 = s1[ya + xq];
          const b0 = s1[ya + xb];
          const a1 = s1[yb + xa];
          const p1 = s1[yb + xp];
          const q1 = s1[yb + xq];
          const b1 = s1[yb + xb];
          const rows = (yb - ya) / stride;
          const middle = q1 - q0 - p1 + p0;
          const outer = b1 - b0 - a1 + a0 - middle;
          v = outer / ((xp - xa + xb - xq) * rows) - middle / ((xq - xp) * rows);
          break;
        }
        case 3: {
          // line-v: the top and bottom thirds together minus the middle third
          const t = uh / 3;
          const xa = col[ux];
          const xb = col[ux + uw];
          const ya = row[uy];
          const yp = row[uy + t];
          const yq = row[uy + 2 * t];
          const yb = row[uy + uh];
          const ap = s1[yp + xa];
          const bp = s1[yp + xb];
          const aq = s1[yq + xa];
          const bq = s1[yq + xb];
          const cols = xb - xa;
          const middle = bq - bp - aq + ap;
          const outer = s1[yb + xb] - s1[ya + xb] - s1[yb + xa] + s1[ya + xa] - middle;
          v = (outer * stride) / (cols * (yp - ya + yb - yq)) - (middle * stride) / (cols * (yq - yp));
          break;
        }
        default: {
          // quad: top-left and bottom-right minus top-right and bottom-left
          const xa = col[ux];
          const xm = col[ux + (uw >> 1)];
          const xb = col[ux + uw];
          const ya = row[uy];
          const ym = row[uy + (uh >> 1)];
          const yb = row[uy + uh];
          const a0 = s1[ya + xa];
          const m0 = s1[ya + xm];
          const b0 = s1[ya + xb];
          const am = s1[ym + xa];
          const mm = s1[ym + xm];
          const bm = s1[ym + xb];
          const a1 = s1[yb + xa];
          const m1 = s1[yb + xm];
          const b1 = s1[yb + xb];
          const wl = xm - xa;
          const wr = xb - xm;
          const ht = (ym - ya) / stride;
          const hb = (yb - ym) / stride;
          const main = mm - m0 - am + a0 + (b1 - bm - m1 + mm);
          const anti = bm - b0 - mm + m0 + (m1 - mm - a1 + am);
          v = main / (wl * ht + wr * hb) - anti / (wr * ht + wl * hb);
          break;
        }
      }
      result[base + f] = v * invStd;
    }
  }
  return result;
}
