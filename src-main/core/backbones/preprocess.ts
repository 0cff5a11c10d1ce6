/**
 * Turns a region of a grayscale ultrasound image into network input: crop the box, bilinear resize,
 * replicate gray into R, G and B, scale [0, 255] -> [-1, 1] (the 'tf' preprocessing of the registry's
 * backbones). Output is planar NCHW ([3, H, W] per image), the layout of SonoTL's ONNX exports.
 */
import { SonoError } from '../errors.js';

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major, one byte per pixel, no row padding. */
  data: Uint8Array;
}

/** Pixel box; (x, y) is the top-left corner. May be fractional and may extend past the image. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Bilinear sampling with half-pixel centres (as tf.image.resizeBilinear with halfPixelCenters, OpenCV
 * INTER_LINEAR): output pixel i samples box coordinate (i + 0.5) * scale - 0.5. Samples outside the
 * image take the nearest edge pixel, so a box touching the border does not fade to black.
 *
 * @param size output [height, width], or one number for a square.
 * @param out  optional destination (e.g. a batch buffer); written at `offset`, 3*H*W floats.
 */
export function preprocess(
  gray: GrayImage,
  box: Box,
  size: number | readonly [number, number],
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const [outH, outW] = typeof size === 'number' ? [size, size] : size;
  if (gray.data.length !== gray.width * gray.height) {
    throw new SonoError('BAD_INPUT', `image data has ${gray.data.length} bytes for ${gray.width}x${gray.height} gray pixels`);
  }
  if (!(box.w > 0 && box.h > 0)) throw new SonoError('BAD_INPUT', `box ${JSON.stringify(box)} is empty`);
  const plane = outH * outW;
  const dst = out ?? new Float32Array(3 * plane);
  if (dst.length < offset + 3 * plane) throw new SonoError('BAD_INPUT', `output buffer too small for a ${outH}x${outW} image at ${offset}`);

  const cols = samplePositions(box.x, box.w, outW, gray.width);
  const rows = samplePositions(box.y, box.h, outH, gray.height);
  const src = gray.data;
  for (let oy = 0; oy < outH; oy++) {
    const r0 = rows.i0[oy] * gray.width;
    const r1 = rows.i1[oy] * gray.width;
    const fy = rows.f[oy];
    const base = offset + oy * outW;
    for (let ox = 0; ox < outW; ox++) {
      const c0 = cols.i0[ox];
      const c1 = cols.i1[ox];
      const fx = cols.f[ox];
      const top = src[r0 + c0] + (src[r0 + c1] - src[r0 + c0]) * fx;
      const bottom = src[r1 + c0] + (src[r1 + c1] - src[r1 + c0]) * fx;
      dst[base + ox] = (top + (bottom - top) * fy) / 127.5 - 1;
    }
  }
  // Gray -> RGB: the other two planes are copies of the first.
  dst.copyWithin(offset + plane, offset, offset + plane);
  dst.copyWithin(offset + 2 * plane, offset, offset + plane);
  return dst;
}

/** Per output index along one axis: the two source indices and the weight of the second. */
function samplePositions(start: number, extent: number, outSize: number, srcSize: number) {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float32Array(outSize);
  const scale = extent / outSize;
  for (let i = 0; i < outSize; i++) {
    const s = Math.min(Math.max(start + (i + 0.5) * scale - 0.5, 0), srcSize - 1);
    const lo = Math.floor(s);
    i0[i] = lo;
    i1[i] = Math.min(lo + 1, srcSize - 1);
    f[i] = s - lo;
  }
  return { i0, i1, f };
}

/** Planar [N, C, H, W] -> interleaved [N, H, W, C], for feeding the same batch to a tfjs model. */
export function nchwToNhwc(data: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = data[plane + i];
    }
  }
  return out;
}
