import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomArray, randomizeWeights, seededRandom, useCpuBackend } from '../onnx/test-support.js';
import { CAFFENET, buildCaffeNet } from './caffenet.js';
import { loadBackbone } from './locate.js';
import { getBackbone, listBackbones } from './registry.js';
import { addUserBackbone, isUserBackbone, registerUserBackbones } from './user-backbones.js';

let root: string;
const cacheOpts = (name: string) => ({ env: { XDG_CACHE_HOME: path.join(root, name) }, platform: 'linux' as const, homeDir: path.join(root, 'home') });
const cacheDir = (name: string) => path.join(root, name, 'sonotl', 'models');

/** Saves a model as model.json plus `shards` weight files, the way tfjs converters split large models. */
async function saveFolder(model: tfl.LayersModel, dir: string, shards = 2): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const data = new Uint8Array(artifacts!.weightData as ArrayBuffer);
  const cut = Math.floor(data.length / shards / 4) * 4;
  const parts = shards === 1 ? [data] : [data.subarray(0, cut), data.subarray(cut)];
  const paths = parts.map((_, i) => `group1-shard${i + 1}of${parts.length}.bin`);
  await mkdir(dir, { recursive: true });
  await Promise.all(parts.map((p, i) => writeFile(path.join(dir, paths[i]), p)));
  await writeFile(path.join(dir, 'model.json'), JSON.stringify({
    modelTopology: artifacts!.modelTopology,
    weightsManifest: [{ paths, weights: artifacts!.weightSpecs }],
    format: 'layers-model',
  }));
}

function smallNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 20, 3] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', name: 'stem' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', name: 'top' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: x, name: 'small_net' });
  randomizeWeights(model, 21);
  return model;
}

