import { describe, expect, it } from 'vitest';
import { PC_DEFAULTS, phaseCongruency } from './phase-congruency.js';
import type { FloatImage } from './float-image.js';
import {
  fromFunction,
  gaussianNoise,
  noisyVessels,
  orientedStep,
  pureNoise,
  verticalBand,
  verticalStep,
} from '../../../test/fixtures/analysis/synthetic-images.js';
import { argmax, maxAbsDiff, mean } from '../../../test/fixtures/analysis/stats.js';

function row(a: Float32Array, width: number, y: number): Float32Array {
  return a.subarray(y * width, (y + 1) * width);
}

/** Distance between two orientations modulo π. */
function angleDiffModPi(a: number, b: number): number {
  const d = Math.abs(a - b) % Math.PI;
  return Math.min(d, Math.PI - d);
}

function mapImage(img: FloatImage, f: (v: number) => number): FloatImage {
  return { width: img.width, height: img.height, data: img.data.map(f) };
}

describe('PC_DEFAULTS', () => {
  it("are Kovesi's phasecong3 defaults", () => {
    expect(PC_DEFAULTS).toEqual({
      nscale: 4,
      norient: 6,
      minWaveLength: 3,
      mult: 2.1,
      sigmaOnf: 0.55,
      k: 2.0,
      cutOff: 0.5,
      g: 10,
      noiseMethod: -1,
    });
  });
});

describe('phaseCongruency on a vertical step edge', () => {
  const W = 128;
  const H = 64;
  // The edge is centred on column 64 (it holds the mid value), so phases align exactly on a pixel.
  const img = fromFunction(W, H, (x) => (x < 64 ? 0.2 : x === 64 ? 0.5 : 0.8));
  const pc = phaseCongruency(img);

  it('peaks at the edge column in every row', () => {
    for (const y of [0, 20, 32, H - 1]) {
      expect(argmax(row(pc.magnitude, W, y))).toBe(64);
      expect(argmax(row(pc.energySum, W, y))).toBe(64);
    }
  });

  it('is close to the ideal values at the edge', () => {
    const m = pc.magnitude[32 * W + 64];
    // Only the three orientations within 60° of the normal see a straight step: M <= 5/6 with 6 orientations.
    expect(m).toBeGreaterThan(0.65);
    expect(m).toBeLessThanOrEqual(5 / 6 + 1e-3);
    expect(pc.energySum[32 * W + 64]).toBeGreaterThan(0.9);
  });

  it('is near zero away from the edge, including at the image borders', () => {
    for (const y of [0, 32, H - 1]) {
      for (let x = 0; x < W; x++) {
        if (Math.abs(x - 64) > 12) {
          expect(pc.magnitude[y * W + x]).toBeLessThan(0.02);
          expect(pc.energySum[y * W + x]).toBeLessThan(0.05);
        }
      }
    }
  });

  it('reports the edge normal (horizontal, 0 mod π) as the orientation', () => {
    for (let x = 62; x <= 66; x++) expect(angleDiffModPi(pc.orientation[32 * W + x], 0)).toBeLessThan(0.02);
  });

  it('splits evenly over the two pixels either side of an edge that falls between pixels', () => {
    const half = phaseCongruency(verticalStep(W, H, 64));
    const r = row(half.magnitude, W, 32);
    const top2 = Array.from(r.keys()).sort((a, b) => r[b] - r[a]).slice(0, 2).sort((a, b) => a - b);
    expect(top2).toEqual([63, 64]);
    expect(Math.abs(r[63] - r[64])).toBeLessThan(1e-3);
    expect(r[63]).toBeGreaterThan(0.35);
  });
});

