/**
 * NumPy .npy format version 1.0 for a 2-D little-endian float32 array, so researchers can
 * `numpy.load` features directly. The header is padded with spaces so the data starts at a multiple of
 * 64 bytes, as NumPy itself writes it.
 */
import { SonoError } from '../errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function encodeNpyFloat32(data: Float32Array, rows: number, cols: number): Uint8Array {
  if (data.length !== rows * cols) throw new SonoError('BAD_INPUT', `npy: ${data.length} values do not fill a ${rows}x${cols} array`);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const fixed = MAGIC.length + 2 + 2;
  const total = Math.ceil((fixed + header.length + 1) / 64) * 64;
  header = header.padEnd(total - fixed - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new SonoError('BAD_INPUT', 'npy header too long for format 1.0');
  const out = new Uint8Array(total + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[fixed + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** The inverse, for tests and for reading back what SonoTL wrote. */
export function decodeNpyFloat32(bytes: Uint8Array): { data: Float32Array; rows: number; cols: number } {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new SonoError('BAD_INPUT', 'not a .npy file (bad magic)');
  const len = bytes[8] | (bytes[9] << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + len));
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!header.includes("'<f4'") || !shape) throw new SonoError('UNSUPPORTED', `npy header ${header.trim()} is not a 2-D little-endian float32 array`);
  const rows = Number(shape[1]);
  const cols = Number(shape[2]);
  const view = new DataView(bytes.buffer, bytes.byteOffset + 10 + len);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { data, rows, cols };
}
