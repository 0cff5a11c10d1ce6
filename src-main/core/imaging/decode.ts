import { SonoError } from '../errors.js';
import { decodeDicom } from './dicom.js';
import { decodeRaster } from './raster.js';
import { sniffFormat } from './sniff.js';
import type { DecodedImage } from './types.js';

export type { DecodedImage } from './types.js';
export { MAX_PIXELS } from './limits.js';

/**
 * Decodes an imported file into what the project stores, one entry per frame. The format comes from the
 * file's magic bytes, never its name; `name` is only used in error messages. Files over `MAX_PIXELS`
 * are refused from their header before decoding. Throws SonoError: 'BAD_INPUT' for files that are not
 * images, are truncated or corrupt, or are too large; 'UNSUPPORTED' for valid files in an encoding
 * SonoTL cannot decode (e.g. JPEG 2000 DICOM).
 */
export async function decodeImage(bytes: Buffer, name: string): Promise<DecodedImage[]> {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'png':
    case 'jpeg':
      return [await decodeRaster(bytes, name, format)];
    case 'dicom':
      return decodeDicom(bytes, name);
    default:
      throw new SonoError('BAD_INPUT', `${name}: not a PNG, JPEG or DICOM file`, name);
  }
}
