import { describe, expect, it } from 'vitest';
import { isFiveSmooth, MixedRadixFft, nextFiveSmooth } from './fft-mixed-radix.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Textbook O(n^2) DFT of interleaved complex data; sign -1 forward, +1 (unscaled) inverse. */
function directDft(x: Float64Array, n: number, sign: number): Float64Array {
  // Angles from an exact integer index (j·k mod n) so the reference itself carries no phase drift.
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    cos[t] = Math.cos((2 * Math.PI * t) / n);
    sin[t] = sign * Math.sin((2 * Math.PI * t) / n);
  }
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const t = (j * k) % n;
      const xr = x[2 * j];
      const xi = x[2 * j + 1];
      sr += xr * cos[t] - xi * sin[t];
      si += xr * sin[t] + xi * cos[t];
    }
    out[2 * k] = sr;
    out[2 * k + 1] = si;
  }
  return out;
}

/** max |a - b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

const SMOOTH_UP_TO_1000 = Array.from({ length: 1000 }, (_, i) => i + 1).filter(isFiveSmooth);

describe('isFiveSmooth / nextFiveSmooth', () => {
  it('recognise products of 2, 3 and 5 only', () => {
    expect([1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 600, 864, 1024].every(isFiveSmooth)).toBe(true);
    expect([0, -4, 1.5, 7, 11, 14, 49, 856, 1023].some(isFiveSmooth)).toBe(false);
    // 86 such integers up to 1000 (OEIS A051037).
    expect(SMOOTH_UP_TO_1000).toHaveLength(86);
  });

  it('round up to the next 5-smooth integer', () => {
    expect([0, 1, 7, 11, 13, 596, 856, 1025].map(nextFiveSmooth)).toEqual([1, 1, 8, 12, 15, 600, 864, 1080]);
  });
});

describe('MixedRadixFft', () => {
  it('rejects lengths with a prime factor above 5', () => {
    expect(() => new MixedRadixFft(14)).toThrow(/prime factor above 5/);
    expect(() => new MixedRadixFft(0)).toThrow(/positive integer/);
  });

  it('matches a direct DFT, forward and inverse, for every 5-smooth length up to 1000', () => {
    const rnd = lcg(7);
    let worstForward = 0;
    let worstInverse = 0;
    for (const n of SMOOTH_UP_TO_1000) {
      const x = Float64Array.from({ length: 2 * n }, rnd);
      const fft = new MixedRadixFft(n);
      const X = new Float64Array(2 * n);
      fft.forward(x, X);
      worstForward = Math.max(worstForward, relativeError(X, directDft(x, n, -1)));
      const back = new Float64Array(2 * n);
      fft.inverse(x, back);
      const expected = directDft(x, n, 1).map((v) => v / n);
      worstInverse = Math.max(worstInverse, relativeError(back, expected));
    }
    expect(worstForward).toBeLessThan(1e-12);
    expect(worstInverse).toBeLessThan(1e-12);
  });

  it('is exact on a single frequency (the transform is not merely self-consistent)', () => {
    const n = 360;
    const f = 17;
    const x = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      x[2 * j] = Math.cos((2 * Math.PI * f * j) / n);
      x[2 * j + 1] = Math.sin((2 * Math.PI * f * j) / n);
    }
    const X = new Float64Array(2 * n);
    new MixedRadixFft(n).forward(x, X);
    for (let k = 0; k < n; k++) {
      expect(X[2 * k]).toBeCloseTo(k === f ? n : 0, 9);
      expect(X[2 * k + 1]).toBeCloseTo(0, 9);
    }
  });

  it('inverse undoes forward for large lengths', () => {
    const rnd = lcg(8);
    for (const n of [1024, 1080, 1125, 2000, 2187, 3125]) {
      const x = Float64Array.from({ length: 2 * n }, rnd);
      const fft = new MixedRadixFft(n);
      const X = new Float64Array(2 * n);
      fft.forward(x, X);
      const back = new Float64Array(2 * n);
      fft.inverse(X, back);
      expect(relativeError(back, x)).toBeLessThan(1e-13);
    }
  });

  it('transforms a batch of interleaved signals as separate transforms, at offsets, leaving the source alone', () => {
    const rnd = lcg(9);
    for (const n of [1, 6, 40, 45, 64]) {
      const batch = 3;
      const src = Float64Array.from({ length: 2 * n * batch + 10 }, rnd);
      const before = src.slice();
      const dst = new Float64Array(2 * n * batch + 4).fill(123);
      new MixedRadixFft(n).forward(src, dst, batch, 10, 4);
      expect(src).toEqual(before);
      expect(Array.from(dst.subarray(0, 4))).toEqual([123, 123, 123, 123]);
      for (let b = 0; b < batch; b++) {
        const one = new Float64Array(2 * n);
        for (let e = 0; e < n; e++) {
          one[2 * e] = src[10 + 2 * (e * batch + b)];
          one[2 * e + 1] = src[10 + 2 * (e * batch + b) + 1];
        }
        const ref = directDft(one, n, -1);
        const got = new Float64Array(2 * n);
        for (let e = 0; e < n; e++) {
          got[2 * e] = dst[4 + 2 * (e * batch + b)];
          got[2 * e + 1] = dst[4 + 2 * (e * batch + b) + 1];
        }
        expect(relativeError(got, ref)).toBeLessThan(1e-12);
      }
    }
  });

  it('works in place, with odd and even numbers of stages', () => {
    const rnd = lcg(10);
    // Stages: 8 = 8 and 5 = 5 (one), 12 = 4·3 (two), 60 = 4·3·5 (three), 1 (none).
    for (const n of [1, 5, 8, 12, 60]) {
      const x = Float64Array.from({ length: 2 * n }, rnd);
      const ref = directDft(x, n, -1);
      const fft = new MixedRadixFft(n);
      fft.forward(x, x);
      expect(relativeError(x, ref)).toBeLessThan(1e-12);
      fft.inverse(x, x);
      expect(relativeError(x, directDft(ref, n, 1).map((v) => v / n))).toBeLessThan(1e-12);
    }
  });

  it('refuses buffers too short for the batch', () => {
    const fft = new MixedRadixFft(8);
    expect(() => fft.forward(new Float64Array(16), new Float64Array(16), 2)).toThrow(/does not fit/);
    expect(() => fft.forward(new Float64Array(16), new Float64Array(16), 1, 2)).toThrow(/does not fit/);
  });
});
