import sharp from 'sharp';
import { SonoError } from '../errors.js';
import type { GrayImage, Pixels } from './types.js';

/**
 * sharp tags raw input as sRGB and widens it to 3 channels on output unless told otherwise, so the
 * colourspace is always named explicitly: that is what keeps gray gray and 16-bit 16-bit.
 */
export function colourspaceOf(channels: 1 | 3, bitDepth: 8 | 16): 'b-w' | 'grey16' | 'srgb' | 'rgb16' {
  if (channels === 1) return bitDepth === 16 ? 'grey16' : 'b-w';
  return bitDepth === 16 ? 'rgb16' : 'srgb';
}

export function checkPixels(p: Pixels, what: string): void {
  if (!Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width <= 0 || p.height <= 0) {
    throw new SonoError('BAD_INPUT', `${what}: invalid image size ${p.width}x${p.height}`);
  }
  const expected = p.width * p.height * p.channels;
  const wide = p.data instanceof Uint16Array;
  if (wide !== (p.bitDepth === 16)) {
    throw new SonoError('BAD_INPUT', `${what}: ${p.bitDepth}-bit image given as ${wide ? 'Uint16Array' : 'Uint8Array'}`);
  }
  if (p.data.length !== expected) {
    throw new SonoError('BAD_INPUT', `${what}: ${p.width}x${p.height}x${p.channels} image needs ${expected} samples, got ${p.data.length}`);
  }
}

/** Lossless PNG of decoded samples (8/16-bit, gray/RGB). */
export async function encodePixelsPng(p: Pixels): Promise<Buffer> {
  checkPixels(p, 'PNG encoder');
  return sharp(p.data, { raw: { width: p.width, height: p.height, channels: p.channels } })
    .toColourspace(colourspaceOf(p.channels, p.bitDepth))
    .png()
    .toBuffer();
}

/** Rec. 601 luma (the weights ultrasound video and JPEG use); gray input is its own luma. */
function luma(p: Pixels): ArrayLike<number> {
  if (p.channels === 1) return p.data;
  const src = p.data;
  const out = new Float64Array(p.width * p.height);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = 0.299 * src[j] + 0.587 * src[j + 1] + 0.114 * src[j + 2];
  return out;
}

/**
 * 8-bit luminance. 8-bit input keeps its values; 16-bit input is stretched from its own min..max to
 * 0..255, because DICOM stores 10-16 significant bits with arbitrary offsets and a fixed >>8 would
 * leave most images nearly black. A constant 16-bit image maps to 0.
 */
export function toGray8(p: Pixels): GrayImage {
  const y = luma(p);
  const n = p.width * p.height;
  const data = new Uint8Array(n);
  if (p.bitDepth === 8) {
    for (let i = 0; i < n; i++) data[i] = Math.round(y[i]);
    return { width: p.width, height: p.height, data };
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (y[i] < min) min = y[i];
    if (y[i] > max) max = y[i];
  }
  if (max > min) {
    const scale = 255 / (max - min);
    for (let i = 0; i < n; i++) data[i] = Math.round((y[i] - min) * scale);
  }
  return { width: p.width, height: p.height, data };
}
