import {
  BatchMatMul,
  type BatchMatMulAttrs,
  broadcast_util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';

import { composeKernel, WASM } from './kernel-scope.js';

const NO_TRANSPOSE = { transposeA: false, transposeB: false } as unknown as NamedAttrMap;

/**
 * The WASM BatchMatMul uses XNNPACK only for a single untransposed matrix pair; a transposed operand or
 * a batch > 1 sends it to a scalar loop (measured 6-20x slower). Training hits the transposed cases in
 * every dense-layer gradient (x^T dy, dy W^T), so when B is a single matrix this transposes explicitly and
 * folds A's batch into its rows, leaving one untransposed matrix product for XNNPACK. A genuinely batched
 * B has no fast path to reach, so it stays with the original kernel.
 */
export function makeBatchMatMulWasm(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const aOuter = a.shape.slice(0, -2);
    const bOuter = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(aOuter);
    if (util.sizeFromShape(bOuter) !== 1 || (batchA === 1 && !transposeA && !transposeB)) {
      return original({ inputs, backend, attrs });
    }
    const [aRows, aCols] = a.shape.slice(-2);
    const [bRows, bCols] = b.shape.slice(-2);
    const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
    const [kB, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
    if (k !== kB) {
      throw new Error(`matMul inner dimensions differ: a [${a.shape.join(',')}] and b [${b.shape.join(',')}], transposeA=${transposeA}, transposeB=${transposeB}`);
    }
    const outShape = [...broadcast_util.assertAndGetBroadcastShape(aOuter, bOuter), m, n];

    return composeKernel(backend, (s) => {
      const a3 = s.reshape(a, [batchA, aRows, aCols]);
      const aMatrix = s.reshape(transposeA ? s.transpose(a3, [0, 2, 1]) : a3, [batchA * m, k]);
      const b2 = s.reshape(b, [bRows, bCols]);
      const bMatrix = transposeB ? s.transpose(b2, [1, 0]) : b2;
      const product = s.call(original, { a: aMatrix, b: bMatrix }, NO_TRANSPOSE);
      return s.reshape(product, outShape);
    });
  };
}

/** Wraps the kernel it replaces; its setup must be kept, as the original needs it at backend init. */
export function batchMatMulConfig(original: KernelConfig): KernelConfig {
  return {
    kernelName: BatchMatMul,
    backendName: WASM,
    kernelFunc: makeBatchMatMulWasm(original.kernelFunc),
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
  };
}