beforeAll(async () => {
  await useCpuBackend();
  root = await mkdtemp(path.join(os.tmpdir(), 'sonotl-user-backbones-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('addUserBackbone', () => {
  it('copies a sharded tfjs folder into the cache, registers it, and loads it with the same outputs', async () => {
    const model = smallNet();
    const src = path.join(root, 'src-small');
    await saveFolder(model, src);
    const entry = await addUserBackbone(src, { ...cacheOpts('cacheA'), id: 'my-net', featureLayer: 'top', paFrozen: ['stem'] });
    expect(entry).toMatchObject({ id: 'my-net', inputSize: [16, 20], featureLayer: 'top', featurePooling: 'avg', featureDim: 6, preprocessing: 'tf' });
    expect(entry.layerGroups).toEqual([{ name: 'pa-frozen', layers: ['stem'] }]);
    const dir = path.join(cacheDir('cacheA'), 'my-net');
    expect(existsSync(path.join(dir, 'weights.bin')) && existsSync(path.join(dir, 'model.json'))).toBe(true);
    expect(JSON.parse(await readFile(path.join(dir, 'backbone.json'), 'utf8')).addedFrom).toBe(src);
    expect(listBackbones().map((e) => e.id)).toContain('my-net');
    expect(getBackbone('my-net')).toBe(entry);
    expect(isUserBackbone('my-net', cacheOpts('cacheA'))).toBe(true);
    expect(isUserBackbone('caffenet', cacheOpts('cacheA'))).toBe(false);

    // The copy is independent of the source folder.
    await rm(src, { recursive: true });
    const loaded = await loadBackbone('my-net', cacheOpts('cacheA'));
    const x = tf.tensor(randomArray(16 * 20 * 3, seededRandom(2)), [1, 16, 20, 3]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    x.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('a CaffeNet folder (custom LRN / GroupedConv2D layers) with its fc7 vector feature', async () => {
    const model = buildCaffeNet({ ...CAFFENET, inputSize: [67, 67], widths: { conv1: 4, conv2: 4, conv3: 4, conv4: 4, conv5: 4, fc6: 8, fc7: 6, fc8: 3 } });
    const src = path.join(root, 'src-caffe');
    await saveFolder(model, src, 1);
    model.dispose();
    const entry = await addUserBackbone(src, { ...cacheOpts('cacheA'), id: 'caffenet-finetuned', featureLayer: 'fc7', preprocessing: 'caffe' });
    expect(entry).toMatchObject({ featurePooling: 'none', featureDim: 6, preprocessing: 'caffe', inputSize: [67, 67] });
  });

  it('refuses bad ids, taken ids, unknown layers, truncated shards and non-image inputs', async () => {
    const src = path.join(root, 'src-bad');
    const model = smallNet();
    await saveFolder(model, src);
    const opts = { ...cacheOpts('cacheB'), featureLayer: 'top' };
    await expect(addUserBackbone(src, { ...opts, id: '../escape' })).rejects.toThrow(/backbone id "\.\.\/escape" must be/);
    await expect(addUserBackbone(src, { ...opts, id: 'caffenet' })).rejects.toThrow('backbone caffenet already exists; choose another --id');
    await expect(addUserBackbone(src, { ...opts, id: 'n1', featureLayer: 'nope' })).rejects.toThrow(`${path.join(src, 'model.json')}: no layer named nope (the feature layer)`);
    await expect(addUserBackbone(src, { ...opts, id: 'n1', paFrozen: ['stem', 'gone'] })).rejects.toThrow(/no layer named gone \(listed as frozen for PA\)/);
    await expect(addUserBackbone(src, { ...opts, id: 'n1', featurePooling: 'none' })).rejects.toThrow(/outputs \[null,5,7,6\], which 'none' pooling cannot/);
    await expect(addUserBackbone(path.join(root, 'absent'), { ...opts, id: 'n1' })).rejects.toThrow(/cannot read .*absent\/model\.json/);

    const shard = path.join(src, 'group1-shard2of2.bin');
    await writeFile(shard, (await readFile(shard)).subarray(0, 10));
    await expect(addUserBackbone(src, { ...opts, id: 'n1' })).rejects.toThrow(/declares \d+ bytes of weights, its shards hold \d+ \(truncated/);

    const gray = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 })] });
    await saveFolder(gray, path.join(root, 'src-gray'), 1);
    await expect(addUserBackbone(path.join(root, 'src-gray'), { ...opts, id: 'n2', featureLayer: gray.layers[0].name }))
      .rejects.toThrow(/input shape \[null,8,8,1\] is not \[null, height, width, 3\]/);
    expect(existsSync(cacheDir('cacheB'))).toBe(false);
    model.dispose();
    gray.dispose();
  });
});

describe('registerUserBackbones', () => {
  it('registers cached entries at start-up and reports broken ones without stopping', async () => {
    const cache = cacheDir('cacheC');
    await mkdir(cache, { recursive: true });
    await cp(path.join(cacheDir('cacheA'), 'my-net'), path.join(cache, 'other-net'), { recursive: true });
    const json = JSON.parse(await readFile(path.join(cache, 'other-net', 'backbone.json'), 'utf8'));
    await writeFile(path.join(cache, 'other-net', 'backbone.json'), JSON.stringify({ ...json, id: 'other-net' }));
    await mkdir(path.join(cache, 'broken'));
    await writeFile(path.join(cache, 'broken', 'backbone.json'), JSON.stringify({ ...json, id: 'broken', featurePooling: 'max' }));

    const r = registerUserBackbones(cacheOpts('cacheC'));
    expect(r.registered).toEqual(['other-net']);
    expect(r.problems).toEqual([`${path.join(cache, 'broken', 'backbone.json')}: featurePooling max is not avg or none`]);
    expect(getBackbone('other-net').featureLayer).toBe('top');
    const model = await loadBackbone('other-net', cacheOpts('cacheC'));
    expect(model.outputs[0].shape).toEqual([null, 5, 7, 6]);
    model.dispose();
    // Running it again changes nothing.
    expect(registerUserBackbones(cacheOpts('cacheC'))).toEqual({ registered: [], problems: r.problems });
  });
});
