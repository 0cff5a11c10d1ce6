import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SonoError } from '../errors.js';
import { activateBackend, BACKEND_ENV, initTraining } from './backend.js';
import { isTrainingKernelInstalled } from './wasm-kernels/register.js';

const savedEnv = process.env[BACKEND_ENV];

beforeEach(() => {
  delete process.env[BACKEND_ENV];
});

afterEach(() => {
  if (savedEnv === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = savedEnv;
});

async function rejection(p: Promise<unknown>): Promise<SonoError> {
  const e = await p.then(
    () => { throw new Error('expected a rejection'); },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SonoError);
  return e as SonoError;
}

describe('initTraining', () => {
  it('falls through the absent native packages to WASM with SIMD and the training kernels', async () => {
    const info = await initTraining();
    expect(info).toEqual({ backend: 'wasm', simd: true, threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(isTrainingKernelInstalled('Conv2DBackpropFilter')).toBe(true);
    expect(isTrainingKernelInstalled('BatchMatMul')).toBe(true);
  });

  it('honours prefer', async () => {
    expect(await initTraining({ prefer: 'cpu' })).toEqual({ backend: 'cpu', simd: false, threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('lets SONOTL_BACKEND override prefer, case-insensitively', async () => {
    process.env[BACKEND_ENV] = 'CPU';
    expect((await initTraining({ prefer: 'wasm' })).backend).toBe('cpu');
    process.env[BACKEND_ENV] = 'wasm';
    expect((await initTraining({ prefer: 'cpu' })).backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('throws instead of falling back when a requested native backend is missing', async () => {
    await initTraining({ prefer: 'cpu' });
    const e = await rejection(initTraining({ prefer: 'tensorflow' }));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/'tensorflow'.*@tensorflow\/tfjs-node is not installed/);
    expect(tf.getBackend()).toBe('cpu');

    process.env[BACKEND_ENV] = 'tensorflow-gpu';
    const gpu = await rejection(initTraining());
    expect(gpu.message).toMatch(/SONOTL_BACKEND=tensorflow-gpu.*@tensorflow\/tfjs-node-gpu/);
  });

  it('rejects unknown backend names', async () => {
    process.env[BACKEND_ENV] = 'webgl';
    const e = await rejection(initTraining());
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/tensorflow-gpu, tensorflow, wasm, cpu/);
  });
});

describe('activateBackend', () => {
  it('reports a backend that fails to initialise instead of running on the previous one', async () => {
    await activateBackend('cpu');
    tf.registerBackend('sonotl-test-broken', () => {
      throw new Error('no device');
    });
    try {
      await expect(activateBackend('sonotl-test-broken')).rejects.toThrow(/failed to initialise/);
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      tf.removeBackend('sonotl-test-broken');
    }
  });

  it('reports a backend that is not registered', async () => {
    await expect(activateBackend('sonotl-test-absent')).rejects.toThrow(/no tfjs backend named 'sonotl-test-absent'/);
  });
});
