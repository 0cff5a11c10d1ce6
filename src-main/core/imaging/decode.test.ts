import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { decodeImage, MAX_PIXELS } from './decode.js';
import { buildDicom, TS } from './dicom-writer.test-util.js';
import { pattern, storedSamples } from './test-images.test-util.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const HC18_IMAGE = resolve(REPO, '../shared/data/hc18-dev/images/000_HC.png');

async function rejection(p: Promise<unknown>): Promise<SonoError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SonoError);
  return e as SonoError;
}

function raw(width: number, height: number, channels: 1 | 2 | 3 | 4, data: Uint8Array | Uint16Array) {
  return sharp(data, { raw: { width, height, channels } });
}

// PNG chunk CRC (ISO 3309), written out here so the crafted file does not depend on the code under test.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A valid-looking PNG declaring width x height 8-bit gray, with only a few bytes of image data. */
function declaredPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function noise(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 2654435761) >>> 24);
}

describe('decodeImage: PNG and JPEG', () => {
  it('8-bit gray PNG keeps its original bytes', async () => {
    const png = await raw(9, 4, 1, Uint8Array.from(pattern(36, 256))).toColourspace('b-w').png().toBuffer();
    const [img, ...rest] = await decodeImage(png, 'g8.png');
    expect(rest).toHaveLength(0);
    expect(img).toMatchObject({ frame: 0, width: 9, height: 4, channels: 1, bitDepth: 8, modality: 'US' });
    expect(img.stored.ext).toBe('png');
    expect(img.stored.bytes.equals(png)).toBe(true);
    expect(img.patientId).toBeUndefined();
  });

  it('16-bit gray PNG is reported as 16-bit', async () => {
    const png = await raw(5, 3, 1, Uint16Array.from(pattern(15, 65536, 4001))).toColourspace('grey16').png().toBuffer();
    const [img] = await decodeImage(png, 'g16.png');
    expect(img).toMatchObject({ width: 5, height: 3, channels: 1, bitDepth: 16 });
    expect(await storedSamples(img)).toEqual(pattern(15, 65536, 4001));
  });

  it('RGB, RGBA, gray+alpha and 16-bit RGB PNGs: alpha is not a channel', async () => {
    const cases = [
      { name: 'rgb.png', png: await raw(4, 4, 3, noise(48)).png().toBuffer(), channels: 3, bitDepth: 8, alpha: false },
      { name: 'rgba.png', png: await raw(4, 4, 4, noise(64)).png().toBuffer(), channels: 3, bitDepth: 8, alpha: true },
      { name: 'ga.png', png: await raw(4, 4, 2, noise(32)).toColourspace('b-w').png().toBuffer(), channels: 1, bitDepth: 8, alpha: true },
      {
        name: 'rgb16.png',
        png: await raw(4, 4, 3, Uint16Array.from(pattern(48, 65536, 999))).toColourspace('rgb16').png().toBuffer(),
        channels: 3,
        bitDepth: 16,
        alpha: false,
      },
    ];
    for (const c of cases) {
      const [img] = await decodeImage(c.png, c.name);
      expect({ name: c.name, channels: img.channels, bitDepth: img.bitDepth }).toEqual({ name: c.name, channels: c.channels, bitDepth: c.bitDepth });
      expect(img.metadata.alphaDropped === 1).toBe(c.alpha);
      expect(img.stored.bytes.equals(c.png)).toBe(true);
    }
  });

  it('gray and RGB JPEGs keep their original bytes as .jpg', async () => {
    const gray = await raw(16, 8, 1, noise(128)).toColourspace('b-w').jpeg().toBuffer();
    const rgb = await raw(16, 8, 3, noise(384)).jpeg().toBuffer();
    const [g] = await decodeImage(gray, 'g.jpg');
    const [c] = await decodeImage(rgb, 'c.jpg');
    expect(g).toMatchObject({ width: 16, height: 8, channels: 1, bitDepth: 8 });
    expect(c).toMatchObject({ width: 16, height: 8, channels: 3, bitDepth: 8 });
    expect(g.stored).toEqual({ bytes: gray, ext: 'jpg' });
    expect(c.stored.ext).toBe('jpg');
  });

  it('detects the format from the bytes, not the name', async () => {
    const png = await raw(2, 2, 1, noise(4)).toColourspace('b-w').png().toBuffer();
    expect((await decodeImage(png, 'photo.jpg'))[0].stored.ext).toBe('png');
    const dicom = await buildDicom({ transferSyntax: TS.explicitLE, rows: 2, columns: 3, frames: 2, pixels: pattern(12, 256) });
    const frames = await decodeImage(dicom, 'image.png');
    expect(frames.map((f) => [f.frame, f.width, f.height, f.stored.ext])).toEqual([
      [0, 3, 2, 'png'],
      [1, 3, 2, 'png'],
    ]);
  });

  it('decodes a real HC18 ultrasound PNG', async () => {
    const bytes = readFileSync(HC18_IMAGE);
    const [img] = await decodeImage(bytes, '000_HC.png');
    expect(img).toMatchObject({ width: 800, height: 540, channels: 1, bitDepth: 8, modality: 'US' });
    expect(img.stored.bytes).toBe(bytes);
  });
});

