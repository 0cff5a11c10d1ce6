import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// Registered at a higher priority than the CPU backend and never initialised in this file, as in a CLI
// process or a bench script that has not started training.
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { checkLayersModelJson } from './layers-model-json.js';
import { buildLayersModel } from './layers-model-load.js';

describe('buildLayersModel before any backend is chosen', () => {
  it('starts the CPU backend instead of failing on the uninitialised WASM one (which it reported as a corrupt file)', async () => {
    expect(tf.engine().backendName).toBeFalsy();
    const dir = path.join(sharedModelsDir(), 'mobilenet_v2_0.35_224');
    const jsonPath = path.join(dir, 'model.json');
    const json = checkLayersModelJson(JSON.parse(readFileSync(jsonPath, 'utf8')), jsonPath);
    const model = await buildLayersModel(json, readFileSync(path.join(dir, 'weights.bin')), jsonPath);
    expect(tf.getBackend()).toBe('cpu');
    expect(model.outputs[0].shape).toEqual([null, 7, 7, 1280]);
    model.dispose();
  });
});
