/**
 * Builds DICOM Part 10 files in memory for tests: preamble, "DICM", a group-2 meta header naming the
 * transfer syntax, and a data set with the image pixel module, a few identifying tags (so tests can
 * prove they never leak) and Pixel Data, native or encapsulated. Deliberately independent of the
 * decoder: every byte here is written from the standard, not from the code under test.
 */
import { deflateRawSync } from 'node:zlib';
import sharp from 'sharp';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegLossless: '1.2.840.10008.1.2.4.70',
  jpeg2000: '1.2.840.10008.1.2.4.90',
} as const;

/** Identifying values the writer puts in every file; tests search decoder output for them. */
export const IDENTITY = {
  patientName: 'Doe^Jane^Q',
  patientId: 'PID-88127',
  birthDate: '19870214',
  institution: 'Saint Elsewhere Hospital',
  physician: 'House^Gregory',
  accession: 'ACC-55501',
  operator: 'Sonographer^Sam',
} as const;

export interface TestDicomOptions {
  transferSyntax: string;
  rows: number;
  columns: number;
  samplesPerPixel?: 1 | 3;
  photometric?: string;
  planarConfiguration?: 0 | 1;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  /** Writes NumberOfFrames when given. */
  frames?: number;
  /**
   * All frames' stored words in file order (for native data: planar if planarConfiguration is 1;
   * for RLE: channel-interleaved). Negative numbers are written as two's complement.
   */
  pixels?: ArrayLike<number>;
  /** Pre-encoded frames (JPEG), one per frame, for encapsulated syntaxes other than RLE. */
  encodedFrames?: Buffer[];
  /** Encapsulated only: write an empty basic offset table instead of one entry per frame. */
  emptyOffsetTable?: boolean;
  /** Encapsulated only: split every frame into this many fragments. */
  fragmentsPerFrame?: number;
  /** Native 8-bit only: the VR of Pixel Data (defaults to OB for 8 bits, OW for 16). */
  pixelDataVr?: 'OB' | 'OW';
  /** Null leaves Modality out. */
  modality?: string | null;
  pixelSpacing?: string;
  windowCenter?: string;
  windowWidth?: string;
  rescaleSlope?: string;
  rescaleIntercept?: string;
  ultrasoundRegion?: { physicalDeltaX: number; physicalDeltaY: number; unitsX: number; unitsY: number };
  /** The 128-byte preamble; zeros unless given (dual-format files put a TIFF header here). */
  preamble?: Buffer;
}

