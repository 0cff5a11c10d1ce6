import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSonoError } from '../errors.js';
import { nchwToNhwc, preprocess, type GrayImage } from './preprocess.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A deterministic image with structure in both directions. */
function testImage(width: number, height: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x * 7 + y * 13 + ((x * y) % 11)) % 256;
  return { width, height, data };
}

describe('preprocess', () => {
  it('at scale 1 reproduces the pixels, scaled to [-1, 1], in three identical planes', () => {
    const img = testImage(6, 4);
    const out = preprocess(img, { x: 0, y: 0, w: 6, h: 4 }, [4, 6]);
    expect(out).toHaveLength(3 * 24);
    for (let i = 0; i < 24; i++) {
      expect(out[i]).toBeCloseTo(img.data[i] / 127.5 - 1, 6);
      expect(out[24 + i]).toBe(out[i]);
      expect(out[48 + i]).toBe(out[i]);
    }
    expect(preprocess({ width: 1, height: 1, data: Uint8Array.of(0) }, { x: 0, y: 0, w: 1, h: 1 }, 1)[0]).toBe(-1);
    expect(preprocess({ width: 1, height: 1, data: Uint8Array.of(255) }, { x: 0, y: 0, w: 1, h: 1 }, 1)[0]).toBe(1);
  });

  function tfResize(img: GrayImage, box: { x: number; y: number; w: number; h: number }, size: readonly [number, number]) {
    return tf.tidy(() => {
      const full = tf.tensor3d(Float32Array.from(img.data), [img.height, img.width, 1]);
      const crop = tf.slice(full, [box.y, box.x, 0], [box.h, box.w, 1]);
      const resized = tf.image.resizeBilinear(crop, [size[0], size[1]], false, true);
      return tf.sub(tf.div(resized, 127.5), 1).dataSync() as Float32Array;
    });
  }

  it('matches tf.image.resizeBilinear (half-pixel centres) on the whole image, down and up', () => {
    const img = testImage(40, 30);
    for (const size of [[8, 11], [45, 64]] as const) {
      const ours = preprocess(img, { x: 0, y: 0, w: 40, h: 30 }, size).subarray(0, size[0] * size[1]);
      expect(maxDiff(ours, tfResize(img, { x: 0, y: 0, w: 40, h: 30 }, size))).toBeLessThan(1e-5);
    }
  });

  it('matches resizing the cropped pixels when shrinking a box', () => {
    const img = testImage(40, 30);
    const box = { x: 5, y: 3, w: 27, h: 19 };
    const ours = preprocess(img, box, [8, 11]).subarray(0, 88);
    expect(maxDiff(ours, tfResize(img, box, [8, 11]))).toBeLessThan(1e-5);
  });

  it('when enlarging a box, samples near its edge blend in the pixels just outside it', () => {
    // Row [0 10 20 30 40 50], box = pixels 2..3 resized to 4: samples at 1.75, 2.25, 2.75, 3.25.
    const img = { width: 6, height: 1, data: Uint8Array.from([0, 10, 20, 30, 40, 50]) };
    const out = preprocess(img, { x: 2, y: 0, w: 2, h: 1 }, [1, 4]).subarray(0, 4);
    expect(Array.from(out, (v) => Math.round((v + 1) * 127.5 * 100) / 100)).toEqual([17.5, 22.5, 27.5, 32.5]);
  });

  it('repeats edge pixels where the box runs past the image', () => {
    const img = testImage(10, 10);
    // Box 10 px wide starting at x = -10: every sample is left of the image, so column 0 is repeated.
    const out = preprocess(img, { x: -10, y: 0, w: 10, h: 10 }, [10, 10]);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) expect(out[y * 10 + x]).toBeCloseTo(img.data[y * 10] / 127.5 - 1, 6);
  });

  it('writes into a batch buffer at an offset', () => {
    const img = testImage(8, 8);
    const batch = new Float32Array(2 * 3 * 16).fill(NaN);
    preprocess(img, { x: 0, y: 0, w: 8, h: 8 }, 4, batch, 3 * 16);
    expect(batch.subarray(0, 48).every(Number.isNaN)).toBe(true);
    expect(Array.from(batch.subarray(48))).toEqual(Array.from(preprocess(img, { x: 0, y: 0, w: 8, h: 8 }, 4)));
  });

  it('rejects inconsistent input', () => {
    const img = testImage(4, 4);
    const bad = [
      () => preprocess({ ...img, width: 5 }, { x: 0, y: 0, w: 2, h: 2 }, 2),
      () => preprocess(img, { x: 0, y: 0, w: 0, h: 2 }, 2),
      () => preprocess(img, { x: 0, y: 0, w: 2, h: 2 }, 2, new Float32Array(10)),
    ];
    for (const f of bad) {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isSonoError(error) && error.code).toBe('BAD_INPUT');
    }
  });
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

describe('nchwToNhwc', () => {
  it('interleaves planes', () => {
    // n=1, c=2, h=1, w=3: planes [0,1,2] and [10,11,12].
    expect(Array.from(nchwToNhwc(Float32Array.from([0, 1, 2, 10, 11, 12]), 1, 2, 1, 3))).toEqual([0, 10, 1, 11, 2, 12]);
  });
});
