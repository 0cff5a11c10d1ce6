import { SonoError } from '../errors.js';
import { isFiveSmooth, MixedRadixFft } from './fft-mixed-radix.js';

/**
 * 2-D FFTs on row-major, interleaved complex buffers (re, im, re, im, ...) of any 5-smooth size (no
 * prime factor above 5, see fft-mixed-radix.ts): rows, then columns.
 *
 * Columns are transformed a block at a time: the block is laid out in a small buffer (consecutive
 * columns side by side, so gathering it reads whole cache lines), transformed as one batch by the 1-D
 * FFT, whose inner loops then run along the block, and it stays in cache while the FFT's stages pass
 * over it. Lines known to be zero are skipped, and only the requested output region is produced.
 * Inverse transforms use the identity ifft(X) = swap(fft(swap(X))) / N, where swap exchanges real and
 * imaginary parts: the swaps happen anyway while gathering and scattering, so no separate pass is needed.
 */

/** Columns per block: a block of 600 rows is then 150 KB, and the 1-D FFT's two buffers fit in L2. */
const COLUMN_BLOCK = 16;

/** A rectangle of the output to keep, in pixels of the full transform. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface InverseOptions {
  /** Real weights multiplied into the spectrum on the fly (same layout as the spectrum, one per bin). */
  filter?: Float32Array | Float64Array;
  /** A second real weight array multiplied in as well, so a product of two filters need not be built. */
  filter2?: Float32Array | Float64Array;
  /**
   * Which spectrum rows / columns may be non-zero (after filtering); 0 marks a line that is all zero.
   * Lines known to be zero are not transformed, and the pass order that does the fewest 1-D transforms
   * is chosen.
   */
  nonzeroRows?: Uint8Array;
  nonzeroCols?: Uint8Array;
  /** Part of the spatial output to produce; defaults to all of it. */
  region?: Region;
  /**
   * Layout of `out`: pixel i of the region goes to out[outOffset + i·outStride] (real part) and the next
   * element (imaginary part). Defaults to 0 and 2 (plain interleaved complex). Lets a caller that keeps
   * several responses per pixel receive each one in place instead of copying it over.
   */
  outOffset?: number;
  outStride?: number;
}

export class Fft2Plan {
  readonly width: number;
  readonly height: number;
  private readonly rowFft: MixedRadixFft;
  private readonly colFft: MixedRadixFft;
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly colIn: Float64Array;
  private readonly colOut: Float64Array;
  private work: Float64Array | null = null;
  /** Which rows of `work`'s column panels firstPanel..lastPanel the last rows-first inverse left zero. */
  private zeroedRows: { flags: Uint8Array; firstPanel: number; lastPanel: number } | null = null;

  constructor(width: number, height: number) {
    if (!isFiveSmooth(width) || !isFiveSmooth(height)) {
      throw new SonoError(
        'BAD_INPUT',
        `FFT size must be positive integers with no prime factor above 5 (got ${width}x${height})`,
      );
    }
    this.width = width;
    this.height = height;
    this.rowFft = new MixedRadixFft(width);
    this.colFft = width === height ? this.rowFft : new MixedRadixFft(height);
    this.rowIn = new Float64Array(2 * width);
    this.rowOut = new Float64Array(2 * width);
    this.colIn = new Float64Array(2 * height * COLUMN_BLOCK);
    this.colOut = new Float64Array(2 * height * COLUMN_BLOCK);
  }

  get size(): number {
    return this.width * this.height;
  }

