import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradient functions (tf.grad fails on every op); the tfjs-layers
// bundle registers all of them into the same global registry.
import '@tensorflow/tfjs-layers';

import { errorMessage, SonoError } from '../errors.js';
import { registerActivationGradients } from './wasm-kernels/activation-gradients.js';
import { registerBatchNormGradient } from './wasm-kernels/batch-norm-gradient.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';

export type TrainingBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TrainingBackend {
  backend: TrainingBackendName;
  /** WASM SIMD in use; false for the non-WASM backends. */
  simd: boolean;
  /** Threads the backend computes with (native TensorFlow: its default, one per logical core). */
  threads: number;
}

/** Fastest first; the native ones are optional packages that are usually absent. */
const AUTO_ORDER: readonly TrainingBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

export const BACKEND_ENV = 'SONOTL_BACKEND';

/**
 * Selects the tfjs backend used for training and makes it active. `SONOTL_BACKEND` overrides
 * `opts.prefer`, and either one is a demand: if that backend cannot be made active, this throws rather than
 * training on something slower. Without either, the first backend of tensorflow-gpu, tensorflow, wasm, cpu
 * that starts is used.
 */
export async function initTraining(opts: { prefer?: string } = {}): Promise<TrainingBackend> {
  // Gradients are global to tfjs, not per backend; these replace tfjs's slow ones for every backend.
  registerBatchNormGradient();
  registerActivationGradients();
  const fromEnv = process.env[BACKEND_ENV]?.trim();
  const requested = fromEnv || opts.prefer?.trim();
  if (requested) {
    const origin = fromEnv ? `${BACKEND_ENV}=${fromEnv}` : `prefer: '${requested}'`;
    const name = parseBackendName(requested, origin);
    try {
      return await activate(name);
    } catch (e) {
      throw new SonoError('UNSUPPORTED', `Training backend '${name}' (${origin}) could not be started: ${errorMessage(e)}`, name);
    }
  }
  const failures: string[] = [];
  for (const name of AUTO_ORDER) {
    try {
      return await activate(name);
    } catch (e) {
      failures.push(`${name}: ${errorMessage(e)}`);
    }
  }
  throw new SonoError('UNSUPPORTED', `No training backend could be started (${failures.join('; ')})`);
}

function parseBackendName(value: string, origin: string): TrainingBackendName {
  const name = value.toLowerCase();
  if ((AUTO_ORDER as readonly string[]).includes(name)) return name as TrainingBackendName;
  throw new SonoError('BAD_INPUT', `Unknown training backend in ${origin}; use one of ${AUTO_ORDER.join(', ')}`, value);
}

async function activate(name: TrainingBackendName): Promise<TrainingBackend> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = NATIVE_PACKAGES[name];
      try {
        // A non-literal specifier keeps TypeScript from requiring the optional package at build time.
        const specifier: string = pkg;
        await import(specifier);
      } catch (e) {
        throw new Error(`${pkg} is not installed or does not load (${errorMessage(e)})`);
      }
      await activateBackend('tensorflow');
      return { backend: name, simd: false, threads: availableParallelism() };
    }
    case 'wasm': {
      // Before activation: BatchMatMul's replacement carries the original's setup, which runs at init.
      registerWasmTrainingKernels();
      pointWasmAtPackageBinaries();
      await activateBackend('wasm');
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      return { backend: 'wasm', simd, threads: tfWasm.getThreadsCount() };
    }
    case 'cpu':
      await activateBackend('cpu');
      return { backend: 'cpu', simd: false, threads: 1 };
  }
}

let wasmPathsSet = false;

/**
 * Emscripten's default lookup in Node is relative to the loading script, which breaks once the code is
 * bundled (Electron); the package's own dist folder is where the .wasm binaries really are.
 */
function pointWasmAtPackageBinaries(): void {
  if (wasmPathsSet) return;
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  tfWasm.setWasmPaths(path.dirname(entry) + path.sep);
  wasmPathsSet = true;
}

/**
 * `tf.setBackend` reports failure only through its boolean (and a console warning), and tfjs may keep
 * or pick another backend, so both the result and the backend actually active are checked. A failed
 * `setBackend` leaves tfjs naming the broken backend with no instance, and the next op would then quietly
 * initialise whichever backend tfjs ranks best; the previous backend is restored to prevent that.
 */
export async function activateBackend(name: string): Promise<void> {
  if (tf.findBackendFactory(name) == null) throw new Error(`no tfjs backend named '${name}' is registered`);
  const previous = tf.getBackend();
  if (!(await tf.setBackend(name))) {
    if (previous && previous !== name) await tf.setBackend(previous);
    throw new Error(`tf.setBackend('${name}') failed to initialise the backend`);
  }
  const active = tf.getBackend();
  if (active !== name) throw new Error(`tfjs is running on '${active}' instead of '${name}'`);
}
