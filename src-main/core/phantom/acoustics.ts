/**
 * Echo formation along the beams: scatterers weighted by tissue echogenicity, round-trip
 * attenuation accumulated through whatever lies in front (so bone and stones cast
 * shadows and fluid gives posterior enhancement), receiver noise, the point-spread
 * function, partial time-gain compensation and log compression to 8 bits.
 */
import type { FieldOfView } from './geometry.js';
import type { Rng } from './rng.js';
import { applyPsf, complexGaussian, envelope } from './speckle.js';

export interface AcousticSettings {
  frequencyMHz: number;
  /** Fraction of the nominal soft-tissue attenuation undone by time-gain compensation (0 = none). */
  tgc: number;
  /** Attenuation (dB / cm / MHz) the TGC curve assumes. */
  tgcAttenuation: number;
  /** Overall receive gain in dB. */
  gainDb: number;
  /** Displayed dynamic range in dB. */
  dynamicRangeDb: number;
  /** Receiver noise in dB relative to the echo of unit-echogenicity tissue at the probe face. */
  noiseDb: number;
  /** Transmit focus as a depth fraction. */
  focus: number;
  /** Lateral and axial PSF standard deviations at the focus, in pixels. */
  lateralPx: number;
  axialPx: number;
}

export function sampleAcoustics(rng: Rng, fov: FieldOfView): AcousticSettings {
  const sector = fov.kind === 'sector';
  const frequencyMHz = sector ? rng.uniform(2.5, 4) : rng.uniform(5, 9);
  const tgc = rng.uniform(0.8, 0.92);
  const tgcAttenuation = 0.55;
  // Receiver noise is chosen to sit 20-30 dB below tissue at the far edge once this TGC is
  // applied, where a sonographer's gain setting would keep it. It is fixed at the receiver
  // input, so overriding the TGC afterwards moves it together with the echoes.
  const farGainDb = 2 * tgc * tgcAttenuation * frequencyMHz * fov.depthCm;
  return {
    frequencyMHz,
    tgc,
    tgcAttenuation,
    gainDb: rng.uniform(-2, 3),
    dynamicRangeDb: rng.uniform(50, 60),
    noiseDb: rng.uniform(-30, -20) - farGainDb,
    focus: rng.uniform(0.4, 0.65),
    lateralPx: sector ? rng.uniform(1.5, 2.0) : rng.uniform(1.4, 1.8),
    axialPx: sector ? rng.uniform(0.7, 0.9) : rng.uniform(0.7, 0.85),
  };
}

/** What the beams meet, on the depth-major acquisition grid (index s * beams + b). */
export interface EchoSources {
  /** Amplitude of the random (diffuse) scatterers. */
  diffuse: Float32Array;
  /** Amplitude of coherent (specular) reflection. */
  specular: Float32Array;
  /** Attenuation in dB / cm / MHz. */
  alpha: Float32Array;
}

const DB_TO_NEPER_AMPLITUDE = Math.LN10 / 20;

/**
 * Simulate the envelope on the acquisition grid (depth-major, index s * beams + b),
 * after TGC and before log compression.
 */
export function acquire(fov: FieldOfView, src: EchoSources, settings: AcousticSettings, nextU32: () => number): Float32Array {
  const { beams, samples } = fov;
  const { re, im } = complexGaussian(nextU32, beams * samples);
  const dzCm = fov.depthCm / (samples - 1);
  const f = settings.frequencyMHz;
  const noise = 10 ** (settings.noiseDb / 20);
  const noise2 = noise * noise;
  // Round-trip amplitude factor down to the top of the current cell, per beam. Tissue is
  // piecewise uniform along a beam, so the per-cell factor is cached while alpha repeats.
  const path = new Float64Array(beams).fill(1);
  const lastAlpha = new Float64Array(beams).fill(-1);
  const cellFull = new Float64Array(beams);
  const cellHalf = new Float64Array(beams);
  for (let s = 0; s < samples; s++) {
    for (let b = 0; b < beams; b++) {
      const i = s * beams + b;
      const alpha = src.alpha[i];
      if (alpha !== lastAlpha[b]) {
        lastAlpha[b] = alpha;
        cellFull[b] = Math.exp(-2 * alpha * f * dzCm * DB_TO_NEPER_AMPLITUDE);
        cellHalf[b] = Math.sqrt(cellFull[b]);
      }
      // The echo from this sample is attenuated by the path in front of it plus half its own cell.
      const att = path[b] * cellHalf[b];
      path[b] *= cellFull[b];
      // Receiver noise is an independent circular Gaussian; summed with the scatterers it only
      // changes the variance, so one draw serves both.
      const a = src.diffuse[i] * att;
      const scale = Math.sqrt(a * a + noise2);
      re[i] = re[i] * scale + src.specular[i] * att;
      im[i] = im[i] * scale;
    }
  }
  const lateral = (s: number): number => {
    const z = (s / (samples - 1) - settings.focus) / 0.3;
    return (settings.lateralPx * Math.sqrt(1 + z * z)) / fov.beamSpacingPx(s);
  };
  applyPsf(re, im, beams, samples, lateral, settings.axialPx / fov.pxPerSample);
  const env = envelope(re, im);
  for (let s = 0; s < samples; s++) {
    const depthCm = s * dzCm;
    const gainDb = 2 * settings.tgc * settings.tgcAttenuation * f * depthCm + settings.gainDb;
    const g = Math.exp(gainDb * DB_TO_NEPER_AMPLITUDE);
    for (let b = 0; b < beams; b++) env[s * beams + b] *= g;
  }
  return env;
}

/** Mean Rayleigh envelope of unit-power speckle: the echo level of unit-echogenicity tissue. */
const UNIT_TISSUE_ENVELOPE = Math.sqrt(Math.PI) / 2;
/** Where unit-echogenicity tissue sits in the displayed range (0 = black, 1 = white). */
const UNIT_TISSUE_LEVEL = 0.45;

/**
 * Log compression to display gray levels (float, 0-255). The dynamic range is mapped so
 * that unit-echogenicity tissue without residual attenuation lands at mid-gray and
 * everything more than `dynamicRangeDb` below the top is black.
 */
export function logCompress(env: Float32Array, dynamicRangeDb: number): Float32Array {
  const topDb = 20 * Math.log10(UNIT_TISSUE_ENVELOPE) + (1 - UNIT_TISSUE_LEVEL) * dynamicRangeDb;
  const floorDb = topDb - dynamicRangeDb;
  const out = new Float32Array(env.length);
  const k = 255 / dynamicRangeDb;
  for (let i = 0; i < env.length; i++) {
    const e = env[i];
    if (e <= 0) continue;
    const v = (20 * Math.log10(e) - floorDb) * k;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
  }
  return out;
}
