import { describe, expect, it } from 'vitest';
import { acquire, logCompress, type AcousticSettings, type EchoSources } from './acoustics.js';
import { linearFov } from './geometry.js';
import { createRng } from './rng.js';
import { RAYLEIGH_MEAN_OVER_STD, blockStats } from './speckle.js';

// 200 beams × 240 samples over 10 cm: simple numbers for checking the physics.
const fov = linearFov({ width: 240, height: 250, left: 20, right: 219, top: 5, depthPx: 239, beams: 200, depthCm: 10 });
const n = fov.beams * fov.samples;

const base: AcousticSettings = {
  frequencyMHz: 3,
  tgc: 0,
  tgcAttenuation: 0.5,
  gainDb: 0,
  dynamicRangeDb: 60,
  noiseDb: -200,
  focus: 0.5,
  lateralPx: 1.5,
  axialPx: 0.8,
};

function medium(alpha: number): EchoSources {
  return { diffuse: new Float32Array(n).fill(1), specular: new Float32Array(n), alpha: new Float32Array(n).fill(alpha) };
}

/** Mean envelope over beams [b0, b1) and samples [s0, s1). */
function mean(env: Float32Array, b0: number, b1: number, s0: number, s1: number): number {
  return blockStats(env, fov.beams, b0, s0, b1 - b0, s1 - s0).mean;
}

function depthSample(cm: number): number {
  return Math.round((cm / fov.depthCm) * (fov.samples - 1));
}

describe('echo formation', () => {
  it('produces Rayleigh speckle in a homogeneous, non-attenuating medium', () => {
    const env = acquire(fov, medium(0), base, createRng(1).nextU32);
    const { mean: m, std } = blockStats(env, fov.beams, 20, 20, 160, 200);
    expect(Math.abs(m / std - RAYLEIGH_MEAN_OVER_STD) / RAYLEIGH_MEAN_OVER_STD).toBeLessThan(0.1);
    expect(m).toBeCloseTo(Math.sqrt(Math.PI) / 2, 1);
  });

  it('attenuates with depth at 2·alpha·f dB/cm without TGC', () => {
    const alpha = 0.5;
    const env = acquire(fov, medium(alpha), base, createRng(2).nextU32);
    const s2 = depthSample(2);
    const s7 = depthSample(7);
    const shallow = mean(env, 10, 190, s2 - 5, s2 + 5);
    const deep = mean(env, 10, 190, s7 - 5, s7 + 5);
    expect(deep).toBeLessThan(shallow);
    const measuredDb = 20 * Math.log10(shallow / deep);
    const expectedDb = 2 * alpha * base.frequencyMHz * 5; // 15 dB over 5 cm
    expect(measuredDb).toBeGreaterThan(expectedDb - 1.5);
    expect(measuredDb).toBeLessThan(expectedDb + 1.5);
  });

  it('undoes the assumed attenuation with full TGC and leaves part of it with partial TGC', () => {
    const flat = acquire(fov, medium(0.5), { ...base, tgc: 1 }, createRng(3).nextU32);
    const s2 = depthSample(2);
    const s8 = depthSample(8);
    const ratioFull = mean(flat, 10, 190, s8 - 5, s8 + 5) / mean(flat, 10, 190, s2 - 5, s2 + 5);
    expect(ratioFull).toBeGreaterThan(0.85);
    expect(ratioFull).toBeLessThan(1.15);
    const partial = acquire(fov, medium(0.5), { ...base, tgc: 0.8 }, createRng(3).nextU32);
    const residualDb = 20 * Math.log10(mean(partial, 10, 190, s2 - 5, s2 + 5) / mean(partial, 10, 190, s8 - 5, s8 + 5));
    expect(residualDb).toBeGreaterThan(0.2 * 2 * 0.5 * 3 * 6 - 1.5); // 20 % of 18 dB
    expect(residualDb).toBeLessThan(0.2 * 2 * 0.5 * 3 * 6 + 1.5);
  });

  it('casts an acoustic shadow behind a strong attenuator and enhances behind fluid', () => {
    const src = medium(0.5);
    const s3 = depthSample(3);
    for (let s = s3; s < s3 + 40; s++) {
      for (let b = 40; b < 70; b++) src.alpha[s * fov.beams + b] = 15; // bone-like
      for (let b = 130; b < 160; b++) src.alpha[s * fov.beams + b] = 0.01; // fluid-like
    }
    const env = acquire(fov, src, { ...base, tgc: 0.9 }, createRng(4).nextU32);
    const s6 = depthSample(6.5);
    const shadow = mean(env, 45, 65, s6 - 10, s6 + 10);
    const beside = mean(env, 85, 115, s6 - 10, s6 + 10);
    const enhanced = mean(env, 135, 155, s6 - 10, s6 + 10);
    expect(shadow).toBeLessThan(beside * 0.05);
    // 1.7 cm of fluid instead of tissue spares about 5 dB of round-trip loss.
    expect(enhanced).toBeGreaterThan(beside * 1.4);
    // Above the attenuators the three columns look alike.
    const above = [mean(env, 45, 65, 20, 40), mean(env, 85, 115, 20, 40), mean(env, 135, 155, 20, 40)];
    expect(Math.max(...above) / Math.min(...above)).toBeLessThan(1.25);
  });

  it('adds receiver noise at its level, amplified by TGC like the echoes', () => {
    const src = medium(0.5);
    src.diffuse.fill(0);
    const settings = { ...base, tgc: 0.9, noiseDb: -40 };
    const env = acquire(fov, src, settings, createRng(5).nextU32);
    const unit = Math.sqrt(Math.PI) / 2;
    const near = mean(env, 10, 190, 3, 13); // ~0.5 cm: TGC adds under 1 dB there
    expect(Math.abs(20 * Math.log10(near / unit) - -40)).toBeLessThan(1.2);
    const last = fov.samples - 1;
    const far = mean(env, 10, 190, last - 3, last + 1);
    const tgcDb = 2 * settings.tgc * settings.tgcAttenuation * settings.frequencyMHz * fov.depthCm;
    expect(Math.abs(20 * Math.log10(far / unit) - (-40 + tgcDb))).toBeLessThan(1);
  });

  it('adds coherent specular echoes on top of speckle', () => {
    const src = medium(0);
    const s = depthSample(5);
    for (let b = 0; b < fov.beams; b++) src.specular[s * fov.beams + b] = 1;
    const env = acquire(fov, src, base, createRng(6).nextU32);
    // A specular line sums coherently across the lateral PSF, unlike the random scatterers.
    expect(mean(env, 10, 190, s, s + 1)).toBeGreaterThan(2 * mean(env, 10, 190, s - 20, s - 10));
  });
});

describe('log compression', () => {
  it('maps unit-echogenicity tissue to mid-gray and the dynamic range to 0-255', () => {
    const unit = Math.sqrt(Math.PI) / 2;
    const dr = 50;
    const top = unit * 10 ** ((0.55 * dr) / 20);
    const floor = top * 10 ** (-dr / 20);
    const out = logCompress(Float32Array.from([unit, top, floor, floor / 10, top * 10, 0, unit * 10 ** (-10 / 20)]), dr);
    expect(out[0]).toBeCloseTo(0.45 * 255, 3);
    expect(out[1]).toBeCloseTo(255, 3);
    expect(out[2]).toBeCloseTo(0, 3);
    expect(out[3]).toBe(0);
    expect(out[4]).toBe(255);
    expect(out[5]).toBe(0);
    // 10 dB below tissue is 10/50 of the range darker.
    expect(out[0] - out[6]).toBeCloseTo(51, 3);
  });
});
