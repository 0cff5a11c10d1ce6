import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getBackbone } from '../../core/backbones/registry.js';
import { randomizeWeights, useCpuBackend } from '../../core/onnx/test-support.js';
import { sonotl } from '../../../test/helpers/cli.js';
import { registerBackbonesAdd } from './backbones-add.js';

let root: string;
const saved = { ...process.env };

beforeAll(async () => {
  await useCpuBackend();
  root = await mkdtemp(path.join(os.tmpdir(), 'sonotl-cli-backbones-'));
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
  delete process.env.SONOTL_MODELS;
  const input = tfl.input({ shape: [12, 12, 3] });
  const out = tfl.layers.conv2d({ filters: 3, kernelSize: 3, name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  randomizeWeights(model, 3);
  await model.save(tf.io.withSaveHandler(async (a) => {
    await mkdir(path.join(root, 'src'));
    await writeFile(path.join(root, 'src', 'w.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    await writeFile(path.join(root, 'src', 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
});
afterAll(async () => {
  process.env = saved;
  await rm(root, { recursive: true, force: true });
});

function program(): Command {
  const p = new Command('sonotl').exitOverride();
  const backbones = p.command('backbones').exitOverride();
  registerBackbonesAdd(backbones);
  backbones.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }));
  return p;
}

describe('sonotl backbones add', () => {
  it('adds a folder under --id with its feature layer and PA-frozen layers', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await program().parseAsync(['backbones', 'add', path.join(root, 'src'), '--id', 'cli-net', '--feature-layer', 'c1', '--pa-frozen', 'c1'], { from: 'user' });
      expect(log).toHaveBeenCalledWith('added backbone cli-net: input 12x12, feature c1 (average-pooled, 3-d), 1 layers frozen for PA');
    } finally {
      log.mockRestore();
    }
    expect(getBackbone('cli-net').layerGroups[0].layers).toEqual(['c1']);
    expect(existsSync(path.join(root, 'cache', 'sonotl', 'models', 'cli-net', 'backbone.json'))).toBe(true);
  });

  it('works from the built CLI, where no tfjs backend has been chosen yet', async () => {
    // In-process tests have the CPU backend set already; the real CLI starts with WASM registered but
    // not initialised, which once failed every op with "backend 'wasm' has not yet been initialized".
    // The child inherits XDG_CACHE_HOME from beforeAll.
    const r = sonotl(['backbones', 'add', path.join(root, 'src'), '--id', 'spawned-net', '--feature-layer', 'c1']);
    expect(r.stderr).not.toContain('has not yet been initialized');
    expect(r.stdout).toContain('added backbone spawned-net: input 12x12');
    expect(r.status).toBe(0);
    expect(existsSync(path.join(root, 'cache', 'sonotl', 'models', 'spawned-net', 'backbone.json'))).toBe(true);
  }, 60_000);

  it('requires --id and --feature-layer, and checks --pooling', async () => {
    await expect(program().parseAsync(['backbones', 'add', path.join(root, 'src'), '--feature-layer', 'c1'], { from: 'user' }))
      .rejects.toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
    await expect(program().parseAsync(['backbones', 'add', 'x', '--id', 'a', '--feature-layer', 'c1', '--pooling', 'max'], { from: 'user' }))
      .rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});
