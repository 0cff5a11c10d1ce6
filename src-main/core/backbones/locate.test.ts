import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { download, ensureBackbone, installModelFiles, loadBackbone, locateBackbone, modelCacheDir, type ModelJson } from './locate.js';
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
    expect(found.verified).toBe(true);
  });

  it('accepts an entry with no published hash as unverified instead of failing on "expected null"', async () => {
    const unhashed = { ...entry, weightsSha256: null };
    const found = await locateBackbone(unhashed, { env: { SONOTL_MODELS: sharedModelsDir() }, homeDir: tmp });
    expect(found.dir).toBe(sharedDir);
    expect(found.verified).toBe(false);
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

  it('refuses a model.json that is a link, even to the real one', async () => {
    const root = path.join(tmp, 'models');
    const dir = await installCopy(root);
    await rm(path.join(dir, 'model.json'));
    await symlink(path.join(sharedDir, 'model.json'), path.join(dir, 'model.json'));
    const e = await caught(locateBackbone(entry, { env: { SONOTL_MODELS: root }, homeDir: tmp }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(`${path.join(dir, 'model.json')} is a symbolic link; a backbone's model.json must be a regular file in its folder`);
  });

  it('refuses a weights.bin whose size differs from what model.json declares, naming both', async () => {
    const root = path.join(tmp, 'models');
    const dir = await installCopy(root);
    const weights = await readFile(path.join(dir, 'weights.bin'));
    await writeFile(path.join(dir, 'weights.bin'), weights.subarray(0, weights.length - 4));
    const e = await caught(locateBackbone(entry, { env: { SONOTL_MODELS: root }, homeDir: tmp }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(
      `backbone ${entry.id}: ${path.join(dir, 'model.json')} declares ${weights.length} bytes of weights, but ${path.join(dir, 'weights.bin')} holds ${weights.length - 4}`,
    );
  });
});

describe('loadBackbone on a model.json tfjs cannot build', () => {
  it('turns the tfjs error into CORRUPT naming model.json', async () => {
    const root = path.join(tmp, 'models');
    const dir = await installCopy(root);
    // The weights still match the registry: only the topology (not covered by the hash) is broken.
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: Array<{ class_name: string }> } } };
    json.modelTopology.config.layers[1].class_name = 'NoSuchLayer';
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    const e = await caught(loadBackbone(entry.id, { env: { SONOTL_MODELS: root }, homeDir: tmp }));
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toMatch(new RegExp(`^${path.join(dir, 'model.json').replace(/[.]/g, '\\.')}: cannot be loaded as a tfjs model: .*NoSuchLayer`));
    expect(e.message).not.toContain('\n');
  });
});

describe('download (with a stand-in server)', () => {
  /** Serves `files` (names relative to the entry's sourceUrl folder); anything else is a 404. */
  function server(files: Record<string, Uint8Array | string>): { fetch: typeof fetch; asked: string[] } {
    const base = new URL('.', entry.sourceUrl).href;
    const asked: string[] = [];
    const f = (async (input: string | URL | Request) => {
      const url = String(input);
      asked.push(url);
      const body = url.startsWith(base) ? files[url.slice(base.length)] : undefined;
      return body === undefined ? new Response('no', { status: 404 }) : new Response(body);
    }) as typeof fetch;
    return { fetch: f, asked };
  }
  const name = path.basename(new URL(entry.sourceUrl).pathname);
  const cacheOpts = () => ({ env: { XDG_CACHE_HOME: path.join(tmp, 'xdg') }, platform: 'linux' as const, homeDir: tmp });
  async function published(): Promise<{ json: ModelJson; weights: Uint8Array }> {
    return {
      json: JSON.parse(await readFile(path.join(sharedDir, 'model.json'), 'utf8')) as ModelJson,
      weights: new Uint8Array(await readFile(path.join(sharedDir, 'weights.bin'))),
    };
  }

  it('fetches model.json and its shards and installs a model that locate verifies', async () => {
    const { json, weights } = await published();
    const cut = 1 << 20;
    json.weightsManifest = [{ paths: ['s1.bin', 's2.bin'], weights: json.weightsManifest[0].weights }];
    const { fetch } = server({ [name]: JSON.stringify(json), 's1.bin': weights.subarray(0, cut), 's2.bin': weights.subarray(cut) });
    const got = await download(entry, { ...cacheOpts(), fetch });
    expect(got.dir).toBe(path.join(modelCacheDir(cacheOpts()), entry.id));
    expect((await locateBackbone(entry, { ...cacheOpts(), env: { ...cacheOpts().env, SONOTL_MODELS: path.join(tmp, 'none') } })).dir).toBe(got.dir);
  });

  it('ensureBackbone downloads into the cache once when the model is nowhere, and then finds it locally', async () => {
    const { json, weights } = await published();
    const { fetch, asked } = server({ [name]: JSON.stringify(json), 'weights.bin': weights });
    const lines: string[] = [];
    const first = await ensureBackbone(entry, { ...cacheOpts(), fetch, log: (l) => lines.push(l) });
    expect(first.dir).toBe(path.join(modelCacheDir(cacheOpts()), entry.id));
    expect(lines).toEqual([`downloading backbone ${entry.id} from ${entry.sourceUrl} into ${modelCacheDir(cacheOpts())} (once)`]);
    const n = asked.length;
    expect((await ensureBackbone(entry, { ...cacheOpts(), fetch })).dir).toBe(first.dir);
    expect(asked.length).toBe(n);
  });

  it('ensureBackbone never downloads when SONOTL_MODELS names a folder, and says both problems when a download fails', async () => {
    const { fetch, asked } = server({});
    const pinned = await caught(ensureBackbone(entry, { ...cacheOpts(), env: { ...cacheOpts().env, SONOTL_MODELS: path.join(tmp, 'none') }, fetch }));
    expect(pinned.code).toBe('NOT_FOUND');
    const offline = await caught(ensureBackbone(entry, { ...cacheOpts(), env: { ...cacheOpts().env, SONOTL_NO_DOWNLOAD: '1' }, fetch }));
    expect(offline.code).toBe('NOT_FOUND');
    expect(asked).toEqual([]);
    const failed = await caught(ensureBackbone(entry, { ...cacheOpts(), fetch }));
    expect(failed.code).toBe('NOT_FOUND');
    expect(failed.message).toMatch(/not found \(looked for .*; downloading it failed too: cannot download .*HTTP 404/);
  });

  it('refuses a shard name that climbs out of model.json\'s folder on the server, before fetching it', async () => {
    const { json, weights } = await published();
    json.weightsManifest[0].paths = ['%2e%2e'];
    const { fetch, asked } = server({ [name]: JSON.stringify(json), '%2e%2e': weights });
    const e = await caught(download(entry, { ...cacheOpts(), fetch }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain(`${entry.sourceUrl} lists weight file "%2e%2e"`);
    expect(asked).toEqual([entry.sourceUrl]);
    await expect(readdir(path.join(tmp, 'xdg'))).rejects.toThrow();
  });

  it('stops reading a shard that grows past the declared weights, and installs nothing', async () => {
    const { json, weights } = await published();
    const { fetch } = server({ [name]: JSON.stringify(json), 'weights.bin': new Uint8Array(weights.length + 1) });
    const e = await caught(download(entry, { ...cacheOpts(), fetch }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain(`is ${weights.length + 1} bytes or more, more than the ${weights.length} bytes of weights ${entry.sourceUrl} declares`);
    await expect(readdir(path.join(tmp, 'xdg'))).rejects.toThrow();
  });

  it('refuses shards shorter than declared, a model.json that is not JSON, and a manifest with a bad entry', async () => {
    const { json, weights } = await published();
    const short = await caught(download(entry, { ...cacheOpts(), fetch: server({ [name]: JSON.stringify(json), 'weights.bin': weights.subarray(8) }).fetch }));
    expect(short.message).toBe(`${entry.sourceUrl} declares ${weights.length} bytes of weights, but its shards hold ${weights.length - 8}; nothing was installed`);
    const notJson = await caught(download(entry, { ...cacheOpts(), fetch: server({ [name]: '{"modelTopology":' }).fetch }));
    expect(notJson.message).toMatch(new RegExp(`^${entry.sourceUrl.replace(/[.?]/g, '\\$&')} is not JSON: `));
    const badEntry = await caught(download(entry, { ...cacheOpts(), fetch: server({ [name]: JSON.stringify({ ...json, weightsManifest: [null] }) }).fetch }));
    expect(badEntry.code).toBe('BAD_INPUT');
    expect(badEntry.message).toBe(`${entry.sourceUrl} is not a usable tfjs model.json: weightsManifest[0] is not an object`);
    await expect(readdir(path.join(tmp, 'xdg'))).rejects.toThrow();
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
