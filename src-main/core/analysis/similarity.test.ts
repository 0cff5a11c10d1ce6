import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pearson, ssim } from './similarity.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function texture(w: number, h: number, seed: number): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: w * h }, (_, i) => Math.sin((i % w) / 3) * Math.cos(Math.floor(i / w) / 5) + 0.3 * r());
}

describe('pearson', () => {
  it('is 1 for an affine copy, -1 for a negated one, and 0 for a constant map', () => {
    const a = texture(20, 10, 1);
    expect(pearson(a, a.map((v) => 3 * v + 2))).toBeCloseTo(1, 6);
    expect(pearson(a, a.map((v) => -v))).toBeCloseTo(-1, 6);
    expect(pearson(a, new Float32Array(a.length).fill(7))).toBe(0);
  });

  it('is near 0 for independent noise and refuses maps of different sizes', () => {
    const r1 = seeded(5);
    const r2 = seeded(9);
    const n = 10_000;
    expect(Math.abs(pearson(Float32Array.from({ length: n }, r1), Float32Array.from({ length: n }, r2)))).toBeLessThan(0.05);
    expect(() => pearson([1, 2, 3], [1, 2])).toThrow(/same number of pixels/);
  });
});

describe('ssim', () => {
  it('is 1 for identical maps and for affine copies (maps are stretched first), low for unrelated noise', () => {
    const w = 40;
    const h = 30;
    const a = texture(w, h, 2);
    expect(ssim(a, a, w, h)).toBeCloseTo(1, 6);
    expect(ssim(a, a.map((v) => 5 * v - 1), w, h)).toBeCloseTo(1, 5);
    const noise = Float32Array.from({ length: w * h }, seeded(3));
    expect(ssim(a, noise, w, h)).toBeLessThan(0.3);
  });

  it('agrees with scikit-image structural_similarity on min-max stretched maps', () => {
    const python = process.env.SONOTL_PYTHON ?? '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import skimage.metrics'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn('skipping the scikit-image SSIM cross-check: scikit-image not found (apt-get install python3-skimage or set SONOTL_PYTHON)');
      return;
    }
    const w = 48;
    const h = 36;
    const a = texture(w, h, 4);
    const b = texture(w, h, 5).map((v, i) => v + 0.5 * Math.sin(i / 7));
    const script = [
      'import sys, json, numpy as np',
      'from skimage.metrics import structural_similarity as S',
      'd = json.load(sys.stdin); w, h = d["w"], d["h"]',
      'n = lambda x: (lambda a: (a - a.min()) / (a.max() - a.min()))(np.array(x, dtype=np.float64).reshape(h, w))',
      'print(S(n(d["a"]), n(d["b"]), gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script], { input: JSON.stringify({ w, h, a: Array.from(a), b: Array.from(b) }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const reference = Number(r.stdout.trim());
    // The windows differ only in truncation (4σ here, 3.5σ in scikit-image).
    expect(Math.abs(ssim(a, b, w, h) - reference)).toBeLessThan(5e-3);
  });
});
