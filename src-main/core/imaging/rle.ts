import { SonoError } from '../errors.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (segment count, then up to 15 segment
 * offsets, little endian) followed by PackBits-compressed segments. Each segment holds one byte plane:
 * for every sample (R, G, B or the single gray sample), its most significant byte first. Planes are
 * reassembled here into channel-interleaved words.
 */
export interface RleLayout {
  width: number;
  height: number;
  samplesPerPixel: 1 | 3;
  bytesPerSample: 1 | 2;
}

function corrupt(name: string, why: string): SonoError {
  return new SonoError('BAD_INPUT', `${name}: corrupt RLE pixel data (${why})`, name);
}

/** Unpacks one PackBits segment into `plane`, which it fills exactly. */
function unpackSegment(src: Uint8Array, start: number, end: number, plane: Uint8Array, name: string, segment: number): void {
  const n = plane.length;
  let p = start;
  let o = 0;
  while (o < n) {
    if (p >= end) throw corrupt(name, `segment ${segment} ends after ${o} of ${n} bytes`);
    const header = src[p++];
    if (header < 128) {
      const count = header + 1;
      if (p + count > end) throw corrupt(name, `segment ${segment} literal run passes its end`);
      // A run past the plane can only be padding from a sloppy encoder; the plane is still complete.
      const take = Math.min(count, n - o);
      plane.set(src.subarray(p, p + take), o);
      p += count;
      o += take;
    } else if (header > 128) {
      if (p >= end) throw corrupt(name, `segment ${segment} repeat run has no value`);
      const take = Math.min(257 - header, n - o);
      plane.fill(src[p++], o, o + take);
      o += take;
    }
    // header 128 is a no-op by definition.
  }
}

export function decodeRleFrame(frame: Uint8Array, name: string, layout: RleLayout): Uint8Array | Uint16Array {
  if (frame.length < 64) throw corrupt(name, 'frame shorter than the 64-byte RLE header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const expected = layout.samplesPerPixel * layout.bytesPerSample;
  if (segments !== expected) throw corrupt(name, `${segments} segments where the image needs ${expected}`);
  const offsets: number[] = [];
  for (let s = 0; s < segments; s++) {
    const offset = view.getUint32(4 + 4 * s, true);
    if (offset < 64 || offset > frame.length || (s > 0 && offset < offsets[s - 1])) {
      throw corrupt(name, `segment ${s} offset ${offset} outside the frame`);
    }
    offsets.push(offset);
  }

  const pixels = layout.width * layout.height;
  const spp = layout.samplesPerPixel;
  const out = layout.bytesPerSample === 1 ? new Uint8Array(pixels * spp) : new Uint16Array(pixels * spp);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const end = s + 1 < segments ? offsets[s + 1] : frame.length;
    unpackSegment(frame, offsets[s], end, plane, name, s);
    const sample = Math.floor(s / layout.bytesPerSample);
    const shift = 8 * (layout.bytesPerSample - 1 - (s % layout.bytesPerSample));
    for (let i = 0, j = sample; i < pixels; i++, j += spp) out[j] |= plane[i] << shift;
  }
  return out;
}
