import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { SonoError } from '../errors.js';
import { inflateDataSet, parseRawExplicitLE } from './dicom-deflate.js';
import { frameFragments } from './dicom-fragments.js';
import { technicalMetadata } from './dicom-metadata.js';
import { type NativeLayout, nativeFrameBytes, readNativeFrame } from './dicom-native.js';
import { finishSamples, outputBitDepth, type SampleFormat, signedOffset } from './dicom-samples.js';
import { DEFLATED_LE, describeUnsupportedSyntax, SUPPORTED_SYNTAXES, type SupportedSyntax } from './dicom-syntax.js';
import { readJpegSize } from './headers.js';
import { assertWithinPixelLimit } from './limits.js';
import { encodePixelsPng } from './pixels.js';
import { SHARP_OPTIONS } from './raster.js';
import { decodeRleFrame } from './rle.js';
import type { DecodedImage, Pixels } from './types.js';

/** A parsed DICOM image whose frames are decoded on demand, so a long cine loop is never all in memory. */
export interface DicomImage {
  width: number;
  height: number;
  channels: 1 | 3;
  bitDepth: 8 | 16;
  frameCount: number;
  modality: string;
  metadata: Record<string, string | number>;
  patientId?: string;
  readFrame(index: number): Promise<Pixels>;
}

function bad(name: string, problem: string): SonoError {
  return new SonoError('BAD_INPUT', `${name}: ${problem}`, name);
}

function unsupported(name: string, problem: string): SonoError {
  return new SonoError('UNSUPPORTED', `${name}: ${problem}`, name);
}

/** dicom-parser throws strings, Errors, or { exception, dataSet }. */
function parserFailure(name: string, e: unknown): SonoError {
  const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  const text = inner instanceof Error ? inner.message : String(inner);
  const detail = text.replace(/^dicomParser[.:][\w.]*:\s*/, '');
  return bad(name, `truncated or corrupt DICOM file (${detail})`);
}

interface FileMeta {
  transferSyntax: string;
  /** Where the data set starts, right after the meta group. */
  end: number;
}

function readFileMeta(bytes: Buffer, name: string): FileMeta {
  let meta: dicomParser.DataSet & { position?: number };
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (e) {
    throw parserFailure(name, e);
  }
  const transferSyntax = meta.string('x00020010');
  if (!transferSyntax) throw bad(name, 'DICOM file meta header has no transfer syntax (0002,0010)');
  if (meta.position === undefined || meta.position >= bytes.length) throw bad(name, 'truncated DICOM file (nothing after the meta header)');
  return { transferSyntax, end: meta.position };
}

function parseDataSet(bytes: Buffer, name: string, meta: FileMeta): dicomParser.DataSet {
  // Inflation errors are already SonoErrors; only parser failures need translating.
  const inflated = meta.transferSyntax === DEFLATED_LE ? inflateDataSet(bytes, meta.end, name) : undefined;
  try {
    return inflated ? parseRawExplicitLE(inflated) : dicomParser.parseDicom(bytes);
  } catch (e) {
    throw parserFailure(name, e);
  }
}

interface PixelModule extends SampleFormat {
  frames: number;
  planarConfiguration: 0 | 1;
}

const MONO = new Set(['MONOCHROME1', 'MONOCHROME2']);
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422']);