  /** Forward transform of a real image (length width*height) into `spectrum` (length 2*width*height). */
  forwardReal(input: Float32Array | Float64Array, spectrum: Float64Array): void {
    const { width: w, height: h } = this;
    this.checkLength(input.length, w * h, 'real input');
    this.checkLength(spectrum.length, 2 * w * h, 'spectrum');
    const rowIn = this.rowIn;
    const z = this.rowOut;
    // Two real rows a, b go through one complex transform as z = a + i·b; since A and B are conjugate
    // symmetric, A[k] = (Z[k] + conj Z[-k]) / 2 and B[k] = (Z[k] - conj Z[-k]) / 2i.
    let y = 0;
    for (; y + 1 < h; y += 2) {
      const a = y * w;
      const b = a + w;
      for (let x = 0; x < w; x++) {
        rowIn[2 * x] = input[a + x];
        rowIn[2 * x + 1] = input[b + x];
      }
      this.rowFft.forward(rowIn, z);
      for (let k = 0; k < w; k++) {
        const nk = k === 0 ? 0 : w - k;
        const zr = z[2 * k];
        const zi = z[2 * k + 1];
        const cr = z[2 * nk];
        const ci = z[2 * nk + 1];
        spectrum[2 * (a + k)] = (zr + cr) / 2;
        spectrum[2 * (a + k) + 1] = (zi - ci) / 2;
        spectrum[2 * (b + k)] = (zi + ci) / 2;
        spectrum[2 * (b + k) + 1] = (cr - zr) / 2;
      }
    }
    if (y < h) {
      const a = y * w;
      for (let x = 0; x < w; x++) {
        rowIn[2 * x] = input[a + x];
        rowIn[2 * x + 1] = 0;
      }
      this.rowFft.forward(rowIn, spectrum, 1, 0, 2 * a);
    }
    this.forwardColumns(spectrum);
  }

  /** In-place forward transform of a complex buffer. */
  forward(data: Float64Array): void {
    const { width: w, height: h } = this;
    this.checkLength(data.length, 2 * w * h, 'complex data');
    for (let y = 0; y < h; y++) this.rowFft.forward(data, data, 1, 2 * w * y, 2 * w * y);
    this.forwardColumns(data);
  }

  /** In-place inverse transform (scaled by 1/N so that inverse(forward(x)) = x). */
  inverse(data: Float64Array): void {
    this.inverseInto(data, {}, data);
  }

  /**
   * Inverse transform of spectrum·filter·filter2, writing only `region` of the result to `out`
   * (interleaved complex by default, see InverseOptions.outStride). `out` may be `spectrum` itself.
   */
  inverseInto(spectrum: Float64Array, options: InverseOptions, out: Float64Array | Float32Array): void {
    const { width: w, height: h } = this;
    this.checkLength(spectrum.length, 2 * w * h, 'spectrum');
    const region = options.region ?? { x: 0, y: 0, width: w, height: h };
    if (
      region.x < 0 || region.y < 0 || region.width < 1 || region.height < 1 ||
      region.x + region.width > w || region.y + region.height > h
    ) {
      throw new SonoError('BAD_INPUT', `inverse FFT region ${JSON.stringify(region)} is outside ${w}x${h}`);
    }
    const outOffset = options.outOffset ?? 0;
    const outStride = options.outStride ?? 2;
    const needed = outOffset + (region.width * region.height - 1) * outStride + 2;
    if (!Number.isInteger(outOffset) || !Number.isInteger(outStride) || outOffset < 0 || outStride < 2 || out.length < needed) {
      throw new SonoError(
        'BAD_INPUT',
        `inverse FFT output of length ${out.length} cannot hold ${region.width}x${region.height} values ` +
          `at offset ${outOffset}, stride ${outStride}`,
      );
    }
    const layout = { offset: outOffset, stride: outStride };
    for (const f of [options.filter, options.filter2]) {
      if (f) this.checkLength(f.length, w * h, 'filter');
    }
    const rows = options.nonzeroRows ?? new Uint8Array(h).fill(1);
    const cols = options.nonzeroCols ?? new Uint8Array(w).fill(1);
    const rowList = indicesOfNonzero(rows);
    const colList = indicesOfNonzero(cols);
    const scale = 1 / (w * h);
    // Cost in 1-D transform work (n log n per line): first pass over the non-zero lines, second pass
    // over the output lines only.
    const lw = Math.log2(w) || 1;
    const lh = Math.log2(h) || 1;
    const colsFirstCost = colList.length * h * lh + region.height * w * lw;
    const rowsFirstCost = rowList.length * w * lw + region.width * h * lh;
    if (colsFirstCost <= rowsFirstCost) {
      this.inverseColumnsFirst(spectrum, options, colList, region, scale, out, layout);
    } else {
      this.inverseRowsFirst(spectrum, options, rowList, rows, region, scale, out, layout);
    }
  }

