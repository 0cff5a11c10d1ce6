import { describe, expect, it } from 'vitest';

import { type AxisGeometry, filterGradAxis, inputGradAxis } from './conv-geometry.js';

/**
 * One spatial axis in plain arithmetic: the forward convolution reads x[o*stride + t*dilation - padBefore]
 * (zero outside x). The plans are checked by carrying out the convolution they describe and comparing it
 * with the gradient summed straight from that definition. Small integers keep every comparison exact.
 */
interface Setup extends AxisGeometry {
  padAfter: number;
}

function* setups(): Generator<Setup> {
  for (let inSize = 1; inSize <= 9; inSize++)
    for (let filterSize = 1; filterSize <= 5; filterSize++)
      for (let stride = 1; stride <= 4; stride++)
        for (let dilation = 1; dilation <= 2; dilation++)
          for (let padBefore = 0; padBefore <= 5; padBefore++)
            for (let padAfter = 0; padAfter <= 5; padAfter++) {
              const effective = (filterSize - 1) * dilation + 1;
              const span = inSize + padBefore + padAfter - effective;
              if (span < 0) continue;
              const outSize = Math.floor(span / stride) + 1;
              // Windows lying wholly in the padding are rejected by the planner; tested separately.
              if ((outSize - 1) * stride + effective <= padBefore) continue;
              yield { inSize, filterSize, stride, dilation, padBefore, padAfter, outSize };
            }
}

const ints = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ((i * 7 + seed * 13) % 11) - 5);
const zeros = (n: number) => new Array<number>(n).fill(0);
const label = (g: Setup) =>
  `in ${g.inSize} filter ${g.filterSize} stride ${g.stride} dilation ${g.dilation} pad ${g.padBefore}/${g.padAfter}`;

function expectedFilterGrad(g: Setup, x: number[], dy: number[]): number[] {
  return Array.from({ length: g.filterSize }, (_, t) => {
    let sum = 0;
    for (let o = 0; o < g.outSize; o++) sum += (x[o * g.stride + t * g.dilation - g.padBefore] ?? 0) * dy[o];
    return sum;
  });
}

function expectedInputGrad(g: Setup, w: number[], dy: number[]): number[] {
  const dx = zeros(g.inSize);
  for (let o = 0; o < g.outSize; o++)
    for (let t = 0; t < g.filterSize; t++) {
      const i = o * g.stride + t * g.dilation - g.padBefore;
      if (i >= 0 && i < g.inSize) dx[i] += dy[o] * w[t];
    }
  return dx;
}

describe('filterGradAxis', () => {
  it('lays out the input so the dy-as-filter convolution yields exactly the filter taps', () => {
    let checked = 0;
    for (const g of setups()) {
      const x = ints(g.inSize, 1);
      const dy = ints(g.outSize, 2);
      const plan = filterGradAxis(g);
      const padded = [...zeros(plan.padBefore), ...x.slice(0, plan.keep), ...zeros(plan.padAfter)];
      // Convolution stepping by the forward dilation, with dy's taps spread by the forward stride.
      const reach = (g.outSize - 1) * g.stride + 1;
      const taps = Math.floor((padded.length - reach) / g.dilation) + 1;
      const grad = Array.from({ length: taps }, (_, t) =>
        dy.reduce((sum, d, o) => sum + padded[t * g.dilation + o * g.stride] * d, 0),
      );
      expect(grad, label(g)).toEqual(expectedFilterGrad(g, x, dy));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('keeps only the input the forward windows read', () => {
    // VALID 11x11 stride 4 on 224: 54 windows reach row 222, so row 223 is dropped.
    expect(filterGradAxis({ inSize: 224, outSize: 54, padBefore: 0, stride: 4, filterSize: 11, dilation: 1 }))
      .toEqual({ keep: 223, padBefore: 0, padAfter: 0 });
    // SAME 3x3 stride 2 on 112: TensorFlow pads 0 before and 1 after.
    expect(filterGradAxis({ inSize: 112, outSize: 56, padBefore: 0, stride: 2, filterSize: 3, dilation: 1 }))
      .toEqual({ keep: 112, padBefore: 0, padAfter: 1 });
  });

  it('rejects windows that read only padding', () => {
    expect(() => filterGradAxis({ inSize: 1, outSize: 1, padBefore: 3, stride: 4, filterSize: 1, dilation: 1 }))
      .toThrow(/only padding/);
  });
});

describe('inputGradAxis', () => {
  it('makes the full convolution of zero-inserted dy with the flipped filter equal the input gradient', () => {
    let checked = 0;
    for (const g of setups()) {
      const w = ints(g.filterSize, 3);
      const dy = ints(g.outSize, 4);
      const plan = inputGradAxis(g);
      // Zero insertion as the kernels do it: every element followed by stride-1 zeros, the last one too.
      const spread = dy.flatMap((d) => [d, ...zeros(g.stride - 1)]);
      const padded = [...zeros(plan.padBefore), ...spread, ...zeros(plan.padAfter)];
      const effective = (g.filterSize - 1) * g.dilation + 1;
      const full = Array.from({ length: padded.length - effective + 1 }, (_, j) =>
        w.reduce((sum, _tap, t) => sum + padded[j + t * g.dilation] * w[g.filterSize - 1 - t], 0),
      );
      expect(full.length, label(g)).toBe(plan.convOutSize);
      expect(full.slice(plan.cropBefore, plan.cropBefore + g.inSize), label(g)).toEqual(expectedInputGrad(g, w, dy));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
