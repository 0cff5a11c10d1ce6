import dicomParser from 'dicom-parser';
import { constants, inflateRawSync } from 'node:zlib';
import { SonoError } from '../errors.js';
import { EXPLICIT_LE } from './dicom-syntax.js';
import { assertWithinPixelLimit, MAX_PIXELS } from './limits.js';

/**
 * Deflated Explicit VR Little Endian: everything after the file meta group, pixels included, is one raw
 * deflate stream, so a small file can inflate to gigabytes. We inflate a small prefix first, read the
 * image size from it and apply the pixel limit; the full inflate is then capped at what that image
 * can legitimately need.
 *
 * dicom-parser's own `inflater` hook is not used: version 1.8 parses the buffer the hook returns from
 * byte 0, i.e. through the preamble and meta header as if they were data set elements, which only
 * works by accident for some files (a non-zero preamble breaks it). Parsing the inflated data set on
 * its own, as a raw Explicit VR Little Endian stream, uses the parser's documented path instead.
 */

// Deflate expands at most ~1032:1, so 4 KiB in is at most ~4 MiB out: the probe itself is never a bomb.
const PROBE_INPUT = 4 * 1024;
const PROBE_OUTPUT = 8 * 1024 * 1024;
// Room for what may follow Pixel Data (trailing padding, digital signatures).
const SLACK = 4 * 1024 * 1024;
// When the probe cannot see the image size: the largest image the pixel limit allows, 16-bit RGB.
const BLIND_CAP = MAX_PIXELS * 6 + 16 * SLACK;

/** Parses a data set without preamble or meta header (what the deflate stream holds). */
export function parseRawExplicitLE(dataSet: Uint8Array, untilTag?: string): dicomParser.DataSet {
  return dicomParser.parseDicom(dataSet, untilTag ? { TransferSyntaxUID: EXPLICIT_LE, untilTag } : { TransferSyntaxUID: EXPLICIT_LE });
}

/** Output cap from the image size the start of the data set declares, or undefined if it cannot be read. */
function probeCap(deflated: Uint8Array, name: string): number | undefined {
  let head: Buffer;
  let ds: dicomParser.DataSet;
  try {
    head = inflateRawSync(deflated.subarray(0, PROBE_INPUT), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: PROBE_OUTPUT });
    ds = parseRawExplicitLE(head, 'x7fe00010');
  } catch {
    return undefined; // corrupt deflate is reported by the full inflate; a long header just gets the blind cap
  }
  const rows = ds.uint16('x00280010');
  const cols = ds.uint16('x00280011');
  const pixelData = ds.elements.x7fe00010;
  if (!pixelData || !rows || !cols) return undefined;
  const frames = Math.max(1, ds.intString('x00280008') ?? 1);
  assertWithinPixelLimit(name, cols, rows, frames);
  const samples = ds.uint16('x00280002') ?? 1;
  const bytesPerSample = (ds.uint16('x00280100') ?? 16) / 8;
  return pixelData.dataOffset + rows * cols * frames * samples * bytesPerSample + SLACK;
}

/** The inflated data set that follows the meta header ending at `position`. */
export function inflateDataSet(file: Uint8Array, position: number, name: string): Buffer {
  const deflated = file.subarray(position);
  const cap = probeCap(deflated, name) ?? BLIND_CAP;
  try {
    return inflateRawSync(deflated, { maxOutputLength: cap });
  } catch (e) {
    if (e instanceof RangeError) {
      throw new SonoError('BAD_INPUT', `${name}: deflated DICOM data set inflates to more than ${cap} bytes, far beyond what its image needs`, name);
    }
    const detail = e instanceof Error ? e.message : String(e);
    throw new SonoError('BAD_INPUT', `${name}: truncated or corrupt deflated DICOM data set (${detail})`, name);
  }
}
