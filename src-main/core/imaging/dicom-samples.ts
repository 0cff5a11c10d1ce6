import type { Pixels } from './types.js';

/** The pixel module of a DICOM image, as far as turning stored words into samples needs it. */
export interface SampleFormat {
  width: number;
  height: number;
  samplesPerPixel: 1 | 3;
  photometric: string;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  signed: boolean;
}

/**
 * Added to signed samples so they store as unsigned: two's complement with the sign bit flipped is
 * offset binary, i.e. original value = stored value - this offset.
 */
export function signedOffset(f: SampleFormat): number {
  return f.signed ? 2 ** (f.bitsStored - 1) : 0;
}

export function outputBitDepth(f: SampleFormat): 8 | 16 {
  return f.bitsStored > 8 ? 16 : 8;
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** YCbCr full range (JPEG/JFIF equations, as PS3.3 C.7.6.3.1.2 specifies for YBR_FULL) to RGB, in place. */
function ybrFullToRgb(data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 3) {
    const y = data[i];
    const cb = data[i + 1] - 128;
    const cr = data[i + 2] - 128;
    data[i] = clampByte(y + 1.402 * cr);
    data[i + 1] = clampByte(y - 0.344136 * cb - 0.714136 * cr);
    data[i + 2] = clampByte(y + 1.772 * cb);
  }
}

/**
 * Stored words (channel-interleaved, one word per sample, high bits possibly holding overlays) to the
 * samples SonoTL stores: only the BitsStored bits ending at HighBit are kept; signed values are
 * shifted by `signedOffset`; MONOCHROME1 is inverted so that higher always means brighter; YBR
 * becomes RGB when `ybr` is set (JPEG decoders have already converted, native and RLE have not).
 */
export function finishSamples(raw: Uint8Array | Uint16Array, f: SampleFormat, ybr: boolean): Pixels {
  const depth = outputBitDepth(f);
  const out = depth === 16 ? new Uint16Array(raw.length) : new Uint8Array(raw.length);
  const shift = f.highBit + 1 - f.bitsStored;
  const mask = 2 ** f.bitsStored - 1;
  const flip = f.signed ? 2 ** (f.bitsStored - 1) : 0;
  const invert = f.photometric === 'MONOCHROME1';
  for (let i = 0; i < raw.length; i++) {
    let v = ((raw[i] >>> shift) & mask) ^ flip;
    if (invert) v = mask - v;
    out[i] = v;
  }
  if (ybr && out instanceof Uint8Array) ybrFullToRgb(out);
  return { width: f.width, height: f.height, channels: f.samplesPerPixel, bitDepth: depth, data: out };
}