  private inverseColumnsFirst(
    spectrum: Float64Array,
    options: InverseOptions,
    colList: Int32Array,
    region: Region,
    scale: number,
    out: Float64Array | Float32Array,
    layout: { offset: number; stride: number },
  ): void {
    const { width: w, height: h } = this;
    const work = this.workBuffer();
    this.zeroedRows = null;
    const { filter, filter2 } = options;
    const colIn = this.colIn;
    // Each block's column transforms land as one panel in `work` (the 1-D FFT's batch layout: row after
    // row, the block's columns side by side), written there by the FFT itself; the row pass then reads a
    // short contiguous run per panel and row.
    const B = COLUMN_BLOCK;
    const panelSize = 2 * h * B;
    for (let b = 0; b < colList.length; b += B) {
      const n = Math.min(B, colList.length - b);
      for (let y = 0; y < h; y++) {
        const rowBase = y * w;
        const o = 2 * y * n;
        for (let j = 0; j < n; j++) {
          const idx = rowBase + colList[b + j];
          let f = 1;
          if (filter) f = filter[idx];
          if (filter2) f *= filter2[idx];
          // Swapped (im, re): see the file comment.
          colIn[o + 2 * j] = spectrum[2 * idx + 1] * f;
          colIn[o + 2 * j + 1] = spectrum[2 * idx] * f;
        }
      }
      this.colFft.forward(colIn, work, n, 0, (b / B) * panelSize);
    }
    // Skipped columns are zero by assumption; each row below overwrites only the others.
    const rowIn = this.rowIn;
    rowIn.fill(0);
    const rowOut = this.rowOut;
    const { offset, stride: outStride } = layout;
    const x0 = region.x;
    const y1 = region.y + region.height;
    for (let y = region.y; y < y1; y++) {
      for (let b = 0; b < colList.length; b += B) {
        const n = Math.min(B, colList.length - b);
        const src = (b / B) * panelSize + 2 * y * n;
        for (let j = 0; j < n; j++) {
          const x = colList[b + j];
          rowIn[2 * x] = work[src + 2 * j];
          rowIn[2 * x + 1] = work[src + 2 * j + 1];
        }
      }
      this.rowFft.forward(rowIn, rowOut);
      let o = offset + region.width * (y - region.y) * outStride;
      for (let rx = 0; rx < region.width; rx++, o += outStride) {
        const x = x0 + rx;
        out[o] = rowOut[2 * x + 1] * scale;
        out[o + 1] = rowOut[2 * x] * scale;
      }
    }
  }

  private inverseRowsFirst(
    spectrum: Float64Array,
    options: InverseOptions,
    rowList: Int32Array,
    nonzeroRows: Uint8Array,
    region: Region,
    scale: number,
    out: Float64Array | Float32Array,
    layout: { offset: number; stride: number },
  ): void {
    const { width: w, height: h } = this;
    const work = this.workBuffer();
    const { filter, filter2 } = options;
    const rowIn = this.rowIn;
    const rowOut = this.rowOut;
    // `work` holds column panels here: panel p has columns p·B .. p·B+B-1 side by side, row after row,
    // which is the 1-D FFT's batch layout, so the column pass transforms each panel where it lies. Only
    // panels that overlap the output region are filled.
    const B = COLUMN_BLOCK;
    const panelSize = 2 * h * B;
    const firstPanel = Math.floor(region.x / B);
    const lastPanel = Math.floor((region.x + region.width - 1) / B);
    for (let k = 0; k < rowList.length; k++) {
      const y = rowList[k];
      const rowBase = y * w;
      for (let x = 0; x < w; x++) {
        const idx = rowBase + x;
        let f = 1;
        if (filter) f = filter[idx];
        if (filter2) f *= filter2[idx];
        rowIn[2 * x] = spectrum[2 * idx + 1] * f;
        rowIn[2 * x + 1] = spectrum[2 * idx] * f;
      }
      this.rowFft.forward(rowIn, rowOut);
      for (let p = firstPanel; p <= lastPanel; p++) {
        const n = Math.min(B, w - p * B);
        const dst = p * panelSize + 2 * y * n;
        const src = 2 * p * B;
        for (let j = 0; j < 2 * n; j++) work[dst + j] = rowOut[src + j];
      }
    }
    // Rows skipped above hold stale data in the panels; they are zero by assumption. Calls in a row with
    // the same zero rows and panels find them zeroed already.
    if (rowList.length < h && !this.zeroedRowsMatch(nonzeroRows, firstPanel, lastPanel)) {
      for (let p = firstPanel; p <= lastPanel; p++) {
        const n = Math.min(B, w - p * B);
        for (let y = 0; y < h; y++) {
          if (nonzeroRows[y] !== 0) continue;
          const dst = p * panelSize + 2 * y * n;
          for (let j = 0; j < 2 * n; j++) work[dst + j] = 0;
        }
      }
    }
    this.zeroedRows = { flags: nonzeroRows.slice(), firstPanel, lastPanel };
    const colOut = this.colOut;
    const { offset, stride: outStride } = layout;
    const x1 = region.x + region.width;
    for (let p = firstPanel; p <= lastPanel; p++) {
      const p0 = p * B;
      const n = Math.min(B, w - p0);
      this.colFft.forward(work, colOut, n, p * panelSize, 0);
      const j0 = Math.max(0, region.x - p0);
      const j1 = Math.min(n, x1 - p0);
      for (let ry = 0; ry < region.height; ry++) {
        const src = 2 * (region.y + ry) * n;
        let k = offset + (region.width * ry + p0 + j0 - region.x) * outStride;
        for (let j = j0; j < j1; j++, k += outStride) {
          out[k] = colOut[src + 2 * j + 1] * scale;
          out[k + 1] = colOut[src + 2 * j] * scale;
        }
      }
    }
  }

