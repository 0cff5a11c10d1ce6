import { describe, expect, it } from 'vitest';
import { FRANGI_DEFAULTS, frangi, frangiAtScale, frangiSigmas } from './frangi.js';
import { fromFunction, noisyVessels, pureNoise, verticalBand } from '../../../test/fixtures/analysis/synthetic-images.js';
import { argmax, maxAbsDiff, mean } from '../../../test/fixtures/analysis/stats.js';

const BRIGHT = { blackRidges: false } as const;

/** Standard normal density. */
function phi(t: number): number {
  return Math.exp(-(t * t) / 2) / Math.sqrt(2 * Math.PI);
}

describe('FRANGI_DEFAULTS and frangiSigmas', () => {
  it('match skimage.filters.frangi in scikit-image 0.19', () => {
    expect(FRANGI_DEFAULTS).toEqual({
      sigmaMin: 1,
      sigmaMax: 10,
      sigmaStep: 2,
      alpha: 0.5,
      beta: 0.5,
      gamma: 15,
      blackRidges: true,
    });
    expect(frangiSigmas()).toEqual([1, 3, 5, 7, 9]);
  });

  it('stop before sigmaMax like range(), and honour an explicit list', () => {
    expect(frangiSigmas({ sigmaMin: 1, sigmaMax: 3, sigmaStep: 0.5 })).toEqual([1, 1.5, 2, 2.5]);
    expect(frangiSigmas({ sigmaMin: 2, sigmaMax: 2.1, sigmaStep: 1 })).toEqual([2]);
    expect(frangiSigmas({ sigmas: [4, 2] })).toEqual([4, 2]);
    expect(() => frangiSigmas({ sigmaMin: 3, sigmaMax: 3 })).toThrow(/no scales/);
    expect(() => frangiSigmas({ sigmas: [1, 0] })).toThrow(/positive/);
    expect(() => frangiSigmas({ sigmaStep: 0 })).toThrow(/sigmaStep/);
  });
});

describe('frangi on a bright bar', () => {
  it('responds most at the bar centre', () => {
    const W = 96;
    const img = verticalBand(W, 32, 40, 7, 0.8, 0.2);
    const v = frangi(img, BRIGHT);
    for (const y of [0, 16, 31]) expect(argmax(v.subarray(y * W, (y + 1) * W))).toBe(43);
    expect(v[16 * W + 43]).toBeGreaterThan(0);
    // Flat background far from the bar has no curvature at all.
    expect(v[16 * W + 5]).toBe(0);
  });

  it('is strongest at σ = w/2 for a bar of width w', () => {
    // For a box profile of half-width a, σ²·∂²(G_σ * box) at the centre is -2(a/σ)·φ(a/σ), largest at
    // σ = a = w/2. (w/(2√3), the σ of a Gaussian with the box's variance, is the best matched smoothing,
    // not the peak of the σ²-normalised second derivative that Frangi's scale selection uses.)
    const sigmas = Array.from({ length: 24 }, (_, i) => 0.5 * (i + 1));
    for (const w of [5, 6, 10, 16]) {
      const img = verticalBand(96, 24, 40, w, 0.8, 0.2);
      const centre = 12 * 96 + 40 + Math.floor(w / 2);
      const response = sigmas.map((s) => frangiAtScale(img, s, BRIGHT)[centre]);
      expect(sigmas[argmax(response)]).toBeCloseTo(w / 2, 5);
    }
  });

  it('gives scale-normalised responses close to the analytic peak for bars of different widths', () => {
    // With γ = 15 the structure term is in its linear regime: V ≈ S² / (2γ²), S = contrast · 2φ(1).
    const expected = (0.6 * 2 * phi(1)) ** 2 / (2 * 15 * 15);
    for (const w of [10, 16]) {
      const img = verticalBand(128, 24, 50, w, 0.8, 0.2);
      const peak = frangiAtScale(img, w / 2, BRIGHT)[12 * 128 + 50 + w / 2];
      expect(peak / expected).toBeGreaterThan(0.9);
      expect(peak / expected).toBeLessThan(1.05);
    }
  });

  it('sees a diagonal bar about as strongly as a vertical one (the cross derivative is used)', () => {
    const diag = fromFunction(96, 96, (x, y) => (Math.abs(x - y) / Math.SQRT2 <= 3 ? 0.8 : 0.2));
    const vert = verticalBand(96, 96, 45, 6, 0.8, 0.2);
    const d = frangi(diag, BRIGHT)[48 * 96 + 48];
    const v = frangi(vert, BRIGHT)[48 * 96 + 47];
    expect(d / v).toBeGreaterThan(0.8);
    expect(d / v).toBeLessThan(1.25);
  });

  it('with gamma null reaches 1 - e^-2 where the Hessian norm is largest', () => {
    // γ = max(S)/2 makes the structure term 1 - exp(-S²/(2γ²)) = 1 - e^-2 at the maximum, and a long
    // bar's centre has λ1 ≈ 0, so the blob term is 1 there.
    const v = frangiAtScale(verticalBand(96, 32, 40, 6, 0.8, 0.2), 3, { ...BRIGHT, gamma: null });
    expect(Math.max(...v)).toBeCloseTo(1 - Math.exp(-2), 4);
    expect(argmax(v) % 96).toBeGreaterThanOrEqual(42);
    expect(argmax(v) % 96).toBeLessThanOrEqual(43);
  });
});

