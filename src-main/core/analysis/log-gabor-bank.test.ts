import { describe, expect, it } from 'vitest';
import { buildLogGaborBank, logGaborBank } from './log-gabor-bank.js';
import { PC_DEFAULTS } from './phase-congruency.js';

const P = 128;
const bank = buildLogGaborBank(P, P, PC_DEFAULTS);

/** Index of frequency (u, v) in cycles/pixel on the unshifted grid, v being the row frequency. */
function at(u: number, v: number): number {
  const x = (Math.round(u * P) + P) % P;
  const y = (Math.round(v * P) + P) % P;
  return y * P + x;
}

describe('log-Gabor radial filters', () => {
  it('are zero at DC and peak at 1/wavelength', () => {
    for (let s = 0; s < PC_DEFAULTS.nscale; s++) {
      const f = bank.radial[s];
      expect(f[0]).toBe(0);
      const fo = 1 / (PC_DEFAULTS.minWaveLength * PC_DEFAULTS.mult ** s);
      let best = 1;
      for (let k = 1; k < P / 2; k++) if (f[k] > f[best]) best = k;
      expect(Math.abs(best / P - fo)).toBeLessThanOrEqual(1 / P);
    }
  });

  it('have the log-Gabor bandwidth and are cut by the low-pass near the grid corners', () => {
    // A factor sigmaOnf away from fo in frequency, a log-Gabor falls to exp(-1/2) of its peak.
    const s = 2;
    const fo = 1 / (PC_DEFAULTS.minWaveLength * PC_DEFAULTS.mult ** s);
    const f = bank.radial[s];
    const k = Math.round((fo / PC_DEFAULTS.sigmaOnf) * P);
    const expected = Math.exp(-(Math.log(k / P / fo) ** 2) / (2 * Math.log(PC_DEFAULTS.sigmaOnf) ** 2));
    expect(expected).toBeCloseTo(Math.exp(-0.5), 1);
    expect(f[at(k / P, 0)]).toBeCloseTo(expected, 3);
    // Low-pass: half at radius 0.45, nearly nothing at the corner (0.5, 0.5).
    expect(bank.radial[0][at(0.5, 0.5)]).toBeLessThan(1e-3);
  });
});

describe('angular spread', () => {
  it('is 1 along its own orientation and 0 beyond 60° of it (6 orientations)', () => {
    const o = 2; // 60°
    const sp = bank.spread[o];
    const dir = (deg: number, r = 0.25): number => {
      const a = (deg * Math.PI) / 180;
      // Angles are anticlockwise on screen, so the row frequency is -sin.
      return at(r * Math.cos(a), -r * Math.sin(a));
    };
    expect(sp[dir(60)]).toBeCloseTo(1, 1);
    expect(sp[dir(125)]).toBe(0);
    expect(sp[dir(-5)]).toBe(0);
    expect(sp[dir(240)]).toBe(0);
  });

  it('sums to 2 over orientations at angles every filter pair covers', () => {
    for (const deg of [35, 50, 75, 100, 115]) {
      const a = (deg * Math.PI) / 180;
      // Sample on a ring where grid rounding barely changes the angle.
      const i = at(0.4 * Math.cos(a), -0.4 * Math.sin(a));
      const y = Math.floor(i / P);
      const x = i % P;
      const u = (x < P / 2 ? x : x - P) / P;
      const v = (y < P / 2 ? y : y - P) / P;
      const theta = Math.atan2(-v, u);
      let sum = 0;
      for (const sp of bank.spread) sum += sp[i];
      expect(theta).toBeCloseTo(a, 1);
      expect(sum).toBeCloseTo(2, 6);
    }
  });

  it('marks exactly the rows and columns that hold non-zero spread', () => {
    for (let o = 0; o < PC_DEFAULTS.norient; o++) {
      const rows = new Uint8Array(P);
      const cols = new Uint8Array(P);
      bank.spread[o].forEach((v, i) => {
        if (v !== 0) {
          rows[Math.floor(i / P)] = 1;
          cols[i % P] = 1;
        }
      });
      expect(bank.nonzeroRows[o]).toEqual(rows);
      expect(bank.nonzeroCols[o]).toEqual(cols);
      // One-sided filters: about half the lines along one axis are empty, which the inverse FFT skips.
      const emptyRows = P - rows.reduce((a, b) => a + b, 0);
      const emptyCols = P - cols.reduce((a, b) => a + b, 0);
      expect(Math.max(emptyRows, emptyCols)).toBeGreaterThanOrEqual(P / 2 - 1);
    }
  });
});

describe('logGaborBank cache', () => {
  it('returns the same bank for the same size and parameters only', () => {
    const a = logGaborBank(64, 32, PC_DEFAULTS);
    expect(logGaborBank(64, 32, { ...PC_DEFAULTS })).toBe(a);
    expect(logGaborBank(64, 32, { ...PC_DEFAULTS, mult: 2 })).not.toBe(a);
  });
});
