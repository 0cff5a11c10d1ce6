import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { installModelFiles, loadBackbone, locateBackbone, modelCacheDir, type ModelJson } from './locate.js';
import { getBackbone } from './registry.js';
import { sharedModelsDir } from './test-fixtures.js';

const entry = getBackbone('mobilenet_v2_0.35_224');
const sharedDir = path.join(sharedModelsDir(), entry.id);

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sonotl-locate-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function caught(p: Promise<unknown>): Promise<SonoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SonoError) return e;
    throw e;
  }
  throw new Error('expected a SonoError');
}

/** Copies the shared model into `<root>/<id>/`. */
async function installCopy(root: string): Promise<string> {
  const dir = path.join(root, entry.id);
  await mkdir(dir, { recursive: true });
  await copyFile(path.join(sharedDir, 'model.json'), path.join(dir, 'model.json'));
  await copyFile(path.join(sharedDir, 'weights.bin'), path.join(dir, 'weights.bin'));
  return dir;
}

describe('modelCacheDir', () => {
  it('follows each platform convention', () => {
    expect(modelCacheDir({ platform: 'linux', homeDir: '/home/u', env: {} })).toBe('/home/u/.cache/sonotl/models');
    expect(modelCacheDir({ platform: 'linux', homeDir: '/home/u', env: { XDG_CACHE_HOME: '/xdg' } })).toBe('/xdg/sonotl/models');
    // A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
    expect(modelCacheDir({ platform: 'linux', homeDir: '/home/u', env: { XDG_CACHE_HOME: 'rel' } })).toBe('/home/u/.cache/sonotl/models');
    expect(modelCacheDir({ platform: 'darwin', homeDir: '/Users/u', env: {} })).toBe('/Users/u/Library/Caches/sonotl/models');
    expect(modelCacheDir({ platform: 'win32', homeDir: 'C:\\Users\\u', env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' } })).toBe(
      'C:\\Users\\u\\AppData\\Local\\sonotl\\Cache\\models',
    );
  });
});

describe('locateBackbone', () => {
  it('finds and verifies the model in SONOTL_MODELS', async () => {
    const found = await locateBackbone(entry, { env: { SONOTL_MODELS: sharedModelsDir() }, homeDir: tmp });
    expect(found.dir).toBe(sharedDir);
    expect(found.weightPaths).toEqual([path.join(sharedDir, 'weights.bin')]);
  });

  it('falls back to the user cache', async () => {
    const cache = path.join(tmp, 'xdg');
    const dir = await installCopy(path.join(cache, 'sonotl', 'models'));
    const found = await locateBackbone(entry, { env: { SONOTL_MODELS: path.join(tmp, 'empty'), XDG_CACHE_HOME: cache }, platform: 'linux', homeDir: tmp });
    expect(found.dir).toBe(dir);
  });

  it('says where to put the files when they are missing', async () => {
    const env = { SONOTL_MODELS: path.join(tmp, 'models') };
    const e = await caught(locateBackbone(entry, { env, platform: 'linux', homeDir: tmp }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(`backbone ${entry.id} not found`);
    expect(e.message).toContain(path.join(tmp, 'models', entry.id, 'model.json'));
    expect(e.message).toContain(`into ${path.join(tmp, '.cache', 'sonotl', 'models', entry.id)}`);
    expect(e.message).toContain('set SONOTL_MODELS');
    expect(e.message).toContain(entry.sourceUrl);
    expect(e.message).not.toContain('\n');
  });

  it('reports a weights file that does not match the sha256', async () => {
    const root = path.join(tmp, 'models');
    const dir = await installCopy(root);
    const weights = await readFile(path.join(dir, 'weights.bin'));
    weights[1000] ^= 0x01;
    await writeFile(path.join(dir, 'weights.bin'), weights);
    const e = await caught(locateBackbone(entry, { env: { SONOTL_MODELS: root }, homeDir: tmp }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(new RegExp(`weights in .*${entry.id} have sha256 [0-9a-f]{64}, expected ${entry.weightsSha256}`));
  });

  it('reports a weight shard that model.json lists but is missing', async () => {
    const root = path.join(tmp, 'models');
    const dir = await installCopy(root);
    await rm(path.join(dir, 'weights.bin'));
    const e = await caught(locateBackbone(entry, { env: { SONOTL_MODELS: root }, homeDir: tmp }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('lists weights.bin, which is missing');
  });
});

describe('installModelFiles (the disk half of download)', () => {
  async function sharded(): Promise<{ json: ModelJson; shards: Uint8Array[] }> {
    // The public conversion may ship several shards; simulate two.
    const json = JSON.parse(await readFile(path.join(sharedDir, 'model.json'), 'utf8')) as ModelJson;
    const bytes = new Uint8Array(await readFile(path.join(sharedDir, 'weights.bin')));
    const cut = 1 << 20;
    json.weightsManifest = [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: json.weightsManifest[0].weights }];
    return { json, shards: [bytes.subarray(0, cut), bytes.subarray(cut)] };
  }

  it('joins shards into weights.bin and leaves no temporary files', async () => {
    const { json, shards } = await sharded();
    const dir = path.join(tmp, 'cache', entry.id);
    await installModelFiles(entry, json, shards, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const model = await loadBackbone(entry.id, { env: { SONOTL_MODELS: path.join(tmp, 'cache') }, homeDir: tmp });
    expect(model.outputs[0].shape).toEqual([null, 7, 7, 1280]);
    model.dispose();
  });

  it('refuses corrupted downloads without writing anything', async () => {
    const { json, shards } = await sharded();
    shards[1] = shards[1].slice();
    shards[1][5] ^= 0xff;
    const dir = path.join(tmp, 'cache', entry.id);
    const e = await caught(installModelFiles(entry, json, shards, dir));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain('nothing was installed');
    await expect(readdir(dir)).rejects.toThrow();
  });
});

describe('loadBackbone', () => {
  it('rejects an unknown id', async () => {
    const e = await caught(loadBackbone('resnet_9000'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('unknown backbone resnet_9000');
  });
});
