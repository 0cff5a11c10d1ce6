import { describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { decodeDicom, openDicom } from './dicom.js';
import { buildDicom, IDENTITY, jpegFrame, TS } from './dicom-writer.test-util.js';
import { pattern, pngHeader, storedSamples } from './test-images.test-util.js';

const W = 7;
const H = 5;
const N = W * H;

const NATIVE = [
  ['Implicit VR LE', TS.implicitLE],
  ['Explicit VR LE', TS.explicitLE],
  ['Explicit VR BE', TS.explicitBE],
  ['Deflated Explicit VR LE', TS.deflatedLE],
] as const;

async function rejection(p: Promise<unknown>): Promise<SonoError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SonoError);
  return e as SonoError;
}

describe('decodeDicom: transfer syntaxes', () => {
  for (const [label, ts] of [...NATIVE, ['RLE Lossless', TS.rle] as const]) {
    it(`${label}: 8-bit MONOCHROME2 decodes to the exact values`, async () => {
      const pixels = pattern(N, 256);
      const [img, ...rest] = await decodeDicom(await buildDicom({ transferSyntax: ts, rows: H, columns: W, pixels }), 'a.dcm');
      expect(rest).toHaveLength(0);
      expect(img).toMatchObject({ frame: 0, width: W, height: H, channels: 1, bitDepth: 8, modality: 'US' });
      expect(img.stored.ext).toBe('png');
      expect(pngHeader(img.stored.bytes)).toEqual({ width: W, height: H, bitDepth: 8, colourType: 0 });
      expect(await storedSamples(img)).toEqual(pixels);
      expect(img.metadata.transferSyntax).toBe(ts);
    });

    it(`${label}: 12-in-16-bit decodes to a 16-bit gray PNG with the exact values`, async () => {
      const pixels = pattern(N, 4096, 1237);
      pixels[0] = 4095;
      pixels[1] = 0;
      const dicom = await buildDicom({ transferSyntax: ts, rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, pixels });
      const [img] = await decodeDicom(dicom, 'b.dcm');
      expect(img).toMatchObject({ channels: 1, bitDepth: 16 });
      expect(pngHeader(img.stored.bytes)).toEqual({ width: W, height: H, bitDepth: 16, colourType: 0 });
      expect(await storedSamples(img)).toEqual(pixels);
      expect(img.metadata).toMatchObject({ bitsAllocated: 16, bitsStored: 12, highBit: 11 });
    });
  }

  for (const [label, ts] of NATIVE) {
    it(`${label}: RGB decodes exactly from both planar configurations`, async () => {
      const rgb = pattern(N * 3, 256, 53);
      const planes = [0, 1, 2].flatMap((c) => Array.from({ length: N }, (_, p) => rgb[3 * p + c]));
      const [interleaved] = await decodeDicom(await buildDicom({ transferSyntax: ts, rows: H, columns: W, samplesPerPixel: 3, pixels: rgb }), 'c.dcm');
      const [planar] = await decodeDicom(
        await buildDicom({ transferSyntax: ts, rows: H, columns: W, samplesPerPixel: 3, planarConfiguration: 1, pixels: planes }),
        'd.dcm',
      );
      expect(interleaved).toMatchObject({ channels: 3, bitDepth: 8 });
      expect(pngHeader(interleaved.stored.bytes).colourType).toBe(2);
      expect(await storedSamples(interleaved)).toEqual(rgb);
      expect(await storedSamples(planar)).toEqual(rgb);
      expect(planar.metadata.planarConfiguration).toBe(1);
    });
  }

  it('RLE Lossless: 8-bit RGB and 16-bit gray with long runs decode exactly', async () => {
    const rgb = Array.from({ length: 40 * 30 * 3 }, (_, i) => (i < 1500 ? 200 : (i * 7) % 256));
    const [colour] = await decodeDicom(await buildDicom({ transferSyntax: TS.rle, rows: 30, columns: 40, samplesPerPixel: 3, pixels: rgb }), 'r.dcm');
    expect(await storedSamples(colour)).toEqual(rgb);
    const gray = Array.from({ length: 40 * 30 }, (_, i) => (i < 600 ? 65535 : (i * 4099) % 65536));
    const [deep] = await decodeDicom(await buildDicom({ transferSyntax: TS.rle, rows: 30, columns: 40, bitsAllocated: 16, pixels: gray }), 's.dcm');
    expect(deep.bitDepth).toBe(16);
    expect(await storedSamples(deep)).toEqual(gray);
  });

  it('JPEG Baseline: gray and RGB frames decode within JPEG error', async () => {
    const w = 32;
    const h = 24;
    const gray = Uint8Array.from({ length: w * h }, (_, i) => 40 + ((i % w) * 4 + Math.floor(i / w) * 2));
    const [g] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.jpegBaseline, rows: h, columns: w, encodedFrames: [await jpegFrame(gray, w, h, 1)] }),
      'j.dcm',
    );
    expect(g).toMatchObject({ width: w, height: h, channels: 1, bitDepth: 8 });
    const gotGray = await storedSamples(g);
    gotGray.forEach((v, i) => expect(Math.abs(v - gray[i])).toBeLessThanOrEqual(3));

    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => [180, 90, 30][i % 3] + (Math.floor(i / 3) % w));
    const [c] = await decodeDicom(
      await buildDicom({
        transferSyntax: TS.jpegBaseline,
        rows: h,
        columns: w,
        samplesPerPixel: 3,
        photometric: 'YBR_FULL_422',
        encodedFrames: [await jpegFrame(rgb, w, h, 3)],
      }),
      'k.dcm',
    );
    expect(c).toMatchObject({ channels: 3, bitDepth: 8 });
    const gotRgb = await storedSamples(c);
    gotRgb.forEach((v, i) => expect(Math.abs(v - rgb[i])).toBeLessThanOrEqual(4));
  });

  it('JPEG Baseline: multi-fragment frames without an offset table are split at each JPEG start', async () => {
    const w = 16;
    const h = 16;
    const frames = [30, 120, 220].map((level) => Uint8Array.from({ length: w * h }, () => level));
    const encodedFrames = await Promise.all(frames.map((f) => jpegFrame(f, w, h, 1)));
    const dicom = await buildDicom({
      transferSyntax: TS.jpegBaseline,
      rows: h,
      columns: w,
      frames: 3,
      encodedFrames,
      emptyOffsetTable: true,
      fragmentsPerFrame: 3,
    });
    const images = await decodeDicom(dicom, 'm.dcm');
    expect(images.map((i) => i.frame)).toEqual([0, 1, 2]);
    for (let f = 0; f < 3; f++) {
      const got = await storedSamples(images[f]);
      got.forEach((v) => expect(Math.abs(v - frames[f][0])).toBeLessThanOrEqual(2));
    }
  });
});