function readPixelModule(ds: dicomParser.DataSet, name: string, syntax: SupportedSyntax): PixelModule {
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  if (!rows || !columns) throw bad(name, 'DICOM file holds no image (Rows/Columns missing or zero)');
  const frames = ds.intString('x00280008') ?? 1;
  if (!Number.isInteger(frames) || frames < 1) throw bad(name, `invalid DICOM NumberOfFrames ${ds.string('x00280008')}`);
  // Checked before anything looks at pixel bytes, so a declared giant is refused without work.
  assertWithinPixelLimit(name, columns, rows, frames);

  const spp = ds.uint16('x00280002') ?? 1;
  if (spp !== 1 && spp !== 3) throw unsupported(name, `unsupported DICOM SamplesPerPixel ${spp}`);
  const photometric = (ds.string('x00280004') ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  if (!(spp === 1 ? MONO : COLOUR).has(photometric)) {
    throw unsupported(name, `unsupported DICOM photometric interpretation ${photometric} with ${spp} sample(s) per pixel`);
  }
  const bitsAllocated = ds.uint16('x00280100');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw unsupported(name, `unsupported DICOM BitsAllocated ${bitsAllocated ?? 'missing'}; only 8 and 16 are supported`);
  }
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit >= bitsAllocated || highBit + 1 < bitsStored) {
    throw bad(name, `inconsistent DICOM bit layout (allocated ${bitsAllocated}, stored ${bitsStored}, high bit ${highBit})`);
  }
  if (photometric.startsWith('YBR') && bitsAllocated !== 8) throw unsupported(name, `unsupported DICOM ${photometric} with ${bitsAllocated} bits`);
  if (syntax.encoding === 'jpeg' && bitsAllocated !== 8) throw bad(name, `DICOM JPEG Baseline with BitsAllocated ${bitsAllocated} (baseline is 8-bit)`);
  if (syntax.encoding === 'native' && photometric === 'YBR_FULL_422' && columns % 2 === 1) {
    throw bad(name, `DICOM YBR_FULL_422 image with odd width ${columns}`);
  }
  const planar = ds.uint16('x00280006') ?? 0;
  return {
    width: columns,
    height: rows,
    frames,
    samplesPerPixel: spp,
    photometric,
    planarConfiguration: spp === 3 && planar === 1 ? 1 : 0,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: ds.uint16('x00280103') === 1,
  };
}

function pixelDataElement(ds: dicomParser.DataSet, name: string): dicomParser.Element {
  const el = ds.elements.x7fe00010;
  if (!el) throw bad(name, 'DICOM file has no Pixel Data (7FE0,0010)');
  return el;
}

function nativeReader(ds: dicomParser.DataSet, el: dicomParser.Element, pm: PixelModule, syntax: SupportedSyntax, name: string) {
  if (el.encapsulatedPixelData) throw bad(name, `compressed Pixel Data in a DICOM file declared ${syntax.name}`);
  const layout: NativeLayout = {
    ...pm,
    littleEndian: syntax.littleEndian,
    swapBytePairs: !syntax.littleEndian && pm.bitsAllocated === 8 && el.vr === 'OW',
  };
  const frameBytes = nativeFrameBytes(layout);
  const available = Math.min(el.length, ds.byteArray.length - el.dataOffset);
  if (available < frameBytes * pm.frames) {
    throw bad(name, `truncated DICOM pixel data (${available} bytes; ${pm.frames} frame(s) of ${pm.width}x${pm.height} need ${frameBytes * pm.frames})`);
  }
  const value = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  const ybr = pm.photometric.startsWith('YBR');
  return async (index: number) => finishSamples(readNativeFrame(value, index * frameBytes, layout), pm, ybr);
}

function rleReader(ds: dicomParser.DataSet, el: dicomParser.Element, pm: PixelModule, name: string) {
  const frames = frameFragments(ds, el, pm.frames, name, false);
  const layout = { width: pm.width, height: pm.height, samplesPerPixel: pm.samplesPerPixel, bytesPerSample: (pm.bitsAllocated / 8) as 1 | 2 };
  // RLE segments are full-resolution planes, so YBR_FULL_422 here can only mean YBR_FULL.
  const ybr = pm.photometric.startsWith('YBR');
  return async (index: number) => finishSamples(decodeRleFrame(frames[index], name, layout), pm, ybr);
}

function jpegReader(ds: dicomParser.DataSet, el: dicomParser.Element, pm: PixelModule, name: string) {
  const frames = frameFragments(ds, el, pm.frames, name, true);
  return async (index: number) => {
    const frame = frames[index];
    const jpeg = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    const where = `${name} frame ${index}`;
    const size = readJpegSize(jpeg, where);
    if (size.width !== pm.width || size.height !== pm.height) {
      throw bad(name, `DICOM frame ${index} is a ${size.width}x${size.height} JPEG in a ${pm.width}x${pm.height} image`);
    }
    let data: Buffer;
    try {
      const meta = await sharp(jpeg, SHARP_OPTIONS).metadata();
      const channels = (meta.channels ?? 0) >= 3 ? 3 : 1;
      if (channels !== pm.samplesPerPixel) {
        throw bad(name, `DICOM frame ${index} is a ${channels}-channel JPEG in a ${pm.samplesPerPixel}-sample image`);
      }
      data = await sharp(jpeg, SHARP_OPTIONS)
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .raw()
        .toBuffer();
    } catch (e) {
      if (e instanceof SonoError) throw e;
      const detail = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      throw bad(name, `corrupt JPEG in DICOM frame ${index} (${detail})`);
    }
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    // Baseline JPEG is 8-bit and decoders output RGB, so only inversion and sign are left to apply.
    return finishSamples(raw, { ...pm, bitsStored: 8, highBit: 7 }, false);
  };
}

