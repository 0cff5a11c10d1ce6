import type { SampleFormat } from './dicom-samples.js';

/** How uncompressed (native) pixel data is laid out in the file. */
export interface NativeLayout extends SampleFormat {
  planarConfiguration: 0 | 1;
  littleEndian: boolean;
  /**
   * 8-bit samples in an OW element under Explicit VR Big Endian: OW is a stream of 16-bit words, so
   * each pair of bytes arrives swapped relative to the sample order.
   */
  swapBytePairs: boolean;
}

/** YBR_FULL_422 stores two luma samples then one Cb and one Cr per pair of pixels. */
function isSubsampled(l: NativeLayout): boolean {
  return l.photometric === 'YBR_FULL_422';
}

export function nativeFrameBytes(l: NativeLayout): number {
  const pixels = l.width * l.height;
  if (isSubsampled(l)) return pixels * 2;
  return pixels * l.samplesPerPixel * (l.bitsAllocated / 8);
}

/**
 * The stored words of one frame, channel-interleaved, from the Pixel Data value. `frameStart` is the
 * frame's offset inside that value; the caller has checked the value holds the whole frame.
 */
export function readNativeFrame(value: Uint8Array, frameStart: number, l: NativeLayout): Uint8Array | Uint16Array {
  const pixels = l.width * l.height;
  const spp = l.samplesPerPixel;
  let words: Uint8Array | Uint16Array;
  if (l.bitsAllocated === 16) {
    const view = new DataView(value.buffer, value.byteOffset + frameStart, pixels * spp * 2);
    words = new Uint16Array(pixels * spp);
    for (let i = 0; i < words.length; i++) words[i] = view.getUint16(2 * i, l.littleEndian);
  } else {
    const count = isSubsampled(l) ? pixels * 2 : pixels * spp;
    words = new Uint8Array(count);
    if (l.swapBytePairs) {
      for (let i = 0; i < count; i++) words[i] = value[(frameStart + i) ^ 1];
    } else {
      words.set(value.subarray(frameStart, frameStart + count));
    }
  }
  if (isSubsampled(l)) return expand422(words as Uint8Array, l.width, l.height);
  if (spp === 3 && l.planarConfiguration === 1) return interleavePlanes(words, pixels);
  return words;
}

function interleavePlanes(planar: Uint8Array | Uint16Array, pixels: number): Uint8Array | Uint16Array {
  const out = planar instanceof Uint16Array ? new Uint16Array(planar.length) : new Uint8Array(planar.length);
  for (let i = 0; i < pixels; i++) {
    out[3 * i] = planar[i];
    out[3 * i + 1] = planar[pixels + i];
    out[3 * i + 2] = planar[2 * pixels + i];
  }
  return out;
}

function expand422(src: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  // Pairs run along the row; the caller guarantees an even width, as the standard requires.
  for (let pair = 0; pair < (width * height) / 2; pair++) {
    const s = 4 * pair;
    const d = 6 * pair;
    const cb = src[s + 2];
    const cr = src[s + 3];
    out[d] = src[s];
    out[d + 1] = cb;
    out[d + 2] = cr;
    out[d + 3] = src[s + 1];
    out[d + 4] = cb;
    out[d + 5] = cr;
  }
  return out;
}
