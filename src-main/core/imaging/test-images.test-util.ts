/** Shared helpers for the imaging tests: read stored PNGs back and look inside their headers. */
import sharp from 'sharp';
import type { DecodedImage } from './types.js';

/** The samples of a stored image, decoded independently with sharp. */
export async function storedSamples(img: DecodedImage): Promise<number[]> {
  const cs = img.channels === 1 ? (img.bitDepth === 16 ? 'grey16' : 'b-w') : img.bitDepth === 16 ? 'rgb16' : 'srgb';
  const data = await sharp(img.stored.bytes)
    .toColourspace(cs)
    .raw(img.bitDepth === 16 ? { depth: 'ushort' } : {})
    .toBuffer();
  return img.bitDepth === 16 ? Array.from(new Uint16Array(data.buffer, data.byteOffset, data.length / 2)) : Array.from(data);
}

/** Bit depth and colour type straight from a PNG's IHDR (colour type 0 = gray, 2 = RGB). */
export function pngHeader(png: Buffer): { width: number; height: number; bitDepth: number; colourType: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24], colourType: png[25] };
}

export function pattern(length: number, modulo: number, step = 37): number[] {
  return Array.from({ length }, (_, i) => (i * step + (i >> 3)) % modulo);
}
