import {
  getKernel,
  type KernelBackend,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

export const WASM = 'wasm';

/** [[0,0],[top,bottom],[left,right],[0,0]]: the explicit-padding form Conv2D/DepthwiseConv2dNative accept. */
export type ExplicitPad4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Composes a kernel out of other kernels of the same backend, the way backends do it internally: the
 * kernel functions are called directly on TensorInfo. Going through `engine().runKernel` instead would
 * create engine-tracked Tensors inside a kernel; calling the functions keeps bookkeeping to the backend's
 * own data ids, which this scope frees (every intermediate it made) when the composite kernel returns.
 */
export class KernelScope {
  private readonly made: TensorInfo[] = [];

  constructor(readonly backend: KernelBackend) {}

  /** Runs the kernel currently registered under `kernelName` for the WASM backend. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = getKernel(kernelName, WASM);
    if (config == null) throw new Error(`WASM kernel ${kernelName} is not registered`);
    return this.call(config.kernelFunc, inputs, attrs);
  }

  /** Runs a specific kernel function, e.g. the original of a kernel we replaced. */
  call(kernelFunc: KernelFunc, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const out = kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      this.made.push(...out);
      throw new Error('KernelScope only composes single-output kernels');
    }
    this.made.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  sum(x: TensorInfo, axis: number): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  conv2d(x: TensorInfo, filter: TensorInfo, o: { dilations: [number, number]; pad: ExplicitPad4 }): TensorInfo {
    const attrs = { strides: [1, 1], dilations: o.dilations, pad: o.pad, dataFormat: 'NHWC' };
    return this.run('Conv2D', { x, filter }, attrs as unknown as NamedAttrMap);
  }

  depthwiseConv2d(
    x: TensorInfo,
    filter: TensorInfo,
    o: { strides: [number, number]; dilations: [number, number]; pad: ExplicitPad4 },
  ): TensorInfo {
    const attrs = { strides: o.strides, dilations: o.dilations, pad: o.pad };
    return this.run('DepthwiseConv2dNative', { x, filter }, attrs as unknown as NamedAttrMap);
  }

  /** Takes `t` out of the scope so it survives `dispose()`; an input (not made here) is copied first. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.made.indexOf(t);
    if (i < 0) return this.keep(this.run('Identity', { x: t }));
    this.made.splice(i, 1);
    return t;
  }

  dispose(): void {
    // Reshape outputs share their source's data id with an extra reference, so each made TensorInfo
    // owns exactly one reference and disposing every one of them balances the counts.
    for (const t of this.made.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/**
 * Runs `body` in a fresh scope and returns its result with every other intermediate freed. `backend` is
 * what the engine passes a kernel function (typed `{}` by tfjs).
 */
export function composeKernel(backend: unknown, body: (s: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as KernelBackend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}
