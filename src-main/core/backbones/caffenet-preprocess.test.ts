import { describe, expect, it } from 'vitest';
import { preprocessCaffe } from './caffenet-preprocess.js';

describe("preprocessCaffe ('caffe': BGR minus the ImageNet mean, 0..255)", () => {
  it('a flat gray image becomes g - 104, g - 117, g - 123 in planes B, G, R', () => {
    const gray = { width: 4, height: 3, data: new Uint8Array(12).fill(200) };
    const out = preprocessCaffe(gray, { x: 0, y: 0, w: 4, h: 3 }, [2, 2]);
    expect(Array.from(out.subarray(0, 4), (v) => Math.round(v * 1e4) / 1e4)).toEqual([96, 96, 96, 96]);
    expect(Array.from(out.subarray(4, 8), (v) => Math.round(v * 1e4) / 1e4)).toEqual([83, 83, 83, 83]);
    expect(Array.from(out.subarray(8, 12), (v) => Math.round(v * 1e4) / 1e4)).toEqual([77, 77, 77, 77]);
  });

  it('keeps the bilinear samples on the 0..255 scale and writes at an offset', () => {
    // Horizontal ramp 0, 85, 170, 255; halving the width samples between neighbours: 42.5 and 212.5.
    const gray = { width: 4, height: 1, data: Uint8Array.of(0, 85, 170, 255) };
    const buf = new Float32Array(1 + 6).fill(-999);
    preprocessCaffe(gray, { x: 0, y: 0, w: 4, h: 1 }, [1, 2], buf, 1);
    expect(buf[0]).toBe(-999);
    const expected = [42.5 - 104, 212.5 - 104, 42.5 - 117, 212.5 - 117, 42.5 - 123, 212.5 - 123];
    buf.subarray(1).forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-4));
  });
});
