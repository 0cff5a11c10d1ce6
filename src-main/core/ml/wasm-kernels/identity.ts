import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { WASM } from './kernel-scope.js';

/**
 * Identity without a copy. tfjs clones every tensor a gradient will need (`saveTensorsForBackwardMode`),
 * and WASM's Identity copies the whole buffer each time (about 500 activation-sized copies in one
 * MobileNetV2 training step, 5 % of it). Tensors are immutable and no WASM kernel writes into its
 * inputs, so the clone can share the data with a second reference, as WASM's own Reshape does and
 * as the CPU backend's Identity does.
 */
const identityShared: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const identityConfig: KernelConfig = { kernelName: Identity, backendName: WASM, kernelFunc: identityShared };
