import { describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { packBits, rleEncodeFrame } from './dicom-writer.test-util.js';
import { decodeRleFrame } from './rle.js';

/** A frame from raw segment bytes, written by hand here rather than by the test writer's encoder. */
function frame(...segments: number[][]): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32LE(segments.length, 0);
  let offset = 64;
  segments.forEach((s, i) => {
    header.writeUInt32LE(offset, 4 + 4 * i);
    offset += s.length;
  });
  return Buffer.concat([header, ...segments.map((s) => Buffer.from(s))]);
}

function thrown(f: () => unknown): SonoError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SonoError);
    return e as SonoError;
  }
  throw new Error('expected an error');
}

describe('decodeRleFrame', () => {
  it('expands literal runs, replicate runs and skips the 128 no-op', () => {
    // literal of 3, no-op, replicate 7 three times (-2 = 0xfe)
    const out = decodeRleFrame(frame([0x02, 10, 20, 30, 0x80, 0xfe, 7]), 'a.dcm', { width: 3, height: 2, samplesPerPixel: 1, bytesPerSample: 1 });
    expect(Array.from(out)).toEqual([10, 20, 30, 7, 7, 7]);
  });

  it('joins 16-bit samples from a high-byte and a low-byte segment', () => {
    const high = [0x03, 0x00, 0x01, 0xff, 0x12];
    const low = [0x03, 0x05, 0x00, 0xff, 0x34];
    const out = decodeRleFrame(frame(high, low), 'b.dcm', { width: 2, height: 2, samplesPerPixel: 1, bytesPerSample: 2 });
    expect(out).toBeInstanceOf(Uint16Array);
    expect(Array.from(out)).toEqual([0x0005, 0x0100, 0xffff, 0x1234]);
  });

  it('interleaves R, G and B segments', () => {
    const out = decodeRleFrame(frame([0xff, 1], [0xff, 2], [0x01, 3, 4]), 'c.dcm', { width: 2, height: 1, samplesPerPixel: 3, bytesPerSample: 1 });
    expect(Array.from(out)).toEqual([1, 2, 3, 1, 2, 4]);
  });

  it('tolerates a run past the end of the plane (encoder padding)', () => {
    const out = decodeRleFrame(frame([0xfd, 9, 0x00]), 'd.dcm', { width: 2, height: 1, samplesPerPixel: 1, bytesPerSample: 1 });
    expect(Array.from(out)).toEqual([9, 9]);
  });

  it('refuses a wrong segment count, short segments and bad offsets', () => {
    const layout = { width: 2, height: 2, samplesPerPixel: 1, bytesPerSample: 1 } as const;
    expect(thrown(() => decodeRleFrame(frame([0xfd, 1], [0xfd, 1]), 'e.dcm', layout)).message).toBe(
      'e.dcm: corrupt RLE pixel data (2 segments where the image needs 1)',
    );
    expect(thrown(() => decodeRleFrame(frame([0xfe, 1]), 'f.dcm', layout)).message).toContain('segment 0 ends after 3 of 4 bytes');
    expect(thrown(() => decodeRleFrame(frame([0x03, 1, 2]), 'g.dcm', layout)).message).toContain('literal run passes its end');
    const badOffset = frame([0xfd, 1]);
    badOffset.writeUInt32LE(9999, 4);
    expect(thrown(() => decodeRleFrame(badOffset, 'h.dcm', layout)).message).toContain('offset 9999 outside the frame');
    expect(thrown(() => decodeRleFrame(new Uint8Array(10), 'i.dcm', layout)).code).toBe('BAD_INPUT');
  });

  it('round-trips the test encoder on runs longer than 128 and random bytes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const words = Array.from({ length: 50 * 20 * 3 }, (_, i) => (i < 900 ? 42 : i % 5 === 0 ? 0 : rand()));
    const out = decodeRleFrame(rleEncodeFrame(words, 3, 1), 'j.dcm', { width: 50, height: 20, samplesPerPixel: 3, bytesPerSample: 1 });
    expect(Array.from(out)).toEqual(words);
    expect(packBits(new Uint8Array(300).fill(5)).length).toBeLessThan(10);
  });
});
