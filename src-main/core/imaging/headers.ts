import { SonoError } from '../errors.js';

/**
 * Image sizes read straight from the file header, so the pixel limit is enforced before any decoder
 * (libpng, libjpeg) allocates a frame buffer of the declared size.
 */
export interface DeclaredSize {
  width: number;
  height: number;
}

function corrupt(name: string, kind: string, why: string): SonoError {
  return new SonoError('BAD_INPUT', `${name}: truncated or corrupt ${kind} (${why})`, name);
}

/** PNG: the IHDR chunk must come first, right after the 8-byte signature. */
export function readPngSize(bytes: Buffer, name: string): DeclaredSize {
  if (bytes.length < 33) throw corrupt(name, 'PNG', 'file ends inside the IHDR header');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw corrupt(name, 'PNG', 'first chunk is not IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) throw corrupt(name, 'PNG', `declared size ${width}x${height}`);
  return { width, height };
}

// SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG extension) and CC (DAC) share the range but do not.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** JPEG: walk the marker segments up to the first SOFn. */
export function readJpegSize(bytes: Buffer, name: string): DeclaredSize {
  let i = 2;
  while (i < bytes.length) {
    if (bytes[i] !== 0xff) throw corrupt(name, 'JPEG', `expected a marker at byte ${i}`);
    while (i < bytes.length && bytes[i] === 0xff) i++; // fill bytes before a marker are allowed
    if (i >= bytes.length) break;
    const marker = bytes[i];
    i++;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // markers without a length
    if (marker === 0xd9 || marker === 0xda) throw corrupt(name, 'JPEG', 'no frame header before the image data');
    if (i + 2 > bytes.length) break;
    const length = bytes.readUInt16BE(i);
    if (length < 2) throw corrupt(name, 'JPEG', `bad segment length at byte ${i}`);
    if (isStartOfFrame(marker)) {
      if (i + 7 > bytes.length) break;
      const height = bytes.readUInt16BE(i + 3);
      const width = bytes.readUInt16BE(i + 5);
      if (width === 0 || height === 0) throw corrupt(name, 'JPEG', `declared size ${width}x${height}`);
      return { width, height };
    }
    i += length;
  }
  throw corrupt(name, 'JPEG', 'file ends before the frame header');
}
