import { describe, expect, it } from 'vitest';
import { Fft2Plan, fft2Plan } from './fft2.js';

/** Deterministic pseudo-random numbers so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Textbook O(N^2) DFT, sign -1 forward, as the reference. */
function naiveDft2(re: Float64Array, im: Float64Array, w: number, h: number): Float64Array {
  const out = new Float64Array(2 * w * h);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      let sr = 0;
      let si = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const a = -2 * Math.PI * (u * x / w + v * y / h);
          const c = Math.cos(a);
          const s = Math.sin(a);
          const i = y * w + x;
          sr += re[i] * c - im[i] * s;
          si += re[i] * s + im[i] * c;
        }
      }
      out[2 * (v * w + u)] = sr;
      out[2 * (v * w + u) + 1] = si;
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Fft2Plan', () => {
  it('rejects sizes with a prime factor above 5', () => {
    expect(() => new Fft2Plan(14, 8)).toThrow(/prime factor above 5/);
    expect(() => new Fft2Plan(8, 0)).toThrow(/prime factor above 5/);
  });

  it.each([
    [16, 8],
    [15, 12],
    [10, 27],
    [1, 6],
  ])('matches a naive DFT for a non-square complex input of %ix%i', (w, h) => {
    const rnd = lcg(1);
    const re = Float64Array.from({ length: w * h }, rnd);
    const im = Float64Array.from({ length: w * h }, rnd);
    const data = new Float64Array(2 * w * h);
    for (let i = 0; i < w * h; i++) {
      data[2 * i] = re[i];
      data[2 * i + 1] = im[i];
    }
    new Fft2Plan(w, h).forward(data);
    expect(maxAbsDiff(data, naiveDft2(re, im, w, h))).toBeLessThan(1e-9);
  });

  it.each([
    [8, 32],
    [12, 9],
    [25, 6],
    [6, 1],
  ])('forwardReal equals the complex transform of the same real input of %ix%i', (w, h) => {
    const rnd = lcg(2);
    const real = Float32Array.from({ length: w * h }, rnd);
    const spec = new Float64Array(2 * w * h);
    const plan = new Fft2Plan(w, h);
    plan.forwardReal(real, spec);
    const expected = naiveDft2(Float64Array.from(real), new Float64Array(w * h), w, h);
    expect(maxAbsDiff(spec, expected)).toBeLessThan(1e-9);
  });

  it.each([
    [32, 64],
    [360, 270],
  ])('inverse undoes forward at %ix%i', (w, h) => {
    const rnd = lcg(3);
    const orig = Float64Array.from({ length: 2 * w * h }, rnd);
    const data = orig.slice();
    const plan = new Fft2Plan(w, h);
    plan.forward(data);
    expect(maxAbsDiff(data, orig)).toBeGreaterThan(0.1);
    plan.inverse(data);
    expect(maxAbsDiff(data, orig)).toBeLessThan(1e-12);
  });

  it.each([
    [32, 16],
    [45, 36],
  ])('inverseInto with filters, zero-line hints and a region equals a cropped full inverse of the product (%ix%i)', (w, h) => {
    const rnd = lcg(4);
    const plan = new Fft2Plan(w, h);
    const spec = new Float64Array(2 * w * h);
    plan.forwardReal(Float32Array.from({ length: w * h }, rnd), spec);
    const region = { x: 5, y: 3, width: 20, height: 9 };

    // One filter zero on whole columns (favouring columns-first), one zero on whole rows (rows-first).
    const colZero = new Float32Array(w * h);
    const colFlags = new Uint8Array(w);
    const rowZero = new Float64Array(w * h);
    const rowFlags = new Uint8Array(h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x >= 1 && x < w / 2) colZero[y * w + x] = 0.5 + rnd();
        if (y >= 2 && y < 6) rowZero[y * w + x] = 0.5 + rnd();
      }
    }
    for (let x = 1; x < w / 2; x++) colFlags[x] = 1;
    for (let y = 2; y < 6; y++) rowFlags[y] = 1;
    const other = Float32Array.from({ length: w * h }, () => 1 + rnd());

    for (const [filter, hints] of [
      [colZero, { nonzeroCols: colFlags }],
      [rowZero, { nonzeroRows: rowFlags }],
    ] as const) {
      const product = new Float64Array(2 * w * h);
      for (let i = 0; i < w * h; i++) {
        product[2 * i] = spec[2 * i] * filter[i] * other[i];
        product[2 * i + 1] = spec[2 * i + 1] * filter[i] * other[i];
      }
      plan.inverse(product);
      const expected = new Float64Array(2 * region.width * region.height);
      for (let y = 0; y < region.height; y++) {
        for (let x = 0; x < region.width; x++) {
          const src = 2 * ((region.y + y) * w + region.x + x);
          expected[2 * (y * region.width + x)] = product[src];
          expected[2 * (y * region.width + x) + 1] = product[src + 1];
        }
      }
      const out = new Float64Array(2 * region.width * region.height);
      plan.inverseInto(spec, { filter, filter2: other, region, ...hints }, out);
      expect(maxAbsDiff(out, expected)).toBeLessThan(1e-12);
      // The same without hints: hints only skip work, they must not change the answer.
      const outNoHints = new Float64Array(out.length);
      plan.inverseInto(spec, { filter, filter2: other, region }, outNoHints);
      expect(maxAbsDiff(outNoHints, expected)).toBeLessThan(1e-12);
      // Strided Float32 output: values land at offset + i·stride and nowhere else.
      const stride = 6;
      const strided = new Float32Array(stride * region.width * region.height).fill(-7);
      plan.inverseInto(spec, { filter, filter2: other, region, ...hints, outOffset: 2, outStride: stride }, strided);
      for (let i = 0; i < region.width * region.height; i++) {
        expect(strided[i * stride + 2]).toBeCloseTo(expected[2 * i], 5);
        expect(strided[i * stride + 3]).toBeCloseTo(expected[2 * i + 1], 5);
        expect(strided[i * stride]).toBe(-7);
        expect(strided[i * stride + 5]).toBe(-7);
      }
      // Repeated calls with the same hints skip re-zeroing the lines they leave out: still the same answer.
      const again = new Float64Array(out.length);
      plan.inverseInto(spec, { filter, filter2: other, region, ...hints }, again);
      expect(maxAbsDiff(again, expected)).toBeLessThan(1e-12);
    }
  });

  it('rejects a region outside the transform', () => {
    const plan = new Fft2Plan(8, 8);
    const region = { x: 4, y: 0, width: 5, height: 2 };
    expect(() => plan.inverseInto(new Float64Array(128), { region }, new Float64Array(20))).toThrow(/outside/);
  });

  it('fft2Plan returns the same plan for the same size', () => {
    expect(fft2Plan(64, 32)).toBe(fft2Plan(64, 32));
    expect(fft2Plan(64, 32)).not.toBe(fft2Plan(32, 64));
  });
});
