import FFT from 'fft.js';
import { SonoError } from '../errors.js';

/**
 * 2-D FFTs on row-major, interleaved complex buffers (re, im, re, im, ...) of power-of-two sizes, built
 * from fft.js 1-D transforms: rows, then columns.
 *
 * Columns are transformed a few at a time so that gathering them reads whole cache lines instead of one
 * value per line. Inverse transforms use the identity ifft(X) = swap(fft(swap(X))) / N, where swap
 * exchanges real and imaginary parts: the swaps happen anyway while gathering and scattering, and it
 * skips fft.js's separate 1/n pass over every 1-D output.
 */

/** Columns gathered per block: 8 complex doubles per row is two cache lines. */
const COLUMN_BLOCK = 8;

export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

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
  private readonly rowFft: FFT;
  private readonly colFft: FFT;
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly colIn: Float64Array;
  private readonly colOut: Float64Array;
  private readonly rowBlock: Float64Array;
  private work: Float64Array | null = null;

  constructor(width: number, height: number) {
    if (!isPowerOfTwo(width) || !isPowerOfTwo(height)) {
      throw new SonoError('BAD_INPUT', `FFT size must be powers of two of at least 2 (got ${width}x${height})`);
    }
    this.width = width;
    this.height = height;
    this.rowFft = new FFT(width);
    this.colFft = width === height ? this.rowFft : new FFT(height);
    this.rowIn = new Float64Array(2 * width);
    this.rowOut = new Float64Array(2 * width);
    this.colIn = new Float64Array(2 * height * COLUMN_BLOCK);
    this.colOut = new Float64Array(2 * height * COLUMN_BLOCK);
    this.rowBlock = new Float64Array(2 * width * COLUMN_BLOCK);
  }

  get size(): number {
    return this.width * this.height;
  }

  /** Forward transform of a real image (length width*height) into `spectrum` (length 2*width*height). */
  forwardReal(input: Float32Array | Float64Array, spectrum: Float64Array): void {
    const { width: w, height: h } = this;
    this.checkLength(input.length, w * h, 'real input');
    this.checkLength(spectrum.length, 2 * w * h, 'spectrum');
    for (let y = 0; y < h; y++) {
      const out = spectrum.subarray(2 * w * y, 2 * w * (y + 1));
      this.rowFft.realTransform(out, input.subarray(w * y, w * (y + 1)));
      // fft.js fills only the first half of a real transform's spectrum; the rest is its conjugate mirror.
      this.rowFft.completeSpectrum(out);
    }
    this.forwardColumns(spectrum);
  }

  /** In-place forward transform of a complex buffer. */
  forward(data: Float64Array): void {
    const { width: w, height: h } = this;
    this.checkLength(data.length, 2 * w * h, 'complex data');
    for (let y = 0; y < h; y++) {
      const row = data.subarray(2 * w * y, 2 * w * (y + 1));
      this.rowFft.transform(this.rowOut, row);
      row.set(this.rowOut);
    }
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
    const lw = Math.log2(w);
    const lh = Math.log2(h);
    const colsFirstCost = colList.length * h * lh + region.height * w * lw;
    const rowsFirstCost = rowList.length * w * lw + region.width * h * lh;
    if (colsFirstCost <= rowsFirstCost) {
      this.inverseColumnsFirst(spectrum, options, colList, cols, region, scale, out, layout);
    } else {
      this.inverseRowsFirst(spectrum, options, rowList, rows, region, scale, out, layout);
    }
  }

  private inverseColumnsFirst(
    spectrum: Float64Array,
    options: InverseOptions,
    colList: Int32Array,
    nonzeroCols: Uint8Array,
    region: Region,
    scale: number,
    out: Float64Array | Float32Array,
    layout: { offset: number; stride: number },
  ): void {
    const { width: w, height: h } = this;
    // Column-major here: each column transform writes one contiguous run, and the row pass below reads
    // a block of consecutive rows per column, which is again contiguous.
    const work = this.workBuffer();
    const { filter, filter2 } = options;
    const colIn = this.colIn;
    const stride = 2 * h;
    for (let b = 0; b < colList.length; b += COLUMN_BLOCK) {
      const n = Math.min(COLUMN_BLOCK, colList.length - b);
      for (let y = 0; y < h; y++) {
        const rowBase = y * w;
        for (let j = 0; j < n; j++) {
          const idx = rowBase + colList[b + j];
          let f = 1;
          if (filter) f = filter[idx];
          if (filter2) f *= filter2[idx];
          // Swapped (im, re): see the file comment.
          colIn[j * stride + 2 * y] = spectrum[2 * idx + 1] * f;
          colIn[j * stride + 2 * y + 1] = spectrum[2 * idx] * f;
        }
      }
      for (let j = 0; j < n; j++) {
        const c = colList[b + j];
        this.colFft.transform(work.subarray(c * stride, (c + 1) * stride), colIn.subarray(j * stride, (j + 1) * stride));
      }
    }
    const rowBlock = this.rowBlock;
    const rowOut = this.rowOut;
    const rowStride = 2 * w;
    const { offset, stride: outStride } = layout;
    for (let r0 = 0; r0 < region.height; r0 += COLUMN_BLOCK) {
      const n = Math.min(COLUMN_BLOCK, region.height - r0);
      const y0 = region.y + r0;
      for (let x = 0; x < w; x++) {
        // Columns skipped in the first pass hold stale data in `work`; they are zero by assumption.
        if (nonzeroCols[x] !== 0) {
          const src = x * stride + 2 * y0;
          for (let k = 0; k < n; k++) {
            rowBlock[k * rowStride + 2 * x] = work[src + 2 * k];
            rowBlock[k * rowStride + 2 * x + 1] = work[src + 2 * k + 1];
          }
        } else {
          for (let k = 0; k < n; k++) {
            rowBlock[k * rowStride + 2 * x] = 0;
            rowBlock[k * rowStride + 2 * x + 1] = 0;
          }
        }
      }
      for (let k = 0; k < n; k++) {
        this.rowFft.transform(rowOut, rowBlock.subarray(k * rowStride, (k + 1) * rowStride));
        let o = offset + region.width * (r0 + k) * outStride;
        for (let rx = 0; rx < region.width; rx++, o += outStride) {
          const x = region.x + rx;
          out[o] = rowOut[2 * x + 1] * scale;
          out[o + 1] = rowOut[2 * x] * scale;
        }
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
      this.rowFft.transform(work.subarray(2 * rowBase, 2 * (rowBase + w)), rowIn);
    }
    const colIn = this.colIn;
    const colOut = this.colOut;
    const stride = 2 * h;
    for (let b = 0; b < region.width; b += COLUMN_BLOCK) {
      const n = Math.min(COLUMN_BLOCK, region.width - b);
      const x0 = region.x + b;
      for (let y = 0; y < h; y++) {
        const base = 2 * (y * w + x0);
        if (nonzeroRows[y] !== 0) {
          for (let j = 0; j < n; j++) {
            colIn[j * stride + 2 * y] = work[base + 2 * j];
            colIn[j * stride + 2 * y + 1] = work[base + 2 * j + 1];
          }
        } else {
          for (let j = 0; j < n; j++) {
            colIn[j * stride + 2 * y] = 0;
            colIn[j * stride + 2 * y + 1] = 0;
          }
        }
      }
      for (let j = 0; j < n; j++) {
        this.colFft.transform(colOut.subarray(j * stride, (j + 1) * stride), colIn.subarray(j * stride, (j + 1) * stride));
      }
      const { offset, stride: outStride } = layout;
      for (let ry = 0; ry < region.height; ry++) {
        const y = region.y + ry;
        let k = offset + (region.width * ry + b) * outStride;
        for (let j = 0; j < n; j++, k += outStride) {
          out[k] = colOut[j * stride + 2 * y + 1] * scale;
          out[k + 1] = colOut[j * stride + 2 * y] * scale;
        }
      }
    }
  }

  private forwardColumns(data: Float64Array): void {
    const { width: w, height: h } = this;
    const colIn = this.colIn;
    const colOut = this.colOut;
    const stride = 2 * h;
    for (let x0 = 0; x0 < w; x0 += COLUMN_BLOCK) {
      const n = Math.min(COLUMN_BLOCK, w - x0);
      for (let y = 0; y < h; y++) {
        const base = 2 * (y * w + x0);
        for (let j = 0; j < n; j++) {
          colIn[j * stride + 2 * y] = data[base + 2 * j];
          colIn[j * stride + 2 * y + 1] = data[base + 2 * j + 1];
        }
      }
      for (let j = 0; j < n; j++) {
        this.colFft.transform(colOut.subarray(j * stride, (j + 1) * stride), colIn.subarray(j * stride, (j + 1) * stride));
      }
      for (let y = 0; y < h; y++) {
        const base = 2 * (y * w + x0);
        for (let j = 0; j < n; j++) {
          data[base + 2 * j] = colOut[j * stride + 2 * y];
          data[base + 2 * j + 1] = colOut[j * stride + 2 * y + 1];
        }
      }
    }
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
