import { describe, expect, it } from 'vitest';
import { depthwiseToOihw, foldBatchNorm, hwcRowsToChw, hwioToOihw, samePadding } from './weights.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('samePadding (TensorFlow SAME)', () => {
  it.each([
    // [in, kernel, stride, dilation, expected [begin, end]]
    [224, 3, 2, 1, [0, 1]], // MobileNet stride-2 convs: the extra row goes at the bottom
    [112, 3, 1, 1, [1, 1]],
    [7, 3, 2, 1, [1, 1]],
    [8, 2, 1, 1, [0, 1]], // even kernel, stride 1: still asymmetric
    [8, 1, 2, 1, [0, 0]],
    [9, 3, 1, 2, [2, 2]],
    [5, 7, 3, 1, [2, 3]], // kernel larger than the input: out 2, total 5
  ] as const)('in %i, kernel %i, stride %i, dilation %i', (size, k, s, d, expected) => {
    expect(samePadding(size, k, s, d)).toEqual(expected);
  });
});

describe('kernel re-layout', () => {
  it('HWIO -> OIHW', () => {
    const [kh, kw, cin, cout] = [2, 3, 4, 5];
    const k = iota(kh * kw * cin * cout);
    const out = hwioToOihw(k, [kh, kw, cin, cout]);
    for (const [y, x, i, o] of [[1, 2, 3, 4], [0, 1, 2, 3], [1, 0, 0, 2]]) {
      expect(out[((o * cin + i) * kh + y) * kw + x]).toBe(k[((y * kw + x) * cin + i) * cout + o]);
    }
  });

  it('depthwise [kh,kw,c,m] -> [c*m,1,kh,kw] with output channel c*m + j', () => {
    const [kh, kw, c, m] = [3, 3, 4, 2];
    const k = iota(kh * kw * c * m);
    const out = depthwiseToOihw(k, [kh, kw, c, m]);
    expect(out[(((2 * m + 1) * kh + 1) * kw) + 2]).toBe(k[((1 * kw + 2) * c + 2) * m + 1]);
  });

  it('Dense rows from H,W,C order to C,H,W order', () => {
    const [h, w, c, units] = [2, 3, 4, 2];
    const k = iota(h * w * c * units);
    const out = hwcRowsToChw(k, h, w, c, units);
    // Element (y=1, x=0, ch=2) is TF row (1*3+0)*4+2 = 14 and NCHW-flatten row (2*2+1)*3+0 = 15.
    expect(Array.from(out.subarray(15 * units, 16 * units))).toEqual(Array.from(k.subarray(14 * units, 15 * units)));
  });
});

describe('foldBatchNorm', () => {
  it('matches conv followed by batch norm on every output channel', () => {
    // 2 output channels, 3 weights each (channel-first layout).
    const weight = Float32Array.from([1, 2, 3, -1, 0.5, 2]);
    const bias = Float32Array.from([0.1, -0.2]);
    const bn = {
      gamma: Float32Array.from([2, 0.5]),
      beta: Float32Array.from([1, -1]),
      mean: Float32Array.from([0.3, -0.4]),
      variance: Float32Array.from([4, 0.25]),
      epsilon: 1e-3,
    };
    const input = [0.7, -1.1, 2.3];
    const reference = [0, 1].map((o) => {
      const z = input.reduce((s, v, i) => s + v * weight[o * 3 + i], bias[o]);
      return (bn.gamma[o] * (z - bn.mean[o])) / Math.sqrt(bn.variance[o] + bn.epsilon) + bn.beta[o];
    });
    foldBatchNorm(weight, bias, (i) => Math.floor(i / 3), bn);
    const folded = [0, 1].map((o) => input.reduce((s, v, i) => s + v * weight[o * 3 + i], bias[o]));
    expect(folded[0]).toBeCloseTo(reference[0], 5);
    expect(folded[1]).toBeCloseTo(reference[1], 5);
  });
});
