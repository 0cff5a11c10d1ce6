/** DICOM transfer syntaxes: the ones SonoTL decodes, and names for the ones it refuses. */

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';
export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

export type PixelEncoding = 'native' | 'rle' | 'jpeg';

export interface SupportedSyntax {
  name: string;
  encoding: PixelEncoding;
  littleEndian: boolean;
}

export const SUPPORTED_SYNTAXES: Readonly<Record<string, SupportedSyntax>> = {
  [IMPLICIT_LE]: { name: 'Implicit VR Little Endian', encoding: 'native', littleEndian: true },
  [EXPLICIT_LE]: { name: 'Explicit VR Little Endian', encoding: 'native', littleEndian: true },
  [DEFLATED_LE]: { name: 'Deflated Explicit VR Little Endian', encoding: 'native', littleEndian: true },
  [EXPLICIT_BE]: { name: 'Explicit VR Big Endian', encoding: 'native', littleEndian: false },
  [RLE_LOSSLESS]: { name: 'RLE Lossless', encoding: 'rle', littleEndian: true },
  [JPEG_BASELINE]: { name: 'JPEG Baseline', encoding: 'jpeg', littleEndian: true },
};

// Only for error messages: users recognise "JPEG 2000" sooner than a UID.
const UNSUPPORTED_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.1.98': 'Encapsulated Uncompressed Explicit VR Little Endian',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended 12-bit',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Lossless',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2',
  '1.2.840.10008.1.2.4.100': 'MPEG-2 Main Profile',
  '1.2.840.10008.1.2.4.101': 'MPEG-2 High Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 2D video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 3D video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
};

export function describeUnsupportedSyntax(uid: string): string {
  return UNSUPPORTED_NAMES[uid] ?? 'unknown';
}
