/**
 * Smooth seeded value noise, used for slow echogenicity variations in tissue
 * (lobules, fibre bundles, fat septa) on top of which the fine speckle is laid.
 */
import type { Rng } from './rng.js';

const SIZE = 128; // lattice period; features are far smaller than the period so tiling never shows
const MASK = SIZE - 1;

/**
 * Value noise in [-1, 1] with unit lattice spacing; scale the coordinates to set the
 * feature size. A class with small methods (rather than closures) keeps the per-sample
 * calls monomorphic so the JIT inlines them into the painting loops.
 */
export class ValueNoise {
  private readonly lattice: Float32Array;

  constructor(rng: Rng) {
    this.lattice = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < this.lattice.length; i++) this.lattice[i] = rng.next() * 2 - 1;
  }

  at(x: number, y: number): number {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    let tx = x - fx;
    let ty = y - fy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    const x0 = fx & MASK;
    const y0 = (fy & MASK) * SIZE;
    const x1 = (x0 + 1) & MASK;
    const y1 = ((fy + 1) & MASK) * SIZE;
    const l = this.lattice;
    const top = l[y0 + x0] + (l[y0 + x1] - l[y0 + x0]) * tx;
    const bottom = l[y1 + x0] + (l[y1 + x1] - l[y1 + x0]) * tx;
    return top + (bottom - top) * ty;
  }

  /** Two-octave fractal sum, still within [-1, 1]; enough detail for tissue texture at low cost. */
  fractal(x: number, y: number): number {
    return (this.at(x, y) * 2 + this.at(x * 2.03 + 17.1, y * 2.03 + 31.7)) / 3;
  }
}
