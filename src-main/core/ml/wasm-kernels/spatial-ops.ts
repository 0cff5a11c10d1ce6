import type { TensorInfo } from '@tensorflow/tfjs-core';

import type { ExplicitPad4, KernelScope } from './kernel-scope.js';

/**
 * Spreads an NHWC tensor so that stride-1 zeros follow every row and every column ([n, h*sh, w*sw, c]).
 * Done as reshape -> pad -> reshape so it runs in the backend's native pad kernel, not a JS loop.
 */
export function insertZeros(s: KernelScope, t: TensorInfo, strideH: number, strideW: number): TensorInfo {
  if (strideH === 1 && strideW === 1) return t;
  const [n, h, w, c] = t.shape;
  const spread = s.reshape(t, [n * h, 1, w, 1, c]);
  const padded = s.pad(spread, [
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  return s.reshape(padded, [n, h * strideH, w * strideW, c]);
}

/** Rows [top, top+height) and columns [left, left+width) of an NHWC tensor; no copy when that is all of it. */
export function cropSpatial(s: KernelScope, t: TensorInfo, top: number, left: number, height: number, width: number): TensorInfo {
  const [n, h, w, c] = t.shape;
  if (top === 0 && left === 0 && height === h && width === w) return t;
  return s.slice(t, [0, top, left, 0], [n, height, width, c]);
}

export function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad4 {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** Guards against a caller passing a dy that does not match the geometry the kernel derived from its attrs. */
export function assertShape(actual: number[], expected: number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`output gradient has shape [${actual.join(',')}], the forward pass produced [${expected.join(',')}]`);
  }
}