describe('phaseCongruency orientation convention', () => {
  it('measures the normal anticlockwise from +x as displayed', () => {
    for (const angle of [Math.PI / 2, Math.PI / 4, (3 * Math.PI) / 4]) {
      const pc = phaseCongruency(orientedStep(96, angle));
      let n = 0;
      // Away from the borders: reflecting a slanted edge at a border makes a corner there.
      for (let i = 0; i < pc.magnitude.length; i++) {
        const x = i % 96;
        const y = Math.floor(i / 96);
        if (x < 12 || y < 12 || x >= 84 || y >= 84) continue;
        if (pc.magnitude[i] > 0.3) {
          expect(angleDiffModPi(pc.orientation[i], angle)).toBeLessThan(0.05);
          n++;
        }
      }
      expect(n).toBeGreaterThan(72);
    }
  });

  it('returns orientations in [0, π)', () => {
    const pc = phaseCongruency(noisyVessels(64, 5));
    for (const o of pc.orientation) {
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(Math.PI);
    }
  });
});

describe('phaseCongruency on lines and corners', () => {
  it('is high on a one-pixel bright line and low beside it', () => {
    const W = 96;
    const pc = phaseCongruency(verticalBand(W, 64, 48, 1, 0.9, 0.1));
    for (const y of [0, 32, 63]) {
      const r = row(pc.magnitude, W, y);
      expect(argmax(r)).toBe(48);
      // A 1-px line's flat spectrum gives decreasing amplitude with scale, which phasecong3's
      // frequency-spread weighting penalises: about 0.3 is the expected M, not a failure.
      expect(r[48]).toBeGreaterThan(0.25);
      expect(r[45]).toBeLessThan(0.02);
      expect(r[51]).toBeLessThan(0.02);
      expect(argmax(row(pc.energySum, W, y))).toBe(48);
      expect(pc.energySum[y * W + 48]).toBeGreaterThan(0.5);
    }
  });

  it('is higher still on a smooth line whose spectrum spreads over all scales', () => {
    const pc = phaseCongruency(fromFunction(96, 64, (x) => 0.1 + 0.8 * Math.exp(-((x - 48) ** 2) / 2)));
    expect(argmax(row(pc.magnitude, 96, 32))).toBe(48);
    expect(pc.magnitude[32 * 96 + 48]).toBeGreaterThan(0.5);
    expect(pc.energySum[32 * 96 + 48]).toBeGreaterThan(0.8);
  });

  it('responds to a dark line exactly as to a bright one (phase, not sign, matters)', () => {
    const bright = verticalBand(96, 64, 40, 2, 0.9, 0.1);
    const a = phaseCongruency(bright);
    const b = phaseCongruency(mapImage(bright, (v) => 1 - v));
    expect(maxAbsDiff(a.magnitude, b.magnitude)).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.energySum, b.energySum)).toBeLessThan(1e-5);
  });

  it('has a larger minimum moment at a corner than along the edges', () => {
    const pc = phaseCongruency(fromFunction(96, 96, (x, y) => (x >= 32 && y >= 32 ? 0.8 : 0.2)));
    const m = (x: number, y: number): number => pc.minMoment[y * 96 + x];
    expect(m(32, 32)).toBeGreaterThan(0.3);
    expect(m(32, 70)).toBeLessThan(0.15);
    expect(m(70, 32)).toBeLessThan(0.15);
    for (let i = 0; i < pc.minMoment.length; i++) expect(pc.minMoment[i]).toBeLessThanOrEqual(pc.magnitude[i]);
  });
});