describe('decodeDicom: pixel layouts', () => {
  it('a non-zero preamble (dual-format files) does not disturb any syntax', async () => {
    const preamble = Buffer.alloc(128, 0x5a);
    preamble.write('II*\0', 0, 'latin1');
    for (const [, ts] of NATIVE) {
      const pixels = pattern(N, 256, 19);
      const [img] = await decodeDicom(await buildDicom({ transferSyntax: ts, rows: H, columns: W, pixels, preamble }), 'tiff.dcm');
      expect(await storedSamples(img)).toEqual(pixels);
    }
  });

  it('multi-frame native files give one image per frame, in order', async () => {
    const perFrame = [pattern(N, 256, 3), pattern(N, 256, 11), pattern(N, 256, 29)];
    const dicom = await buildDicom({ transferSyntax: TS.explicitLE, rows: H, columns: W, frames: 3, pixels: perFrame.flat() });
    const images = await decodeDicom(dicom, 'cine.dcm');
    expect(images).toHaveLength(3);
    for (let f = 0; f < 3; f++) {
      expect(images[f].frame).toBe(f);
      expect(await storedSamples(images[f])).toEqual(perFrame[f]);
      expect(images[f].metadata.frames).toBe(3);
    }
  });

  it('multi-frame RLE with fragments located through the offset table', async () => {
    const perFrame = [pattern(N, 256, 5), pattern(N, 256, 17)];
    const dicom = await buildDicom({ transferSyntax: TS.rle, rows: H, columns: W, frames: 2, pixels: perFrame.flat(), fragmentsPerFrame: 2 });
    const images = await decodeDicom(dicom, 'rle-cine.dcm');
    expect(await storedSamples(images[0])).toEqual(perFrame[0]);
    expect(await storedSamples(images[1])).toEqual(perFrame[1]);
  });

  it('MONOCHROME1 is inverted so that higher is brighter, 8 and 16 bit', async () => {
    const pixels8 = pattern(N, 256);
    const [a] = await decodeDicom(await buildDicom({ transferSyntax: TS.explicitLE, rows: H, columns: W, photometric: 'MONOCHROME1', pixels: pixels8 }), 'm1.dcm');
    expect(await storedSamples(a)).toEqual(pixels8.map((v) => 255 - v));
    expect(a.metadata).toMatchObject({ photometric: 'MONOCHROME1', storedInverted: 1 });
    const pixels12 = pattern(N, 4096, 1001);
    const [b] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.rle, rows: H, columns: W, photometric: 'MONOCHROME1', bitsAllocated: 16, bitsStored: 12, pixels: pixels12 }),
      'm1b.dcm',
    );
    expect(await storedSamples(b)).toEqual(pixels12.map((v) => 4095 - v));
  });

  it('keeps only the BitsStored bits ending at HighBit (overlay bits and odd alignment ignored)', async () => {
    const values = pattern(N, 4096, 777);
    // Value in bits 2..13, garbage in bits 0, 1, 14 and 15.
    const words = values.map((v, i) => (v << 2) | (i % 2 ? 0xc003 : 0x4001));
    const [img] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.explicitBE, rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, highBit: 13, pixels: words }),
      'hb.dcm',
    );
    expect(await storedSamples(img)).toEqual(values);
  });

  it('signed 16-bit pixels are shifted to unsigned and the offset recorded', async () => {
    const signed = [-32768, -1, 0, 1, 32767, -1000];
    const [img] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.implicitLE, rows: 1, columns: 6, bitsAllocated: 16, pixelRepresentation: 1, pixels: signed }),
      'ct.dcm',
    );
    expect(await storedSamples(img)).toEqual([0, 32767, 32768, 32769, 65535, 31768]);
    expect(img.metadata).toMatchObject({ pixelRepresentation: 1, pixelValueOffset: 32768 });
  });

  it('signed 12-in-16 and signed 8-bit pixels are shifted by half their range', async () => {
    const s12 = [-2048, -1, 0, 2047];
    const [a] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.explicitLE, rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, pixels: s12 }),
      's12.dcm',
    );
    expect(await storedSamples(a)).toEqual([0, 2047, 2048, 4095]);
    expect(a.metadata.pixelValueOffset).toBe(2048);
    const [b] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.explicitLE, rows: 2, columns: 2, pixelRepresentation: 1, pixels: [-128, -1, 0, 127] }),
      's8.dcm',
    );
    expect(b.bitDepth).toBe(8);
    expect(await storedSamples(b)).toEqual([0, 127, 128, 255]);
  });

  it('8-bit pixels in an OW element under big endian are un-swapped', async () => {
    const pixels = pattern(N, 256, 41);
    const [img] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.explicitBE, rows: H, columns: W, pixelDataVr: 'OW', pixels }),
      'ow.dcm',
    );
    expect(await storedSamples(img)).toEqual(pixels);
  });

  it('YBR_FULL (native and RLE) and YBR_FULL_422 (native) become RGB', async () => {
    // Hand-computed from the YBR_FULL equations of PS3.3 C.7.6.3.1.2.
    const ybr = [76, 85, 255, 150, 44, 21, 200, 128, 128];
    const rgb = [254, 0, 0, 0, 255, 1, 200, 200, 200];
    for (const ts of [TS.explicitLE, TS.rle]) {
      const [img] = await decodeDicom(
        await buildDicom({ transferSyntax: ts, rows: 1, columns: 3, samplesPerPixel: 3, photometric: 'YBR_FULL', pixels: ybr }),
        'ybr.dcm',
      );
      const got = await storedSamples(img);
      got.forEach((v, i) => expect(Math.abs(v - rgb[i])).toBeLessThanOrEqual(1));
    }
    // Two pixels sharing one Cb/Cr pair: Y1 Y2 Cb Cr.
    const [sub] = await decodeDicom(
      await buildDicom({ transferSyntax: TS.explicitLE, rows: 1, columns: 2, samplesPerPixel: 3, photometric: 'YBR_FULL_422', pixels: [76, 200, 128, 128] }),
      'ybr422.dcm',
    );
    expect(await storedSamples(sub)).toEqual([76, 76, 76, 200, 200, 200]);
  });
});

