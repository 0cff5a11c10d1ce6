import { SonoError } from '../errors.js';
import { openDicom } from './dicom.js';
import { encodePixelsPng, toGray8 } from './pixels.js';
import { rasterPixels } from './raster.js';
import { sniffFormat } from './sniff.js';
import type { GrayImage } from './types.js';

export type { GrayImage } from './types.js';

/**
 * Any importable image as 8-bit luminance (first frame of a multi-frame DICOM). 16-bit images are
 * stretched from their min..max; see `toGray8` for why. Same errors and pixel limit as `decodeImage`.
 */
export async function readGray(bytes: Buffer, name: string): Promise<GrayImage> {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'png':
    case 'jpeg':
      return toGray8(await rasterPixels(bytes, name, format));
    case 'dicom':
      return toGray8(await openDicom(bytes, name).readFrame(0));
    default:
      throw new SonoError('BAD_INPUT', `${name}: not a PNG, JPEG or DICOM file`, name);
  }
}

/** 8-bit grayscale PNG. */
export async function encodePng(img: GrayImage): Promise<Buffer> {
  return encodePixelsPng({ width: img.width, height: img.height, channels: 1, bitDepth: 8, data: img.data });
}

/** 16-bit grayscale PNG; `data` is row-major, one value per pixel. */
export async function encodeGray16Png(width: number, height: number, data: Uint16Array): Promise<Buffer> {
  return encodePixelsPng({ width, height, channels: 1, bitDepth: 16, data });
}
