import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { RAYLEIGH_MEAN_OVER_STD, applyPsf, blockStats, complexGaussian, energyKernel, envelope, homogeneousSpeckle } from './speckle.js';

/** Correlation between horizontally (dx) or vertically (dy) adjacent samples. */
function neighbourCorrelation(v: Float32Array, nx: number, ny: number, dx: number, dy: number): number {
  let s = 0;
  let s2 = 0;
  let sxy = 0;
  let n = 0;
  for (let y = 8; y < ny - 8; y++) {
    for (let x = 8; x < nx - 8; x++) {
      const a = v[y * nx + x];
      const b = v[(y + dy) * nx + x + dx];
      s += a;
      s2 += a * a;
      sxy += a * b;
      n++;
    }
  }
  const mean = s / n;
  return (sxy / n - mean * mean) / (s2 / n - mean * mean);
}

describe('speckle', () => {
  it('uses the Rayleigh mean/std ratio sqrt(pi / (4 - pi))', () => {
    expect(RAYLEIGH_MEAN_OVER_STD).toBeCloseTo(1.913, 3);
  });

  it('builds unit-energy kernels', () => {
    for (const sigma of [0.5, 1, 2.7]) {
      const k = energyKernel(sigma);
      expect(k.reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 6);
      expect(k.length % 2).toBe(1);
      expect(k[(k.length - 1) / 2]).toBe(Math.max(...k));
    }
  });

  it('gives circular complex Gaussian scatterers of unit power', () => {
    const { re, im } = complexGaussian(createRng(5).nextU32, 40000);
    let p = 0;
    for (let i = 0; i < re.length; i++) p += re[i] * re[i] + im[i] * im[i];
    expect(p / re.length).toBeCloseTo(1, 1);
  });

  it('follows Rayleigh statistics in a homogeneous region before log compression', () => {
    for (const [lat, ax] of [
      [1.8, 0.8],
      [3, 1.2],
    ]) {
      const env = homogeneousSpeckle(createRng(17, lat).nextU32, 200, 200, lat, ax);
      // Away from the edges, where the truncated kernel would bias the statistics.
      const { mean, std } = blockStats(env, 200, 20, 20, 160, 160);
      const ratio = mean / std;
      expect(Math.abs(ratio - RAYLEIGH_MEAN_OVER_STD) / RAYLEIGH_MEAN_OVER_STD).toBeLessThan(0.1);
      // Energy-normalised PSF keeps the mean power: E[A^2] = 1, so mean ≈ sqrt(pi)/2.
      expect(mean).toBeCloseTo(Math.sqrt(Math.PI) / 2, 1);
    }
  });

  it('is not Rayleigh when a coherent (specular) component dominates', () => {
    // Guards the statistic above against passing for any positive noise.
    const nx = 120;
    const { re, im } = complexGaussian(createRng(2).nextU32, nx * nx);
    for (let i = 0; i < re.length; i++) re[i] += 3;
    const env = envelope(re, im);
    const { mean, std } = blockStats(env, nx, 0, 0, nx, nx);
    expect(mean / std).toBeGreaterThan(RAYLEIGH_MEAN_OVER_STD * 1.5);
  });

  it('correlates neighbours according to the PSF: wider laterally than axially', () => {
    const nx = 160;
    const white = homogeneousSpeckle(createRng(8).nextU32, nx, nx, 0.3, 0.3);
    expect(Math.abs(neighbourCorrelation(white, nx, nx, 1, 0))).toBeLessThan(0.1);
    const grainy = homogeneousSpeckle(createRng(8).nextU32, nx, nx, 2.5, 0.8);
    const lateral = neighbourCorrelation(grainy, nx, nx, 1, 0);
    const axial = neighbourCorrelation(grainy, nx, nx, 0, 1);
    expect(lateral).toBeGreaterThan(0.7);
    expect(axial).toBeGreaterThan(0.2);
    expect(lateral).toBeGreaterThan(axial + 0.2);
  });

  it('lets the lateral PSF vary with depth', () => {
    const nx = 120;
    const ny = 120;
    const { re, im } = complexGaussian(createRng(4).nextU32, nx * ny);
    applyPsf(re, im, nx, ny, (row) => (row < ny / 2 ? 0.4 : 3), 0.5);
    const env = envelope(re, im);
    const top = neighbourCorrelation(env.subarray(0, (nx * ny) / 2), nx, ny / 2, 1, 0);
    const bottom = neighbourCorrelation(env.subarray((nx * ny) / 2), nx, ny / 2, 1, 0);
    expect(bottom).toBeGreaterThan(top + 0.4);
  });
});