interface Element {
  tag: number;
  vr: string;
  value: (bigEndian: boolean) => Buffer;
  items?: Element[][];
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

function text(tag: number, vr: string, s: string): Element {
  const pad = vr === 'UI' ? '\0' : ' ';
  const padded = s.length % 2 === 0 ? s : s + pad;
  return { tag, vr, value: () => Buffer.from(padded, 'latin1') };
}

function uint16(tag: number, ...values: number[]): Element {
  return {
    tag,
    vr: 'US',
    value: (be) => {
      const b = Buffer.alloc(2 * values.length);
      values.forEach((v, i) => (be ? b.writeUInt16BE(v, 2 * i) : b.writeUInt16LE(v, 2 * i)));
      return b;
    },
  };
}

function uint32(tag: number, v: number): Element {
  return {
    tag,
    vr: 'UL',
    value: (be) => {
      const b = Buffer.alloc(4);
      if (be) b.writeUInt32BE(v);
      else b.writeUInt32LE(v);
      return b;
    },
  };
}

function float64(tag: number, v: number): Element {
  return {
    tag,
    vr: 'FD',
    value: (be) => {
      const b = Buffer.alloc(8);
      if (be) b.writeDoubleBE(v);
      else b.writeDoubleLE(v);
      return b;
    },
  };
}

function sequence(tag: number, items: Element[][]): Element {
  return { tag, vr: 'SQ', value: () => Buffer.alloc(0), items };
}

interface Syntax {
  explicit: boolean;
  bigEndian: boolean;
}

function encodeTag(tag: number, bigEndian: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (bigEndian) {
    b.writeUInt16BE(tag >>> 16, 0);
    b.writeUInt16BE(tag & 0xffff, 2);
  } else {
    b.writeUInt16LE(tag >>> 16, 0);
    b.writeUInt16LE(tag & 0xffff, 2);
  }
  return b;
}

function encodeHeader(tag: number, vr: string, length: number, s: Syntax): Buffer {
  const parts = [encodeTag(tag, s.bigEndian)];
  if (s.explicit) {
    parts.push(Buffer.from(vr, 'latin1'));
    if (LONG_VRS.has(vr)) {
      const b = Buffer.alloc(6);
      if (s.bigEndian) b.writeUInt32BE(length, 2);
      else b.writeUInt32LE(length, 2);
      parts.push(b);
    } else {
      const b = Buffer.alloc(2);
      if (s.bigEndian) b.writeUInt16BE(length);
      else b.writeUInt16LE(length);
      parts.push(b);
    }
  } else {
    const b = Buffer.alloc(4);
    if (s.bigEndian) b.writeUInt32BE(length);
    else b.writeUInt32LE(length);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

function encodeElements(elements: Element[], s: Syntax): Buffer {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  return Buffer.concat(sorted.map((el) => encodeElement(el, s)));
}

function encodeElement(el: Element, s: Syntax): Buffer {
  let value: Buffer;
  if (el.items) {
    value = Buffer.concat(
      el.items.map((item) => {
        const body = encodeElements(item, s);
        return Buffer.concat([itemHeader(0xfffee000, body.length, s.bigEndian), body]);
      }),
    );
  } else {
    value = el.value(s.bigEndian);
  }
  return Buffer.concat([encodeHeader(el.tag, el.vr, value.length, s), value]);
}

/** Item and delimiter tags have no VR in any syntax. */
function itemHeader(tag: number, length: number, bigEndian: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (bigEndian) b.writeUInt32BE(length);
  else b.writeUInt32LE(length);
  return Buffer.concat([encodeTag(tag, bigEndian), b]);
}

function metaHeader(transferSyntax: string, sopClass: string): Buffer {
  const s: Syntax = { explicit: true, bigEndian: false };
  const body = encodeElements(
    [
      { tag: 0x00020001, vr: 'OB', value: () => Buffer.from([0, 1]) },
      text(0x00020002, 'UI', sopClass),
      text(0x00020003, 'UI', '1.2.826.0.1.3680043.2.1125.1.99'),
      text(0x00020010, 'UI', transferSyntax),
      text(0x00020012, 'UI', '1.2.826.0.1.3680043.2.1125.2'),
    ],
    s,
  );
  return Buffer.concat([encodeElement(uint32(0x00020000, body.length), s), body]);
}

/** Native pixel words as bytes: 16-bit words in the syntax's byte order; 8-bit OW packs pairs into words. */
function nativePixelBytes(words: ArrayLike<number>, bitsAllocated: 8 | 16, vr: 'OB' | 'OW', bigEndian: boolean): Buffer {
  if (bitsAllocated === 16) {
    const b = Buffer.alloc(words.length * 2);
    for (let i = 0; i < words.length; i++) {
      const v = words[i] & 0xffff;
      if (bigEndian) b.writeUInt16BE(v, 2 * i);
      else b.writeUInt16LE(v, 2 * i);
    }
    return b;
  }
  const b = Buffer.alloc(words.length + (words.length % 2));
  if (words instanceof Uint8Array) b.set(words);
  else for (let i = 0; i < words.length; i++) b[i] = words[i] & 0xff;
  if (vr === 'OW' && bigEndian) b.swap16();
  return b;
}

/** PackBits as DICOM RLE defines it: literal runs (n-1), replicate runs (1-n), at most 128 bytes each. */
export function packBits(src: Uint8Array): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 2) {
      out.push(257 - run, src[i]);
      i += run;
      continue;
    }
    const start = i;
    let len = 0;
    while (i < src.length && len < 128 && !(i + 1 < src.length && src[i + 1] === src[i])) {
      i++;
      len++;
    }
    out.push(len - 1, ...src.subarray(start, start + len));
  }
  if (out.length % 2 === 1) out.push(0x80); // segments are padded to even length; 128 is a no-op header
  return Buffer.from(out);
}

/** One RLE frame from channel-interleaved words: a segment per sample byte, most significant first. */
export function rleEncodeFrame(words: ArrayLike<number>, samplesPerPixel: number, bytesPerSample: number): Buffer {
  const pixels = words.length / samplesPerPixel;
  const segments: Buffer[] = [];
  for (let sample = 0; sample < samplesPerPixel; sample++) {
    for (let byte = 0; byte < bytesPerSample; byte++) {
      const shift = 8 * (bytesPerSample - 1 - byte);
      const plane = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) plane[p] = ((words[p * samplesPerPixel + sample] & 0xffff) >> shift) & 0xff;
      segments.push(packBits(plane));
    }
  }
  const header = Buffer.alloc(64);
  header.writeUInt32LE(segments.length, 0);
  let offset = 64;
  segments.forEach((seg, s) => {
    header.writeUInt32LE(offset, 4 + 4 * s);
    offset += seg.length;
  });
  return Buffer.concat([header, ...segments]);
}

/** A JPEG baseline frame made by sharp (libjpeg), as an ultrasound machine would embed it. */
export async function jpegFrame(samples: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  return sharp(samples, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

function encapsulated(frames: Buffer[], emptyOffsetTable: boolean, fragmentsPerFrame: number): Buffer {
  const items: Buffer[] = [];
  const offsets: number[] = [];
  let position = 0;
  for (const frame of frames) {
    offsets.push(position);
    const size = Math.ceil(frame.length / fragmentsPerFrame);
    for (let start = 0; start < frame.length; start += size) {
      let fragment = frame.subarray(start, start + size);
      if (fragment.length % 2 === 1) fragment = Buffer.concat([fragment, Buffer.alloc(1)]);
      const item = Buffer.concat([itemHeader(0xfffee000, fragment.length, false), fragment]);
      items.push(item);
      position += item.length;
    }
  }
  const table = Buffer.alloc(emptyOffsetTable ? 0 : 4 * offsets.length);
  if (!emptyOffsetTable) offsets.forEach((o, i) => table.writeUInt32LE(o, 4 * i));
  return Buffer.concat([
    encodeTag(0x7fe00010, false),
    Buffer.from('OB', 'latin1'),
    Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xff]),
    itemHeader(0xfffee000, table.length, false),
    table,
    ...items,
    itemHeader(0xfffee0dd, 0, false),
  ]);
}