describe('decodeDicom: metadata and privacy', () => {
  it('keeps technical tags, returns PatientID separately and leaks no identifying value', async () => {
    const dicom = await buildDicom({
      transferSyntax: TS.explicitLE,
      rows: H,
      columns: W,
      pixels: pattern(N, 256),
      pixelSpacing: '0.125\\0.25',
      windowCenter: '127.5',
      windowWidth: '255',
      rescaleSlope: '1',
      rescaleIntercept: '-10',
      ultrasoundRegion: { physicalDeltaX: 0.0125, physicalDeltaY: 0.015, unitsX: 3, unitsY: 3 },
    });
    const [img] = await decodeDicom(dicom, 'priv.dcm');
    expect(img.patientId).toBe(IDENTITY.patientId);
    expect(img.metadata).toMatchObject({
      manufacturer: 'Acme Medical',
      manufacturerModelName: 'SonoStar 9',
      photometric: 'MONOCHROME2',
      pixelSpacingRow: 0.125,
      pixelSpacingColumn: 0.25,
      windowCenter: 127.5,
      windowWidth: 255,
      rescaleSlope: 1,
      rescaleIntercept: -10,
      physicalDeltaX: 0.0125,
      physicalDeltaY: 0.015,
      physicalUnitsX: 3,
      frames: 1,
    });
    const everythingButId = JSON.stringify({ ...img, stored: undefined, patientId: undefined });
    for (const value of Object.values(IDENTITY)) {
      expect(JSON.stringify(img.metadata)).not.toContain(value);
      expect(everythingButId).not.toContain(value);
    }
    // Name components too, in case a decoder ever splits PN values.
    for (const part of IDENTITY.patientName.split('^')) expect(everythingButId).not.toContain(part);
  });

  it('modality defaults to US and follows the file when present', async () => {
    const base = { transferSyntax: TS.explicitLE, rows: 1, columns: 2, pixels: [1, 2] };
    const [none] = await decodeDicom(await buildDicom({ ...base, modality: null }), 'n.dcm');
    const [mr] = await decodeDicom(await buildDicom({ ...base, modality: 'MR' }), 'mr.dcm');
    expect(none.modality).toBe('US');
    expect(mr.modality).toBe('MR');
  });
});

