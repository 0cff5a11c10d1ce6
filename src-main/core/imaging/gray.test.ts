import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { buildDicom, TS } from './dicom-writer.test-util.js';
import { encodeGray16Png, encodePng, readGray } from './gray.js';
import { pattern, pngHeader } from './test-images.test-util.js';

function raw(width: number, height: number, channels: 1 | 3 | 4, data: Uint8Array | Uint16Array) {
  return sharp(data, { raw: { width, height, channels } });
}

describe('encodePng / encodeGray16Png', () => {
  it('writes an 8-bit gray PNG holding exactly the data', async () => {
    const data = Uint8Array.from(pattern(11 * 7, 256));
    const png = await encodePng({ width: 11, height: 7, data });
    expect(pngHeader(png)).toEqual({ width: 11, height: 7, bitDepth: 8, colourType: 0 });
    const back = await sharp(png).toColourspace('b-w').raw().toBuffer();
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  it('writes a 16-bit gray PNG holding exactly the data', async () => {
    const data = Uint16Array.from(pattern(6 * 5, 65536, 12345));
    data[0] = 65535;
    const png = await encodeGray16Png(6, 5, data);
    expect(pngHeader(png)).toEqual({ width: 6, height: 5, bitDepth: 16, colourType: 0 });
    const back = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    expect(Array.from(new Uint16Array(back.buffer, back.byteOffset, back.length / 2))).toEqual(Array.from(data));
  });

  it('refuses data that does not match the size', async () => {
    await expect(encodePng({ width: 4, height: 4, data: new Uint8Array(15) })).rejects.toThrow(SonoError);
    await expect(encodeGray16Png(2, 2, new Uint16Array(5))).rejects.toThrow('2x2x1 image needs 4 samples, got 5');
    await expect(encodePng({ width: 0, height: 4, data: new Uint8Array(0) })).rejects.toThrow('invalid image size 0x4');
  });
});

describe('readGray', () => {
  it('returns 8-bit gray PNG values unchanged', async () => {
    const data = Uint8Array.from(pattern(8 * 3, 256));
    const img = await readGray(await encodePng({ width: 8, height: 3, data }), 'g.png');
    expect(img).toEqual({ width: 8, height: 3, data });
  });

  it('stretches 16-bit values from their min..max to 0..255', async () => {
    const png = await encodeGray16Png(4, 1, Uint16Array.from([1000, 2000, 3000, 5000]));
    const img = await readGray(png, 'g16.png');
    expect(Array.from(img.data)).toEqual([0, 64, 128, 255]);
  });

  it('maps a constant 16-bit image to 0', async () => {
    const img = await readGray(await encodeGray16Png(2, 2, new Uint16Array(4).fill(777)), 'flat.png');
    expect(Array.from(img.data)).toEqual([0, 0, 0, 0]);
  });

  it('weights RGB with Rec. 601 luma and ignores alpha', async () => {
    const rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
    const expected = [76, 150, 29, 18];
    const fromRgb = await readGray(await raw(4, 1, 3, Uint8Array.from(rgb)).png().toBuffer(), 'rgb.png');
    expect(Array.from(fromRgb.data)).toEqual(expected);
    const rgba = [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 7];
    const fromRgba = await readGray(await raw(4, 1, 4, Uint8Array.from(rgba)).png().toBuffer(), 'rgba.png');
    expect(Array.from(fromRgba.data)).toEqual(expected);
  });

  it('reads JPEGs and the first frame of a 16-bit multi-frame DICOM', async () => {
    const jpeg = await raw(8, 8, 1, new Uint8Array(64).fill(140)).toColourspace('b-w').jpeg().toBuffer();
    const j = await readGray(jpeg, 'g.jpg');
    expect(j.width).toBe(8);
    j.data.forEach((v) => expect(Math.abs(v - 140)).toBeLessThanOrEqual(1));

    const frame0 = [100, 100, 612, 1124];
    const frame1 = [4000, 0, 0, 0];
    const dicom = await buildDicom({ transferSyntax: TS.explicitLE, rows: 2, columns: 2, frames: 2, bitsAllocated: 16, bitsStored: 12, pixels: [...frame0, ...frame1] });
    const d = await readGray(dicom, 'cine.dcm');
    expect(d).toEqual({ width: 2, height: 2, data: Uint8Array.from([0, 0, 128, 255]) });
  });

  it('refuses non-images and oversize headers like decodeImage', async () => {
    await expect(readGray(Buffer.from('hello'), 'a.txt')).rejects.toThrow('a.txt: not a PNG, JPEG or DICOM file');
    const giant = await buildDicom({ transferSyntax: TS.explicitLE, rows: 65535, columns: 65535, pixels: [0, 0] });
    await expect(readGray(giant, 'giant.dcm')).rejects.toThrow(/pixel limit/);
  });
});