function describe(ds: dicomParser.DataSet, pm: PixelModule, syntaxUid: string, syntax: SupportedSyntax): Record<string, string | number> {
  const metadata: Record<string, string | number> = {
    transferSyntax: syntaxUid,
    transferSyntaxName: syntax.name,
    photometric: pm.photometric,
    samplesPerPixel: pm.samplesPerPixel,
    bitsAllocated: pm.bitsAllocated,
    bitsStored: pm.bitsStored,
    highBit: pm.highBit,
    pixelRepresentation: pm.signed ? 1 : 0,
    rows: pm.height,
    columns: pm.width,
    frames: pm.frames,
    ...technicalMetadata(ds),
  };
  if (pm.samplesPerPixel === 3) metadata.planarConfiguration = pm.planarConfiguration;
  // Stored samples differ from the file's: signed values are offset, MONOCHROME1 is inverted.
  if (pm.signed) metadata.pixelValueOffset = signedOffset(pm);
  if (pm.photometric === 'MONOCHROME1') metadata.storedInverted = 1;
  return metadata;
}

/**
 * Parses a DICOM Part 10 file and checks everything that can be checked without decoding pixels:
 * transfer syntax, pixel module, pixel limit, and that the file holds every frame it declares.
 */
export function openDicom(bytes: Buffer, name: string): DicomImage {
  try {
    return openDicomChecked(bytes, name);
  } catch (e) {
    // dicom-parser reads element values lazily and throws bare strings ("dicomParser.readFixedString:
    // attempt to read past end of buffer") from accessors such as DataSet.string(), outside the parse
    // calls that translate failures. Fuzzing found this with files cut inside the meta header (the
    // transfer syntax element's declared length runs past the end). Every such failure is a corrupt
    // file; report it as one. Regression cases: test/fuzz/importers.test.ts (DICOM truncations).
    if (e instanceof SonoError) throw e;
    throw parserFailure(name, e);
  }
}

function openDicomChecked(bytes: Buffer, name: string): DicomImage {
  const meta = readFileMeta(bytes, name);
  const syntaxUid = meta.transferSyntax;
  const syntax = SUPPORTED_SYNTAXES[syntaxUid];
  if (!syntax) {
    throw unsupported(name, `unsupported DICOM transfer syntax ${syntaxUid} (${describeUnsupportedSyntax(syntaxUid)}); export it uncompressed`);
  }
  const ds = parseDataSet(bytes, name, meta);
  const pm = readPixelModule(ds, name, syntax);
  const el = pixelDataElement(ds, name);
  const read =
    syntax.encoding === 'native' ? nativeReader(ds, el, pm, syntax, name) : syntax.encoding === 'rle' ? rleReader(ds, el, pm, name) : jpegReader(ds, el, pm, name);
  const patientId = ds.string('x00100020');
  return {
    width: pm.width,
    height: pm.height,
    channels: pm.samplesPerPixel,
    bitDepth: outputBitDepth(pm),
    frameCount: pm.frames,
    modality: ds.string('x00080060') || 'US',
    metadata: describe(ds, pm, syntaxUid, syntax),
    ...(patientId ? { patientId } : {}),
    readFrame: async (index) => {
      if (!Number.isInteger(index) || index < 0 || index >= pm.frames) throw new RangeError(`${name}: no frame ${index}`);
      return read(index);
    },
  };
}

/** Every frame of a DICOM file as a lossless PNG, with the file's non-identifying technical tags. */
export async function decodeDicom(bytes: Buffer, name: string): Promise<DecodedImage[]> {
  const dicom = openDicom(bytes, name);
  const images: DecodedImage[] = [];
  for (let frame = 0; frame < dicom.frameCount; frame++) {
    const pixels = await dicom.readFrame(frame);
    images.push({
      frame,
      width: dicom.width,
      height: dicom.height,
      channels: dicom.channels,
      bitDepth: dicom.bitDepth,
      stored: { bytes: await encodePixelsPng(pixels), ext: 'png' },
      modality: dicom.modality,
      metadata: { ...dicom.metadata },
      ...(dicom.patientId !== undefined ? { patientId: dicom.patientId } : {}),
    });
  }
  return images;
}
