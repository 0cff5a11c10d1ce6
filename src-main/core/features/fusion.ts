/**
 * Fusion of two feature families, at the feature level (one classifier on the concatenated vectors) or
 * at the score level (two classifiers, probabilities averaged).
 */
import type { GrayImage, WindowScorer } from '../detect/window-scorer.js';
import { SonoError } from '../errors.js';
import type { Box } from '../metrics/index.js';

/** Concatenates the features of its parts per window: [a_1..a_m, b_1..b_n]. */
export class FusionScorer implements WindowScorer {
  readonly featureDim: number;

  constructor(
    private readonly parts: readonly WindowScorer[],
    readonly name = 'fusion',
  ) {
    if (parts.length < 2) throw new SonoError('BAD_INPUT', 'fusion needs at least two feature families');
    this.featureDim = parts.reduce((n, p) => n + p.featureDim, 0);
  }

  async features(image: GrayImage, windows: readonly Box[]): Promise<Float32Array> {
    if (this.parts.every((p) => p.featuresInto)) {
      // Each family fills its columns of the one matrix: no per-family blocks to allocate and copy.
      const out = new Float32Array(windows.length * this.featureDim);
      let col = 0;
      for (const p of this.parts) {
        await p.featuresInto!(image, windows, out, col, this.featureDim);
        col += p.featureDim;
      }
      return out;
    }
    const blocks: Float32Array[] = [];
    for (const p of this.parts) blocks.push(await p.features(image, windows));
    return concatColumns(blocks, this.parts.map((p) => p.featureDim), windows.length);
  }

  release(): void {
    for (const p of this.parts) p.release?.();
  }

  async close(): Promise<void> {
    for (const p of this.parts) await p.close?.();
  }
}

/** Row-wise concatenation of row-major blocks with `dims[i]` columns each. */
export function concatColumns(blocks: readonly Float32Array[], dims: readonly number[], nRows: number): Float32Array {
  const width = dims.reduce((a, b) => a + b, 0);
  blocks.forEach((b, i) => {
    if (b.length !== nRows * dims[i]) throw new SonoError('BAD_INPUT', `feature block ${i} holds ${b.length} values, not ${nRows} x ${dims[i]}`);
  });
  const out = new Float32Array(nRows * width);
  for (let r = 0; r < nRows; r++) {
    let col = r * width;
    blocks.forEach((b, i) => {
      out.set(b.subarray(r * dims[i], (r + 1) * dims[i]), col);
      col += dims[i];
    });
  }
  return out;
}

/** Score-level fusion: the mean of the parts' probabilities, window by window. */
export function averageScores(parts: readonly ArrayLike<number>[]): Float64Array {
  if (parts.length === 0) throw new SonoError('BAD_INPUT', 'no scores to average');
  const n = parts[0].length;
  if (parts.some((p) => p.length !== n)) throw new SonoError('BAD_INPUT', 'score lists to average differ in length');
  const out = new Float64Array(n);
  for (const p of parts) for (let i = 0; i < n; i++) out[i] += p[i];
  for (let i = 0; i < n; i++) out[i] /= parts.length;
  return out;
}