export async function buildDicom(o: TestDicomOptions): Promise<Buffer> {
  const spp = o.samplesPerPixel ?? 1;
  const bitsAllocated = o.bitsAllocated ?? 8;
  const bitsStored = o.bitsStored ?? bitsAllocated;
  const sopClass = o.frames !== undefined ? '1.2.840.10008.5.1.4.1.1.3.1' : '1.2.840.10008.5.1.4.1.1.6.1';
  const elements: Element[] = [
    text(0x00080016, 'UI', sopClass),
    text(0x00080018, 'UI', '1.2.826.0.1.3680043.2.1125.1.99'),
    text(0x00080020, 'DA', '20240301'),
    text(0x00080050, 'SH', IDENTITY.accession),
    text(0x00080070, 'LO', 'Acme Medical'),
    text(0x00080080, 'LO', IDENTITY.institution),
    text(0x00080090, 'PN', IDENTITY.physician),
    text(0x00081070, 'PN', IDENTITY.operator),
    text(0x00081090, 'LO', 'SonoStar 9'),
    text(0x00100010, 'PN', IDENTITY.patientName),
    text(0x00100020, 'LO', IDENTITY.patientId),
    text(0x00100030, 'DA', IDENTITY.birthDate),
    uint16(0x00280002, spp),
    text(0x00280004, 'CS', o.photometric ?? (spp === 1 ? 'MONOCHROME2' : 'RGB')),
    uint16(0x00280010, o.rows),
    uint16(0x00280011, o.columns),
    uint16(0x00280100, bitsAllocated),
    uint16(0x00280101, bitsStored),
    uint16(0x00280102, o.highBit ?? bitsStored - 1),
    uint16(0x00280103, o.pixelRepresentation ?? 0),
  ];
  if (o.modality !== null) elements.push(text(0x00080060, 'CS', o.modality ?? 'US'));
  if (spp === 3) elements.push(uint16(0x00280006, o.planarConfiguration ?? 0));
  if (o.frames !== undefined) elements.push(text(0x00280008, 'IS', String(o.frames)));
  if (o.pixelSpacing) elements.push(text(0x00280030, 'DS', o.pixelSpacing));
  if (o.windowCenter) elements.push(text(0x00281050, 'DS', o.windowCenter));
  if (o.windowWidth) elements.push(text(0x00281051, 'DS', o.windowWidth));
  if (o.rescaleIntercept) elements.push(text(0x00281052, 'DS', o.rescaleIntercept));
  if (o.rescaleSlope) elements.push(text(0x00281053, 'DS', o.rescaleSlope));
  if (o.ultrasoundRegion) {
    const r = o.ultrasoundRegion;
    elements.push(
      sequence(0x00186011, [
        [uint16(0x00186024, r.unitsX), uint16(0x00186026, r.unitsY), float64(0x0018602c, r.physicalDeltaX), float64(0x0018602e, r.physicalDeltaY)],
      ]),
    );
  }

  const ts = o.transferSyntax;
  const syntax: Syntax = { explicit: ts !== TS.implicitLE, bigEndian: ts === TS.explicitBE };
  const frameCount = o.frames ?? 1;
  let pixelData: Buffer;
  if (ts === TS.rle || o.encodedFrames) {
    let frames = o.encodedFrames;
    if (!frames) {
      if (!o.pixels) throw new Error('buildDicom: RLE needs pixels');
      const perFrame = o.pixels.length / frameCount;
      frames = [];
      for (let f = 0; f < frameCount; f++) {
        const words = Array.from({ length: perFrame }, (_, i) => o.pixels![f * perFrame + i]);
        frames.push(rleEncodeFrame(words, spp, bitsAllocated / 8));
      }
    }
    pixelData = encapsulated(frames, o.emptyOffsetTable ?? false, o.fragmentsPerFrame ?? 1);
  } else {
    if (!o.pixels) throw new Error('buildDicom: native syntaxes need pixels');
    const vr = o.pixelDataVr ?? (bitsAllocated === 16 ? 'OW' : 'OB');
    pixelData = encodeElement({ tag: 0x7fe00010, vr, value: (be) => nativePixelBytes(o.pixels!, bitsAllocated, vr, be) }, syntax);
  }

  let dataSet = Buffer.concat([encodeElements(elements, syntax), pixelData]);
  if (ts === TS.deflatedLE) dataSet = deflateRawSync(dataSet);
  const preamble = Buffer.concat([o.preamble ?? Buffer.alloc(128), Buffer.from('DICM', 'latin1')]);
  if (preamble.length !== 132) throw new Error('buildDicom: the preamble is 128 bytes');
  return Buffer.concat([preamble, metaHeader(ts, sopClass), dataSet]);
}
