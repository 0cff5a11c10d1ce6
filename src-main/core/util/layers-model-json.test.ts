import { describe, expect, it } from 'vitest';
import { SonoError } from '../errors.js';
import { checkLayersModelJson, declaredWeightBytes, MAX_MODEL_JSON_DEPTH } from './layers-model-json.js';

const good = () => ({
  format: 'layers-model',
  generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
  convertedBy: null,
  modelTopology: { class_name: 'Sequential', config: { layers: [] } },
  weightsManifest: [
    {
      paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
      weights: [
        { name: 'dense/kernel', shape: [4, 2], dtype: 'float32' },
        { name: 'dense/bias', shape: [2], dtype: 'float32' },
        { name: 'q', shape: [3, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
        { name: 'step', shape: [], dtype: 'int32' },
      ],
    },
  ],
});

function refusal(json: unknown): string {
  try {
    checkLayersModelJson(json, '/m/model.json');
  } catch (e) {
    expect(e).toBeInstanceOf(SonoError);
    expect((e as SonoError).code).toBe('BAD_INPUT');
    expect((e as SonoError).message).toMatch(/^\/m\/model\.json is not a usable tfjs model\.json: /);
    return (e as SonoError).message;
  }
  throw new Error('accepted');
}

describe('checkLayersModelJson', () => {
  it('accepts what tfjs writes and counts its weight bytes, quantized ones at their stored width', () => {
    const json = checkLayersModelJson(good(), 'm.json');
    expect(declaredWeightBytes(json, 'm.json')).toBe(4 * 2 * 4 + 2 * 4 + 9 * 1 + 4);
  });

  it('refuses shard paths that are not plain file names in the model folder', () => {
    for (const p of ['../weights.bin', '/etc/passwd', 'a/b.bin', 'a\\b.bin', '..', '.', '', 'C:x.bin', 'a\u0000.bin', 'x'.repeat(256), 7, null]) {
      const doc = good();
      (doc.weightsManifest[0].paths as unknown[])[0] = p;
      expect(refusal(doc)).toMatch(/paths\[0\] .* is not a file name inside the model's folder/);
    }
  });

  it('refuses wrong shapes, dtypes, duplicate names and unknown quantizations', () => {
    const cases: Array<[(w: Record<string, unknown>[]) => void, RegExp]> = [
      [(w) => (w[0].shape = [4, -2]), /shape \[4,-2\] is not a list of sizes/],
      [(w) => (w[0].shape = [4.5]), /shape/],
      [(w) => (w[0].shape = '4,2'), /shape/],
      [(w) => (w[0].dtype = 'float64'), /dtype "float64"/],
      [(w) => (w[1].name = 'dense/kernel'), /listed twice/],
      [(w) => (w[1].name = ''), /has no name/],
      [(w) => (w[2].quantization = { dtype: 'int4' }), /quantization/],
      [(w) => (w[2].quantization = { dtype: 'uint8', scale: 'x' }), /quantization scale/],
      [(w) => w.push(null as never), /weights\[4\] is not an object/],
    ];
    for (const [change, pattern] of cases) {
      const doc = good();
      change(doc.weightsManifest[0].weights as unknown as Record<string, unknown>[]);
      expect(refusal(doc)).toMatch(pattern);
    }
  });

  it('refuses made-up sizes before anything allocates them', () => {
    const doc = good();
    doc.weightsManifest[0].weights[0].shape = [1e9, 1e9];
    const json = checkLayersModelJson(doc, 'm.json');
    expect(() => declaredWeightBytes(json, 'm.json')).toThrow(/larger than any model/);
  });

  it('refuses deep nesting without overflowing the stack, and wrong top-level types', () => {
    const deep = JSON.parse('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)) as unknown;
    expect(refusal({ ...good(), modelTopology: deep })).toMatch(new RegExp(`nested more than ${MAX_MODEL_JSON_DEPTH} levels`));
    expect(refusal([])).toMatch(/not a JSON object/);
    expect(refusal({ ...good(), modelTopology: [] })).toMatch(/modelTopology is not an object/);
    expect(refusal({ ...good(), weightsManifest: [] })).toMatch(/weightsManifest is not a non-empty array/);
    expect(refusal({ ...good(), weightsManifest: [{ paths: 'x', weights: [] }] })).toMatch(/has no paths and weights arrays/);
    expect(refusal({ ...good(), format: 1 })).toMatch(/format is not a string/);
    expect(refusal({ ...good(), convertedBy: 3 })).toMatch(/convertedBy/);
  });
});