describe('decodeImage: refusals', () => {
  it('refuses a decompression-bomb PNG from its header, quickly', async () => {
    const bomb = declaredPng(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200);
    const started = performance.now();
    const e = await rejection(decodeImage(bomb, 'bomb.png'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(
      `bomb.png: image of 100000x100000 (10,000,000,000 pixels) exceeds the pixel limit of ${MAX_PIXELS.toLocaleString('en-US')}`,
    );
  });

  it('refuses a JPEG declaring more pixels than the limit', async () => {
    const jpeg = await raw(8, 8, 1, noise(64)).toColourspace('b-w').jpeg().toBuffer();
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(60000, sof + 5);
    jpeg.writeUInt16BE(60000, sof + 7);
    const e = await rejection(decodeImage(jpeg, 'huge.jpg'));
    expect(e.message).toMatch(/^huge\.jpg: image of 60000x60000 .* exceeds the pixel limit/);
  });

  it('the limit is inclusive: a header of exactly MAX_PIXELS passes the size check', async () => {
    // 10000 x 10000 = MAX_PIXELS exactly: allowed by the limit, so the failure must come from the missing data.
    const e = await rejection(decodeImage(declaredPng(10_000, 10_000), 'edge.png'));
    expect(e.message).toMatch(/^edge\.png: truncated or corrupt PNG/);
  });

  it('refuses truncated PNG and JPEG files', async () => {
    const png = await raw(64, 64, 3, noise(64 * 64 * 3)).png().toBuffer();
    const e = await rejection(decodeImage(png.subarray(0, png.length >> 1), 'cut.png'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^cut\.png: truncated or corrupt PNG \(.+\)$/);
    const short = await rejection(decodeImage(png.subarray(0, 20), 'stub.png'));
    expect(short.message).toBe('stub.png: truncated or corrupt PNG (file ends inside the IHDR header)');
    const jpeg = await raw(64, 64, 3, noise(64 * 64 * 3)).jpeg().toBuffer();
    const ej = await rejection(decodeImage(jpeg.subarray(0, jpeg.length >> 1), 'cut.jpg'));
    expect(ej.message).toMatch(/^cut\.jpg: truncated or corrupt JPEG \(.+\)$/);
  });

  it('refuses files that are not images', async () => {
    const text = await rejection(decodeImage(Buffer.from('Patient notes: fetal biometry looks fine.\n'), 'notes.txt'));
    expect(text.code).toBe('BAD_INPUT');
    expect(text.message).toBe('notes.txt: not a PNG, JPEG or DICOM file');
    expect((await rejection(decodeImage(Buffer.alloc(0), 'empty.png'))).message).toBe('empty.png: not a PNG, JPEG or DICOM file');
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    expect((await rejection(decodeImage(gif, 'x.gif'))).message).toBe('x.gif: not a PNG, JPEG or DICOM file');
  });
});