  private forwardColumns(data: Float64Array): void {
    const { width: w, height: h } = this;
    const colIn = this.colIn;
    const colOut = this.colOut;
    for (let x0 = 0; x0 < w; x0 += COLUMN_BLOCK) {
      const n = Math.min(COLUMN_BLOCK, w - x0);
      for (let y = 0; y < h; y++) {
        const base = 2 * (y * w + x0);
        const o = 2 * y * n;
        for (let j = 0; j < 2 * n; j++) colIn[o + j] = data[base + j];
      }
      this.colFft.forward(colIn, colOut, n);
      for (let y = 0; y < h; y++) {
        const base = 2 * (y * w + x0);
        const o = 2 * y * n;
        for (let j = 0; j < 2 * n; j++) data[base + j] = colOut[o + j];
      }
    }
  }

  private zeroedRowsMatch(nonzeroRows: Uint8Array, firstPanel: number, lastPanel: number): boolean {
    const z = this.zeroedRows;
    if (!z || z.firstPanel > firstPanel || z.lastPanel < lastPanel) return false;
    for (let y = 0; y < this.height; y++) if ((z.flags[y] === 0) !== (nonzeroRows[y] === 0)) return false;
    return true;
  }

  private workBuffer(): Float64Array {
    // Allocated on first inverse only: forward-only users of a plan do not pay for it.
    if (!this.work) this.work = new Float64Array(2 * this.width * this.height);
    return this.work;
  }

  private checkLength(actual: number, expected: number, what: string): void {
    if (actual !== expected) {
      throw new SonoError('BAD_INPUT', `FFT ${what} has length ${actual}, expected ${expected} for ${this.width}x${this.height}`);
    }
  }
}

function indicesOfNonzero(flags: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) out[k++] = i;
  return out;
}

/** Plans hold tens of MB of scratch at image sizes; keep only the most recently used few. */
const MAX_CACHED_PLANS = 4;
const planCache = new Map<string, Fft2Plan>();

/** A shared plan for this size. Plans hold scratch buffers, so a plan must not be used re-entrantly. */
export function fft2Plan(width: number, height: number): Fft2Plan {
  const key = `${width}x${height}`;
  let plan = planCache.get(key);
  if (plan) {
    planCache.delete(key);
  } else {
    plan = new Fft2Plan(width, height);
    if (planCache.size >= MAX_CACHED_PLANS) {
      const oldest = planCache.keys().next().value;
      if (oldest !== undefined) planCache.delete(oldest);
    }
  }
  planCache.set(key, plan);
  return plan;
}
