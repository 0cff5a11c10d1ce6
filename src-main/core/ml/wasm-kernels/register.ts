import { BatchMatMul, getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';

import { maskedGradConfig } from './activation-gradients.js';
import { batchMatMulConfig } from './batch-matmul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { identityConfig } from './identity.js';
import { WASM } from './kernel-scope.js';

/**
 * Marks configs registered here, so a second call recognises them instead of wrapping its own wrapper.
 * A global symbol rather than a module-level set: the registry is global too, and a second copy of this
 * module (e.g. under a test runner) must still recognise the first one's kernels.
 */
const MARK = Symbol.for('sonotl.wasmTrainingKernel');

function isOurs(config: KernelConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[MARK] === true;
}

function install(config: KernelConfig): void {
  if (getKernel(config.kernelName, WASM) != null) unregisterKernel(config.kernelName, WASM);
  registerKernel({ ...config, [MARK]: true } as KernelConfig);
}

/**
 * Registers the training kernels the WASM backend lacks (Conv2DBackpropFilter, both depthwise gradients)
 * and replaces its slow ones (Conv2DBackpropInput; BatchMatMul with a transposed or batched A), plus the
 * one-pass masked gradient of relu and clipByValue (activation-gradients.ts) and a copy-free Identity
 * (identity.ts). Safe to
 * call repeatedly and before or after the backend is initialised: kernels are looked up on every call.
 */
export function registerWasmTrainingKernels(): void {
  const current = getKernel(BatchMatMul, WASM);
  if (isOurs(current)) return;
  if (current == null) {
    throw new Error('the WASM backend has no BatchMatMul kernel: import @tensorflow/tfjs-backend-wasm before registering');
  }
  install(batchMatMulConfig(current));
  install(conv2DBackpropFilterConfig);
  install(conv2DBackpropInputConfig);
  install(depthwiseBackpropFilterConfig);
  install(depthwiseBackpropInputConfig);
  install(maskedGradConfig);
  install(identityConfig);
}

/** Whether the kernel now registered under `kernelName` for WASM is one of ours (for diagnostics and tests). */
export function isTrainingKernelInstalled(kernelName: string): boolean {
  return isOurs(getKernel(kernelName, WASM));
}