describe('phaseCongruency noise compensation', () => {
  it('keeps pure noise low, far below the uncompensated response', () => {
    const noise = pureNoise(128, 128, 11, 0.5, 0.1);
    const pc = phaseCongruency(noise);
    const raw = phaseCongruency(noise, { noiseMethod: 0 });
    expect(mean(pc.magnitude)).toBeLessThan(0.01);
    expect(mean(pc.energySum)).toBeLessThan(0.01);
    expect(mean(raw.magnitude)).toBeGreaterThan(0.05);
    expect(mean(raw.energySum)).toBeGreaterThan(0.1);
  });

  it('estimates a threshold proportional to the noise level, by median or by mode', () => {
    const ratios = (noiseMethod: number): number[] => {
      const t1 = phaseCongruency(pureNoise(128, 128, 3, 0.5, 0.05), { noiseMethod }).noiseThresholds;
      const t2 = phaseCongruency(pureNoise(128, 128, 4, 0.5, 0.15), { noiseMethod }).noiseThresholds;
      expect(t1).toHaveLength(6);
      for (const t of t1) expect(t).toBeGreaterThan(0);
      return t1.map((t, o) => t2[o] / t);
    };
    for (const r of ratios(-1)) {
      expect(r).toBeGreaterThan(2.8);
      expect(r).toBeLessThan(3.2);
    }
    // A 50-bin histogram's mode is a much noisier estimate than the median; judge it on average.
    const modeRatio = mean(ratios(-2));
    expect(modeRatio).toBeGreaterThan(2.5);
    expect(modeRatio).toBeLessThan(3.6);
  });

  it('uses a fixed threshold when noiseMethod >= 0', () => {
    expect(phaseCongruency(pureNoise(64, 64, 1), { noiseMethod: 0.05 }).noiseThresholds).toEqual(Array(6).fill(0.05));
  });

  it('still finds an edge under noise', () => {
    const n = gaussianNoise(9);
    const W = 128;
    const pc = phaseCongruency(fromFunction(W, 64, (x) => (x < 64 ? 0.3 : 0.7) + 0.03 * n()));
    let edge = 0;
    let far = 0;
    for (let y = 0; y < 64; y++) {
      edge += Math.max(pc.magnitude[y * W + 63], pc.magnitude[y * W + 64]);
      for (let x = 0; x < 40; x++) far += pc.magnitude[y * W + x];
    }
    expect(edge / 64).toBeGreaterThan(0.3);
    expect(far / (64 * 40)).toBeLessThan(0.02);
  });
});

describe('phaseCongruency invariance', () => {
  it('is invariant to contrast scaling and offset', () => {
    const img = noisyVessels(96, 2);
    const base = phaseCongruency(img);
    for (const [a, b] of [
      [3, 0],
      [0.01, 0],
      [2, 5],
    ]) {
      const other = phaseCongruency(mapImage(img, (v) => a * v + b));
      expect(maxAbsDiff(other.magnitude, base.magnitude)).toBeLessThan(1e-4);
      expect(maxAbsDiff(other.energySum, base.energySum)).toBeLessThan(1e-4);
    }
    // Not vacuous: the image has structure.
    expect(Math.max(...base.magnitude)).toBeGreaterThan(0.3);
  });

  it('does not depend on what ran before it (scratch is reused between calls of one size)', () => {
    const a = noisyVessels(96, 3);
    const first = phaseCongruency(a);
    phaseCongruency(pureNoise(96, 96, 5));
    const again = phaseCongruency(a);
    expect(maxAbsDiff(again.magnitude, first.magnitude)).toBe(0);
    expect(maxAbsDiff(again.energySum, first.energySum)).toBe(0);
    expect(again.noiseThresholds).toEqual(first.noiseThresholds);
  });

  it('gives 0 on a constant image', () => {
    const pc = phaseCongruency(fromFunction(32, 32, () => 0.4));
    expect(Math.max(...pc.magnitude, ...pc.energySum)).toBe(0);
  });
});

describe('phaseCongruency input checks', () => {
  it('rejects bad parameters and images', () => {
    const img = pureNoise(16, 16, 1);
    expect(() => phaseCongruency(img, { nscale: 1 })).toThrow(/nscale/);
    expect(() => phaseCongruency(img, { noiseMethod: -3 })).toThrow(/noiseMethod/);
    expect(() => phaseCongruency(img, { sigmaOnf: 1.2 })).toThrow(/sigmaOnf/);
    expect(() => phaseCongruency({ width: 4, height: 4, data: new Float32Array(15) })).toThrow(/16/);
    const nan = pureNoise(16, 16, 1);
    nan.data[20] = NaN;
    expect(() => phaseCongruency(nan)).toThrow(/non-finite/);
  });

  it('handles images much smaller than the filters and non-square sizes', () => {
    const pc = phaseCongruency(verticalStep(9, 5, 4));
    expect(pc.magnitude).toHaveLength(45);
    for (const v of pc.magnitude) expect(Number.isFinite(v)).toBe(true);
    expect(argmax(row(pc.magnitude, 9, 2))).toBeGreaterThanOrEqual(3);
    expect(argmax(row(pc.magnitude, 9, 2))).toBeLessThanOrEqual(4);
  });
});
