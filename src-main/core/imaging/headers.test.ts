import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readJpegSize, readPngSize } from './headers.js';

describe('declared sizes', () => {
  it('reads PNG IHDR and JPEG SOF sizes (baseline and progressive)', async () => {
    const raw = { raw: { width: 37, height: 23, channels: 3 } } as const;
    const pixels = Buffer.alloc(37 * 23 * 3, 90);
    expect(readPngSize(await sharp(pixels, raw).png().toBuffer(), 'a.png')).toEqual({ width: 37, height: 23 });
    expect(readJpegSize(await sharp(pixels, raw).jpeg().toBuffer(), 'a.jpg')).toEqual({ width: 37, height: 23 });
    expect(readJpegSize(await sharp(pixels, raw).jpeg({ progressive: true }).toBuffer(), 'p.jpg')).toEqual({ width: 37, height: 23 });
  });

  it('skips fill bytes and segments before the frame header', () => {
    const jpeg = Buffer.from([
      0xff, 0xd8, // SOI
      0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, // APP0 with 2 payload bytes
      0xff, 0xff, 0xc4, 0x00, 0x02, // fill byte, then an empty DHT: not a frame header
      0xff, 0xc1, 0x00, 0x0b, 0x08, 0x01, 0x2c, 0x02, 0x58, 0x01, 0x01, 0x11, 0x00, // SOF1 300x600
    ]);
    expect(readJpegSize(jpeg, 'x.jpg')).toEqual({ width: 600, height: 300 });
  });

  it('refuses headers that end early or make no sense', () => {
    expect(() => readPngSize(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), 'short.png')).toThrow('short.png: truncated or corrupt PNG (file ends inside the IHDR header)');
    expect(() => readJpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), 'short.jpg')).toThrow('short.jpg: truncated or corrupt JPEG (file ends before the frame header)');
    expect(() => readJpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), 'nosof.jpg')).toThrow('no frame header before the image data');
  });
});
