import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { SonoError } from '../errors.js';

/**
 * Makes this thread's tfjs backend the pure-JS CPU one. Threads that only load, check, export or
 * probe models (analysis, ONNX export, the window scorer, checking a user backbone) need no WASM files,
 * and tfjs would otherwise pick the highest-priority registered backend (WASM), which is not
 * initialised outside the training workers: every op then throws "backend 'wasm' has not yet been
 * initialized". Training runs in worker threads with their own tfjs, so this does not disturb it.
 *
 * `purpose` finishes the error message ("... could not be started for <purpose>").
 */
export async function useCpuBackend(purpose: string): Promise<void> {
  // Unconditionally: even asking tf.getBackend() would start initialising a registered WASM backend.
  if (!(await tf.setBackend('cpu'))) throw new SonoError('UNSUPPORTED', `the tfjs CPU backend could not be started for ${purpose}`);
  await tf.ready();
  // The CPU backend prints an "install tfjs-node to speed things up" banner on its first tensor. Here
  // it is chosen on purpose for light work, and training already picks the fastest backend present and
  // records it, so the banner only misleads users who cannot install tfjs-node. tfjs has no option for
  // it; the flag is the one its backend checks (absent in another tfjs version: then nothing changes).
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | undefined;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

/**
 * Keeps the backend this thread already chose (WASM in a training worker, CPU elsewhere) and starts the
 * CPU one only when none was chosen yet, so that loading a model never meets a registered but
 * uninitialised WASM backend.
 */
export async function ensureBackend(purpose: string): Promise<void> {
  if (tf.engine().backendName) return;
  await useCpuBackend(purpose);
}
