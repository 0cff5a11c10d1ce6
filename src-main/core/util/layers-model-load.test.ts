import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import type { LayersModelJson } from './layers-model-json.js';
import { buildLayersModel } from './layers-model-load.js';

async function artifactsOf(model: tfl.LayersModel): Promise<{ json: LayersModelJson; weights: Uint8Array }> {
  let got: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => ((got = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const a = got as unknown as tf.io.ModelArtifacts;
  const json = { modelTopology: a.modelTopology as Record<string, unknown>, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs as LayersModelJson['weightsManifest'][0]['weights'] }] };
  return { json, weights: new Uint8Array(a.weightData as ArrayBuffer) };
}

describe('buildLayersModel', () => {
  it('loads weights given as a view into a larger buffer exactly', async () => {
    await tf.setBackend('cpu');
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, name: 'd' })] });
    const { json, weights } = await artifactsOf(model);
    const big = new Uint8Array(weights.length + 16);
    big.set(weights, 8);
    const back = await buildLayersModel(json, big.subarray(8, 8 + weights.length), 'm/model.json');
    expect(back.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
  });

  it('turns a topology tfjs cannot build into one line naming the file, with the code asked for', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, name: 'd' })] });
    const { json, weights } = await artifactsOf(model);
    const broken = JSON.parse(JSON.stringify(json).replace('"Dense"', '"NoSuchLayer"')) as LayersModelJson;
    const e = await buildLayersModel(broken, weights, 'user/model.json', 'BAD_INPUT').then(
      () => ({ code: 'loaded', message: 'the broken model loaded' }),
      (x: unknown) => x as { code: string; message: string },
    );
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^user\/model\.json: cannot be loaded as a tfjs model: .*NoSuchLayer/);
    expect(e.message).not.toContain('\n');
  });
});
