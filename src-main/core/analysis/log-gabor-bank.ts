/**
 * The frequency-domain filter bank of Kovesi's phasecong3: log-Gabor radial filters (one per scale)
 * times a raised-cosine angular spread (one per orientation). Filters live on the unshifted FFT grid
 * (DC at index 0), in cycles per pixel, so wavelengths are in pixels whatever the padded size.
 */

export interface LogGaborBankParams {
  nscale: number;
  norient: number;
  minWaveLength: number;
  mult: number;
  sigmaOnf: number;
}

export interface LogGaborBank {
  /** Padded grid size the filters are sampled on. */
  width: number;
  height: number;
  /** Per scale, log-Gabor × Butterworth low-pass; zero at DC so responses have no mean term. */
  radial: Float32Array[];
  /** Per orientation, the angular spread in [0, 1]; exactly zero more than 2π/norient from its angle. */
  spread: Float32Array[];
  /** Per orientation, the filter angle in radians (o·π/norient), anticlockwise from +x with y up. */
  angles: Float64Array;
  /** Per orientation, which grid rows / columns hold any non-zero spread (lets the inverse FFT skip lines). */
  nonzeroRows: Uint8Array[];
  nonzeroCols: Uint8Array[];
}

/**
 * Kovesi's fixed low-pass: radius 0.45 cycles/pixel, order 15. It keeps the filters away from the
 * corners of the frequency grid, where the log-Gabor tails would otherwise wrap and upset the
 * amplitude normalisation.
 */
const LOWPASS_CUTOFF = 0.45;
const LOWPASS_ORDER = 15;

/** Signed frequency of FFT bin k on an n-point grid, in cycles per sample. */
function binFrequency(k: number, n: number): number {
  return (k < n / 2 ? k : k - n) / n;
}

export function buildLogGaborBank(width: number, height: number, p: LogGaborBankParams): LogGaborBank {
  const size = width * height;
  const radius = new Float64Array(size);
  const theta = new Float64Array(size);
  for (let y = 0; y < height; y++) {
    const v = binFrequency(y, height);
    for (let x = 0; x < width; x++) {
      const u = binFrequency(x, width);
      radius[y * width + x] = Math.sqrt(u * u + v * v);
      // Row frequency is negated so that angles run anticlockwise on screen (rows go down).
      theta[y * width + x] = Math.atan2(-v, u);
    }
  }

  // The low-pass and log(radius) are shared by every scale, so compute them once.
  const lowpass = new Float64Array(size);
  const logRadius = new Float64Array(size);
  for (let i = 1; i < size; i++) {
    lowpass[i] = 1 / (1 + (radius[i] / LOWPASS_CUTOFF) ** (2 * LOWPASS_ORDER));
    logRadius[i] = Math.log(radius[i]);
  }
  const twoLogSigmaSq = 2 * Math.log(p.sigmaOnf) ** 2;
  const radial: Float32Array[] = [];
  for (let s = 0; s < p.nscale; s++) {
    const logFo = -Math.log(p.minWaveLength * p.mult ** s);
    const f = new Float32Array(size);
    for (let i = 1; i < size; i++) {
      const d = logRadius[i] - logFo;
      f[i] = Math.exp(-(d * d) / twoLogSigmaSq) * lowpass[i];
    }
    // f[0] (DC) stays 0: log(0) is undefined and the filters must reject the mean anyway.
    radial.push(f);
  }

  const spread: Float32Array[] = [];
  const nonzeroRows: Uint8Array[] = [];
  const nonzeroCols: Uint8Array[] = [];
  const angles = new Float64Array(p.norient);
  for (let o = 0; o < p.norient; o++) {
    const angle = (o * Math.PI) / p.norient;
    angles[o] = angle;
    const f = new Float32Array(size);
    const rows = new Uint8Array(height);
    const cols = new Uint8Array(width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        let d = theta[i] - angle;
        // Wrap to (-π, π]: the angular distance must not jump at the ±π seam of atan2.
        if (d > Math.PI) d -= 2 * Math.PI;
        else if (d <= -Math.PI) d += 2 * Math.PI;
        // Scaled so the raised cosine reaches zero 2π/norient away from the filter angle.
        const dt = Math.abs(d) * (p.norient / 2);
        if (dt < Math.PI) {
          const value = (Math.cos(dt) + 1) / 2;
          f[i] = value;
          if (value !== 0) {
            rows[y] = 1;
            cols[x] = 1;
          }
        }
      }
    }
    spread.push(f);
    nonzeroRows.push(rows);
    nonzeroCols.push(cols);
  }

  return { width, height, radial, spread, angles, nonzeroRows, nonzeroCols };
}

/**
 * The bank for the most recent size and parameters. Images from one study usually share a size, and the
 * bank costs about as much as a few inverse FFTs to build; more than one cached bank would hold tens of
 * MB for nothing.
 */
let cached: { key: string; bank: LogGaborBank } | null = null;

export function logGaborBank(width: number, height: number, p: LogGaborBankParams): LogGaborBank {
  const key = JSON.stringify([width, height, p.nscale, p.norient, p.minWaveLength, p.mult, p.sigmaOnf]);
  if (cached?.key !== key) cached = { key, bank: buildLogGaborBank(width, height, p) };
  return cached.bank;
}
