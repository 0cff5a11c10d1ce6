import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generatePhantom } from './generate.js';
import { phantomToPng } from './preview.js';

describe('phantom preview', () => {
  it('encodes a gray PNG that decodes to the same pixels', async () => {
    const img = generatePhantom({ seed: 12, width: 160, height: 120 });
    const png = await phantomToPng(img);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels, meta.space]).toEqual([160, 120, 1, 'b-w']);
    // sharp widens gray to sRGB when decoding unless asked not to.
    const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(1);
    expect(Buffer.compare(data, Buffer.from(img.pixels))).toBe(0);
  });

  it('can draw the boxes in red on an RGB copy', async () => {
    const img = generatePhantom({ seed: 12, width: 160, height: 120 });
    const { data, info } = await sharp(await phantomToPng(img, { boxes: true })).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const b = img.boxes[0];
    const corner = 3 * (b.y * 160 + b.x);
    expect([data[corner], data[corner + 1], data[corner + 2]]).toEqual([255, 40, 40]);
    // Inside the box the image is unchanged gray.
    const mid = (b.y + (b.h >> 1)) * 160 + b.x + (b.w >> 1);
    expect([data[3 * mid], data[3 * mid + 1], data[3 * mid + 2]]).toEqual([img.pixels[mid], img.pixels[mid], img.pixels[mid]]);
  });
});