describe('frangi ridge polarity', () => {
  const W = 96;
  const bright = verticalBand(W, 24, 44, 8, 0.8, 0.2);
  const dark = verticalBand(W, 24, 44, 8, 0.2, 0.8);
  const centre = 12 * W + 48;

  it('dark-ridge mode (the default) responds to a dark bar and not to a bright one', () => {
    expect(frangi(dark)[centre]).toBeGreaterThan(1e-4);
    expect(frangi(bright)[centre]).toBe(0);
  });

  it('bright-ridge mode responds to a bright bar and not to a dark one', () => {
    expect(frangi(bright, BRIGHT)[centre]).toBeGreaterThan(1e-4);
    expect(frangi(dark, BRIGHT)[centre]).toBe(0);
  });

  it('dark mode on an image equals bright mode on its negative', () => {
    const img = noisyVessels(64, 4);
    const negative = { ...img, data: img.data.map((v) => 1 - v) };
    expect(maxAbsDiff(frangi(img), frangi(negative, BRIGHT))).toBeLessThan(1e-9);
  });
});

describe('frangi on noise and flat images', () => {
  it('is low on pure noise compared with a bar of moderate contrast', () => {
    const noise = frangi(pureNoise(96, 96, 3, 0.5, 0.05), BRIGHT);
    const bar = frangi(verticalBand(96, 96, 44, 8, 0.7, 0.3), BRIGHT);
    expect(mean(noise)).toBeLessThan(0.01 * Math.max(...bar));
    expect(Math.max(...noise)).toBeLessThan(0.2 * Math.max(...bar));
  });

  it('is 0 on a constant image and ignores an intensity offset', () => {
    expect(Math.max(...frangi(fromFunction(32, 32, () => 0.7)))).toBe(0);
    const img = noisyVessels(64, 1);
    const shifted = { ...img, data: img.data.map((v) => v + 0.25) };
    expect(maxAbsDiff(frangi(img, BRIGHT), frangi(shifted, BRIGHT))).toBeLessThan(1e-9);
  });

  it('stays in [0, 1]', () => {
    for (const v of frangi(noisyVessels(64, 2), { ...BRIGHT, gamma: null })) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('frangi input checks', () => {
  it('rejects bad parameters and images', () => {
    const img = pureNoise(8, 8, 1);
    expect(() => frangi(img, { beta: 0 })).toThrow(/beta/);
    expect(() => frangi(img, { gamma: -1 })).toThrow(/gamma/);
    expect(() => frangiAtScale(img, 0)).toThrow(/positive/);
    expect(() => frangi({ width: 1, height: 8, data: new Float32Array(8) })).toThrow(/2x2/);
  });
});
