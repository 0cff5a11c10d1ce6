import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights, useCpuBackend } from '../src-main/core/onnx/test-support.js';
import { sonotl } from './helpers/cli.js';
import { makeHc18Slice } from './helpers/hc18-slice.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-cli-user-backbones-'));
const saved = process.env.XDG_CACHE_HOME;

beforeAll(async () => {
  await useCpuBackend();
  // The spawned CLI inherits this cache, so the backbone added below is only visible through it.
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  const input = tfl.input({ shape: [32, 32, 3] });
  const out = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  randomizeWeights(model, 5);
  await model.save(tf.io.withSaveHandler(async (a) => {
    mkdirSync(join(work, 'net'));
    writeFileSync(join(work, 'net', 'w.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(work, 'net', 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
});
afterAll(() => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved;
  rmSync(work, { recursive: true, force: true });
});

describe('user backbones across CLI commands', () => {
  it('a backbone added by `backbones add` is known to `features` in a later process, and a broken one is only a note', () => {
    expect(sonotl(['backbones', 'add', join(work, 'net'), '--id', 'lab-net', '--feature-layer', 'c1']).status).toBe(0);
    mkdirSync(join(work, 'cache', 'sonotl', 'models', 'broken-net'));
    writeFileSync(join(work, 'cache', 'sonotl', 'models', 'broken-net', 'backbone.json'), '{');
    const project = join(work, 'p');
    expect(sonotl(['init', project]).status).toBe(0);
    const slice = makeHc18Slice(work, 2);
    expect(sonotl(['import', project, slice.folder, '--coco', slice.coco]).status).toBe(0);

    const out = join(work, 'f.npy');
    const r = sonotl(['features', project, '--backbone', 'lab-net', '--out', out]);
    expect(r.stderr).not.toContain('unknown backbone');
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stderr).toMatch(/note: .*broken-net.*backbone\.json: not JSON/);

    const unknown = sonotl(['features', project, '--backbone', 'no-such-net', '--out', join(work, 'g.npy')]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown backbone no-such-net; known: .*lab-net/);
  }, 120_000);
});
