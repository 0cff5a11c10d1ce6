/**
 * Valid, small seed files for the fuzzers: images in every format and encoding the importer supports,
 * annotation files in every format, and hand-built hostile files (decompression bombs, DOCTYPE bombs).
 * Small on purpose: thousands of mutants of each are decoded within the suite's time budget.
 */
import { deflateRawSync, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { buildDicom, jpegFrame, TS } from '../../src-main/core/imaging/dicom-writer.test-util.js';

export const W = 24;
export const H = 16;

function ramp(length: number, modulo: number): number[] {
  return Array.from({ length }, (_, i) => (i * 37 + (i >> 3)) % modulo);
}

export interface ImageSeed {
  name: string;
  /** File name to import it under (the extension the importer collects). */
  file: string;
  bytes: Buffer;
}

export async function imageSeeds(): Promise<ImageSeed[]> {
  const gray = Buffer.from(ramp(W * H, 256));
  const rgb = Buffer.from(ramp(W * H * 3, 256));
  const gray16 = new Uint16Array(ramp(W * H, 65536));
  const seeds: ImageSeed[] = [
    { name: 'png-gray8', file: 'g8.png', bytes: await sharp(gray, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer() },
    { name: 'png-rgb8', file: 'rgb.png', bytes: await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer() },
    {
      name: 'png-gray16',
      file: 'g16.png',
      bytes: await sharp(Buffer.from(gray16.buffer), { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer(),
    },
    { name: 'png-palette', file: 'pal.png', bytes: await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png({ palette: true }).toBuffer() },
    { name: 'jpeg-gray', file: 'g.jpg', bytes: await jpegFrame(gray, W, H, 1) },
    { name: 'jpeg-rgb', file: 'c.jpeg', bytes: await jpegFrame(rgb, W, H, 3) },
    {
      name: 'jpeg-progressive',
      file: 'p.jpg',
      bytes: await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg({ progressive: true }).toBuffer(),
    },
    { name: 'dicom-explicit-le', file: 'ele.dcm', bytes: await buildDicom({ transferSyntax: TS.explicitLE, rows: H, columns: W, pixels: ramp(W * H, 256) }) },
    {
      name: 'dicom-implicit-le-16',
      file: 'ile.dcm',
      bytes: await buildDicom({ transferSyntax: TS.implicitLE, rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, pixels: ramp(W * H, 4096) }),
    },
    {
      name: 'dicom-explicit-be-rgb',
      file: 'ebe.dcm',
      bytes: await buildDicom({ transferSyntax: TS.explicitBE, rows: H, columns: W, samplesPerPixel: 3, pixels: ramp(W * H * 3, 256) }),
    },
    {
      name: 'dicom-deflated',
      file: 'dfl.dcm',
      bytes: await buildDicom({ transferSyntax: TS.deflatedLE, rows: H, columns: W, pixels: ramp(W * H, 256), pixelSpacing: '0.1\\0.2' }),
    },
    {
      name: 'dicom-rle-16',
      file: 'rle.dcm',
      bytes: await buildDicom({ transferSyntax: TS.rle, rows: H, columns: W, bitsAllocated: 16, pixels: ramp(W * H, 65536) }),
    },
    {
      name: 'dicom-jpeg-2frames',
      file: 'jpg.dcm',
      bytes: await buildDicom({
        transferSyntax: TS.jpegBaseline,
        rows: H,
        columns: W,
        frames: 2,
        encodedFrames: [await jpegFrame(gray, W, H, 1), await jpegFrame(gray.reverse(), W, H, 1)],
      }),
    },
    {
      name: 'dicom-multiframe-native',
      file: 'multi',
      bytes: await buildDicom({
        transferSyntax: TS.explicitLE,
        rows: H,
        columns: W,
        frames: 3,
        pixels: ramp(W * H * 3, 256),
        ultrasoundRegion: { physicalDeltaX: 0.01, physicalDeltaY: 0.01, unitsX: 3, unitsY: 3 },
      }),
    },
  ];
  return seeds;
}

// --- hand-built hostile images -------------------------------------------------------------------

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A decompression bomb: a PNG declaring width x height 8-bit gray pixels whose IDAT holds the first
 * `rows` rows of zeros (deflate turns megabytes of zeros into a few kilobytes). Decoding it would
 * allocate width x height bytes; the importer must refuse it from the header alone.
 */
export function bombPng(width: number, height: number, rows = 64): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // gray
  const raw = Buffer.alloc(Math.min(rows, height) * (width + 1)); // filter byte 0 + zeros per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A baseline JPEG whose SOF0 declares width x height (the rest is a real small JPEG's tables and data). */
export async function bombJpeg(width: number, height: number): Promise<Buffer> {
  const small = await jpegFrame(Buffer.alloc(64, 128), 8, 8, 1);
  const out = Buffer.from(small);
  for (let i = 2; i < out.length - 9; ) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1];
    const length = out.readUInt16BE(i + 2);
    if (marker === 0xc0) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + length;
  }
  throw new Error('bombJpeg: no SOF0 in the seed JPEG');
}

/** A DICOM declaring rows x columns x frames whose pixel data is tiny (the header claims the giant). */
export async function bombDicom(rows: number, columns: number, frames: number): Promise<Buffer> {
  return buildDicom({ transferSyntax: TS.explicitLE, rows, columns, frames, pixels: [0, 0, 0, 0] });
}

/**
 * A deflated DICOM whose data set inflates to ~`megabytes` MB: a small image header followed by a huge
 * run of zeros in a private element. The inflate is capped by what the declared image needs.
 */
export async function deflateBombDicom(megabytes: number): Promise<Buffer> {
  const plain = await buildDicom({ transferSyntax: TS.explicitLE, rows: 4, columns: 4, pixels: ramp(16, 256) });
  const deflated = await buildDicom({ transferSyntax: TS.deflatedLE, rows: 4, columns: 4, pixels: ramp(16, 256) });
  // The meta group starts at byte 132 with its own length (0002,0000) UL; the data set follows it.
  const metaEnd = (file: Buffer): number => 132 + 12 + file.readUInt32LE(132 + 8);
  const dataSet = plain.subarray(metaEnd(plain));
  // Data Set Trailing Padding (FFFC,FFFC) OB after Pixel Data, which the standard allows: all zeros.
  const pad = Buffer.alloc(megabytes * 1024 * 1024);
  const padHeader = Buffer.alloc(12);
  padHeader.writeUInt16LE(0xfffc, 0);
  padHeader.writeUInt16LE(0xfffc, 2);
  padHeader.write('OB', 4, 'latin1');
  padHeader.writeUInt32LE(pad.length, 8);
  return Buffer.concat([deflated.subarray(0, metaEnd(deflated)), deflateRawSync(Buffer.concat([dataSet, padHeader, pad]), { level: 9 })]);
}

// --- annotation files ----------------------------------------------------------------------------

/** Names of the seed images as annotation files refer to them. */
export const ANNOTATED = ['g8.png', 'rgb.png', 'g.jpg'];

export function cocoSeed(): string {
  return JSON.stringify({
    images: ANNOTATED.map((file_name, i) => ({ id: i + 1, file_name, width: W, height: H, subject: `s${i}`, split: 'train' })),
    annotations: ANNOTATED.map((_, i) => ({ id: i + 1, image_id: i + 1, category_id: 1 + (i % 2), bbox: [1, 2, 10, 8], area: 80, iscrowd: 0 })),
    categories: [
      { id: 1, name: 'kidney' },
      { id: 2, name: 'liver' },
    ],
  });
}

export function csvSeed(): string {
  const rows = ['file_name,width,height,subject,split,category,x,y,w,h'];
  ANNOTATED.forEach((f, i) => rows.push(`${f},${W},${H},s${i},val,kidney,1.5,2,10,8`));
  rows.push(`"g8.png",${W},${H},s0,val,"liver, left",0,0,4,4`);
  return rows.join('\r\n') + '\r\n';
}

export function vocSeed(file = 'g8.png'): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotation>',
    `  <filename>${file}</filename>`,
    `  <size><width>${W}</width><height>${H}</height><depth>1</depth></size>`,
    '  <subject>s1</subject>',
    '  <object><name>kidney</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax><ymax>10</ymax></bndbox></object>',
    '  <object><name><![CDATA[liver & co]]></name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>4</xmax><ymax>4</ymax></bndbox></object>',
    '</annotation>',
    '',
  ].join('\n');
}

export function yoloSeed(): string {
  return '0 0.5 0.5 0.25 0.5\n1 0.25 0.25 0.1 0.1\n';
}

export const YOLO_CLASSES = 'kidney\nliver\n';

/** "Billion laughs": ten levels of entities each expanding the previous ten times. */
export function billionLaughs(root = 'annotation'): string {
  const lines = ['<?xml version="1.0"?>', `<!DOCTYPE ${root} [`, '<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 10; i++) lines.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  lines.push(']>', `<${root}><filename>&lol10;</filename></${root}>`);
  return lines.join('\n');
}

/** An external entity pointing at a file outside the folder: must never be read. */
export function externalEntity(target: string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE annotation [<!ENTITY xxe SYSTEM "file://${target}">]>\n<annotation><filename>&xxe;</filename></annotation>`;
}
