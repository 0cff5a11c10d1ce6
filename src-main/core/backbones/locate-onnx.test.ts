import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSonoError } from '../errors.js';
import { useCpuBackend } from '../onnx/test-support.js';
import { caffeNetOnnx } from './caffenet-test-onnx.js';
import { loadBackbone, locateBackbone } from './locate.js';
import { loadOnnxBackbone, locateOnnxBackbone } from './locate-onnx.js';
import { getBackbone } from './registry.js';

const entry = getBackbone('caffenet');
let root: string;
let bytes: Uint8Array;

beforeAll(async () => {
  await useCpuBackend();
  root = await mkdtemp(path.join(os.tmpdir(), 'sonotl-locate-onnx-'));
  // The registry's 227 x 227 input with reduced widths: small, yet loadable through the real entry.
  bytes = caffeNetOnnx({
    inputSize: [227, 227],
    widths: { conv1: 4, conv2: 8, conv3: 8, conv4: 8, conv5: 4, fc6: 16, fc7: 12, fc8: 5 },
  });
  await mkdir(path.join(root, 'models', 'caffenet'), { recursive: true });
  await writeFile(path.join(root, 'models', 'caffenet', 'caffenet-12.onnx'), bytes);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const env = () => ({ SONOTL_MODELS: path.join(root, 'models') });
const emptyHome = () => ({ env: { XDG_CACHE_HOME: path.join(root, 'cache') }, platform: 'linux' as const, homeDir: path.join(root, 'home') });

const sha = () => createHash('sha256').update(bytes).digest('hex');

describe('CaffeNet from caffenet/caffenet-12.onnx', () => {
  it("is found under SONOTL_MODELS and verified against the entry's sha256", async () => {
    const located = await locateOnnxBackbone({ ...entry, weightsSha256: sha() }, { env: env() });
    expect(located.onnxPath).toBe(path.join(root, 'models', 'caffenet', 'caffenet-12.onnx'));
    expect(located).toMatchObject({ verified: true, sha256: sha() });
  });

  it('without a registered sha256 it is reported unverified, with its actual hash', async () => {
    const located = await locateOnnxBackbone({ ...entry, weightsSha256: null }, { env: env() });
    expect(located).toMatchObject({ verified: false, sha256: sha() });
  });

  it('the registry pins the zoo file: a generated stand-in is refused by loadBackbone', async () => {
    expect(entry.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(loadBackbone('caffenet', { env: env() })).rejects.toThrow(`has sha256 ${sha()}, expected ${entry.weightsSha256}`);
  });

  it('loadOnnxBackbone converts it to a tfjs model with the fc7 feature layer', async () => {
    const model = await loadOnnxBackbone({ ...entry, weightsSha256: sha() }, { env: env() });
    try {
      expect(model.inputs[0].shape).toEqual([null, 227, 227, 3]);
      expect(model.getLayer(entry.featureLayer).outputShape).toEqual([null, 12]);
      for (const g of entry.layerGroups) for (const l of g.layers) expect(() => model.getLayer(l)).not.toThrow();
    } finally {
      model.dispose();
    }
  });

  it('a file that does not match a registered sha256 is refused', async () => {
    const pinned = { ...entry, weightsSha256: '0'.repeat(64) };
    await expect(locateOnnxBackbone(pinned, { env: env() })).rejects.toThrow(/caffenet-12\.onnx has sha256 [0-9a-f]{64}, expected 0{64}; replace it with https:/);
  });

  it('a missing file says where to put it and where to get it', async () => {
    const e = await locateOnnxBackbone(entry, emptyHome()).catch((err: unknown) => err);
    expect(isSonoError(e) && e.code).toBe('NOT_FOUND');
    const message = (e as Error).message;
    expect(message).toContain(path.join(root, 'cache', 'sonotl', 'models', 'caffenet'));
    expect(message).toContain(entry.sourceUrl);
    expect(message).toContain('SONOTL_MODELS');
    await expect(loadBackbone('caffenet', emptyHome())).rejects.toThrow(/backbone caffenet not found/);
  });

  it('locateBackbone (tfjs model.json) points ONNX entries to locateOnnxBackbone', async () => {
    await expect(locateBackbone(entry, { env: env() })).rejects.toThrow(/published as caffenet-12\.onnx, not a tfjs model\.json/);
  });
});
