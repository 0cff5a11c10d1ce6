import sharp, { type Metadata } from 'sharp';
import { SonoError } from '../errors.js';
import { readJpegSize, readPngSize } from './headers.js';
import { assertWithinPixelLimit, MAX_PIXELS } from './limits.js';
import { colourspaceOf } from './pixels.js';
import type { DecodedImage, Pixels } from './types.js';

/** PNG and JPEG files, decoded with sharp. */
export type RasterFormat = 'png' | 'jpeg';

const LABEL: Record<RasterFormat, string> = { png: 'PNG', jpeg: 'JPEG' };

/**
 * sharp input options for every decode. Its pixel limit is a second line of defence (the header checks
 * answer first). failOn 'truncated' still refuses cut-off files but, unlike sharp's default 'warning',
 * accepts the benign libpng/libjpeg warnings common in the wild (bad ICC profiles, stray bytes).
 */
export const SHARP_OPTIONS = { limitInputPixels: MAX_PIXELS, failOn: 'truncated' } as const;

function corrupt(name: string, format: RasterFormat, e: unknown): SonoError {
  const detail = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
  return new SonoError('BAD_INPUT', `${name}: truncated or corrupt ${LABEL[format]} (${detail})`, name);
}

function checkDeclaredSize(bytes: Buffer, name: string, format: RasterFormat): void {
  const size = format === 'png' ? readPngSize(bytes, name) : readJpegSize(bytes, name);
  assertWithinPixelLimit(name, size.width, size.height);
}

interface Layout {
  width: number;
  height: number;
  channels: 1 | 3;
  bitDepth: 8 | 16;
  metadata: Record<string, string | number>;
}

async function readLayout(bytes: Buffer, name: string, format: RasterFormat): Promise<Layout> {
  checkDeclaredSize(bytes, name, format);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, SHARP_OPTIONS).metadata();
  } catch (e) {
    throw corrupt(name, format, e);
  }
  if (!meta.width || !meta.height || !meta.channels) throw corrupt(name, format, 'no image size');
  if (meta.depth !== 'uchar' && meta.depth !== 'ushort') {
    throw new SonoError('UNSUPPORTED', `${name}: unsupported ${LABEL[format]} sample format ${meta.depth ?? 'unknown'}`, name);
  }
  // Gray with or without alpha is 1 or 2 channels; palette, RGB, RGBA and CMYK all become RGB.
  const gray = meta.space === 'b-w' || meta.space === 'grey16' || meta.channels <= 2;
  const metadata: Record<string, string | number> = { format, colourSpace: meta.space ?? 'unknown' };
  if (meta.hasAlpha) metadata.alphaDropped = 1;
  if (meta.isPalette) metadata.palette = 1;
  if (meta.bitsPerSample !== undefined) metadata.bitsPerSample = meta.bitsPerSample;
  // Stored bytes are the original file, so a viewer that honours EXIF rotation shows it turned; record it.
  if (meta.orientation !== undefined && meta.orientation !== 1) metadata.exifOrientation = meta.orientation;
  return {
    width: meta.width,
    height: meta.height,
    channels: gray ? 1 : 3,
    bitDepth: meta.depth === 'ushort' ? 16 : 8,
    metadata,
  };
}

/**
 * A PNG or JPEG as the project stores it: the original bytes. The whole image is decoded once (into
 * statistics, not a retained buffer) so that a truncated file is refused at import, not at first view.
 */
export async function decodeRaster(bytes: Buffer, name: string, format: RasterFormat): Promise<DecodedImage> {
  const layout = await readLayout(bytes, name, format);
  try {
    await sharp(bytes, SHARP_OPTIONS).stats();
  } catch (e) {
    throw corrupt(name, format, e);
  }
  return {
    frame: 0,
    width: layout.width,
    height: layout.height,
    channels: layout.channels,
    bitDepth: layout.bitDepth,
    stored: { bytes, ext: format === 'png' ? 'png' : 'jpg' },
    modality: 'US',
    metadata: layout.metadata,
  };
}

/** The samples of a PNG or JPEG, alpha removed, in the layout `decodeRaster` reports. */
export async function rasterPixels(bytes: Buffer, name: string, format: RasterFormat): Promise<Pixels> {
  const layout = await readLayout(bytes, name, format);
  let data: Buffer;
  try {
    data = await sharp(bytes, SHARP_OPTIONS)
      .removeAlpha()
      .toColourspace(colourspaceOf(layout.channels, layout.bitDepth))
      .raw(layout.bitDepth === 16 ? { depth: 'ushort' } : {})
      .toBuffer();
  } catch (e) {
    throw corrupt(name, format, e);
  }
  const samples = layout.width * layout.height * layout.channels;
  if (data.length !== samples * (layout.bitDepth / 8)) throw corrupt(name, format, 'decoded size does not match the header');
  return {
    width: layout.width,
    height: layout.height,
    channels: layout.channels,
    bitDepth: layout.bitDepth,
    data: layout.bitDepth === 16 ? toUint16(data) : new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

// sharp's raw output is native-endian 16-bit; a view needs 2-byte alignment, so copy in the rare odd case.
function toUint16(data: Buffer): Uint16Array {
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const copy = new Uint8Array(data);
  return new Uint16Array(copy.buffer, 0, copy.length / 2);
}