describe('decodeDicom: refusals', () => {
  it('names unsupported transfer syntaxes', async () => {
    const fake = Buffer.from([0xff, 0x4f, 0xff, 0x51]);
    const j2k = await buildDicom({ transferSyntax: TS.jpeg2000, rows: 4, columns: 4, encodedFrames: [fake] });
    const e = await rejection(decodeDicom(j2k, 'scan.dcm'));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toBe('scan.dcm: unsupported DICOM transfer syntax 1.2.840.10008.1.2.4.90 (JPEG 2000 Lossless); export it uncompressed');
    const lossless = await buildDicom({ transferSyntax: TS.jpegLossless, rows: 4, columns: 4, encodedFrames: [fake] });
    const e2 = await rejection(decodeDicom(lossless, 'll.dcm'));
    expect(e2.code).toBe('UNSUPPORTED');
    expect(e2.message).toContain('1.2.840.10008.1.2.4.70 (JPEG Lossless SV1)');
  });

  it('refuses unsupported photometric interpretations and bit depths', async () => {
    const palette = await buildDicom({ transferSyntax: TS.explicitLE, rows: 1, columns: 2, photometric: 'PALETTE COLOR', pixels: [1, 2] });
    const e = await rejection(decodeDicom(palette, 'pal.dcm'));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/^pal\.dcm: unsupported DICOM photometric interpretation PALETTE COLOR/);
  });

  it('refuses truncated files: inside pixel data, inside the header, inside RLE fragments', async () => {
    const native = await buildDicom({ transferSyntax: TS.explicitLE, rows: 32, columns: 32, pixels: pattern(1024, 256) });
    for (const cut of [native.subarray(0, native.length - 300), native.subarray(0, 200)]) {
      const e = await rejection(decodeDicom(Buffer.from(cut), 'cut.dcm'));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(/^cut\.dcm: truncated or corrupt DICOM|^cut\.dcm: truncated DICOM pixel data/);
    }
    const rle = await buildDicom({ transferSyntax: TS.rle, rows: 32, columns: 32, pixels: pattern(1024, 256) });
    const e = await rejection(decodeDicom(Buffer.from(rle.subarray(0, rle.length - 100)), 'cut-rle.dcm'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^cut-rle\.dcm: /);
  });

  it('refuses a declared size over the pixel limit before touching pixel data', async () => {
    for (const ts of [TS.explicitLE, TS.deflatedLE]) {
      const giant = await buildDicom({ transferSyntax: ts, rows: 65535, columns: 65535, pixels: [0, 0] });
      const started = performance.now();
      const e = await rejection(decodeDicom(giant, 'giant.dcm'));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(e.message).toContain('giant.dcm: image of 65535x65535');
      expect(e.message).toContain('pixel limit');
    }
    const cine = await buildDicom({ transferSyntax: TS.explicitLE, rows: 1000, columns: 1000, frames: 101, pixels: [0, 0] });
    expect((await rejection(decodeDicom(cine, 'cine.dcm'))).message).toContain('1000x1000x101 frames');
  });

  it('refuses a deflated data set that inflates far beyond its declared image', async () => {
    // 16x16 pixels declared, 8 MiB of Pixel Data actually deflated: more than the image plus slack.
    const dicom = await buildDicom({ transferSyntax: TS.deflatedLE, rows: 16, columns: 16, pixels: new Uint8Array(8 * 1024 * 1024) });
    const e = await rejection(decodeDicom(dicom, 'bomb.dcm'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^bomb\.dcm: deflated DICOM data set inflates to more than \d+ bytes/);
  });

  it('refuses corrupt deflate data', async () => {
    const good = await buildDicom({ transferSyntax: TS.deflatedLE, rows: 4, columns: 4, pixels: pattern(16, 256) });
    // (0002,0000) is the first meta element: its 4-byte value at 140 counts the bytes after it.
    const metaEnd = 144 + good.readUInt32LE(140);
    // Block type 3 is reserved: no inflater accepts it.
    const broken = Buffer.concat([good.subarray(0, metaEnd), Buffer.from([0x07, 0xff, 0xff, 0xff])]);
    const e = await rejection(decodeDicom(broken, 'bad-deflate.dcm'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^bad-deflate\.dcm: truncated or corrupt/);
  });
});

describe('openDicom', () => {
  it('reports the layout without decoding and reads frames on demand', async () => {
    const perFrame = [pattern(N, 4096, 7), pattern(N, 4096, 13)];
    const dicom = openDicom(
      await buildDicom({ transferSyntax: TS.explicitLE, rows: H, columns: W, frames: 2, bitsAllocated: 16, bitsStored: 12, pixels: perFrame.flat() }),
      'o.dcm',
    );
    expect(dicom).toMatchObject({ width: W, height: H, channels: 1, bitDepth: 16, frameCount: 2, modality: 'US' });
    const second = await dicom.readFrame(1);
    expect(Array.from(second.data)).toEqual(perFrame[1]);
    await expect(dicom.readFrame(2)).rejects.toThrow(RangeError);
  });
});
