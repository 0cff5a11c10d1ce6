import { describe, expect, it } from 'vitest';
import { decodeNpyFloat32, encodeNpyFloat32 } from './npy.js';

describe('npy format 1.0', () => {
  it('writes a NumPy-conformant header and round-trips the values', () => {
    const data = Float32Array.from([1.5, -2, 0, 3.25, 1e-30, 7]);
    const bytes = encodeNpyFloat32(data, 2, 3);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes[8] | (bytes[9] << 8);
    // Data starts 64-byte aligned, and the header ends in a newline, as numpy.save writes it.
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(bytes.length).toBe(10 + headerLen + 4 * 6);
    const back = decodeNpyFloat32(bytes);
    expect([back.rows, back.cols]).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    // Little-endian float32: 1.5 is 0x3fc00000.
    expect(Array.from(bytes.subarray(10 + headerLen, 14 + headerLen))).toEqual([0, 0, 0xc0, 0x3f]);
  });

  it('refuses values that do not fill the shape, and non-npy input', () => {
    expect(() => encodeNpyFloat32(new Float32Array(5), 2, 3)).toThrow(/5 values do not fill a 2x3 array/);
    expect(() => decodeNpyFloat32(new Uint8Array(20))).toThrow(/bad magic/);
  });
});
