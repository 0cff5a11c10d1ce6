import { describe, expect, it } from 'vitest';
import { preprocessCaffe } from '../backbones/caffenet-preprocess.js';
import { preprocess } from '../backbones/preprocess.js';
import { cropBatch, drawAugment, NO_AUGMENT } from './crops.js';
import { learningRateAt, resolveFinetuneParams, DEFAULT_FINETUNE } from './params.js';
import { createRng } from '../metrics/prng.js';

const gray = { width: 40, height: 30, data: Uint8Array.from({ length: 1200 }, (_, i) => (i * 29 + (i >> 3)) % 256) };
const box = { x: 5, y: 4, w: 24, h: 20 };

describe('training crops', () => {
  it('without augmentation equal the network preprocessing, as interleaved RGB', () => {
    const ref = preprocess(gray, box, 8);
    const out = cropBatch([{ gray, box }], [NO_AUGMENT], 8);
    expect(out).toHaveLength(8 * 8 * 3);
    for (let i = 0; i < 64; i++) {
      for (let c = 0; c < 3; c++) expect(out[i * 3 + c]).toBeCloseTo(ref[i], 5);
    }
  });

  it("with 'caffe' preprocessing equal CaffeNet's input (BGR minus the ImageNet mean), interleaved", () => {
    const ref = preprocessCaffe(gray, box, 8);
    const out = cropBatch([{ gray, box }], [NO_AUGMENT], 8, 'caffe');
    for (let i = 0; i < 64; i++) {
      for (let c = 0; c < 3; c++) expect(out[i * 3 + c]).toBeCloseTo(ref[c * 64 + i], 3);
    }
    const rect = cropBatch([{ gray, box }], [NO_AUGMENT], [4, 6], 'caffe');
    const refRect = preprocessCaffe(gray, box, [4, 6]);
    expect(rect).toHaveLength(4 * 6 * 3);
    for (let i = 0; i < 24; i++) expect(rect[i * 3 + 2]).toBeCloseTo(refRect[2 * 24 + i], 3);
  });

  it('mirror, and scale intensity by gain and contrast within [-1, 1]', () => {
    const plain = cropBatch([{ gray, box }], [NO_AUGMENT], 8);
    const flipped = cropBatch([{ gray, box }], [{ ...NO_AUGMENT, flipH: true }], 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(flipped[(y * 8 + x) * 3]).toBeCloseTo(plain[(y * 8 + 7 - x) * 3], 6);
    const bright = cropBatch([{ gray, box }], [{ ...NO_AUGMENT, gain: 1.2 }], 8);
    const flat = cropBatch([{ gray, box }], [{ ...NO_AUGMENT, contrast: 0 }], 8);
    expect(bright.every((v, i) => v >= plain[i] - 1e-6 && v <= 1)).toBe(true);
    expect(new Set(Array.from(flat).map((v) => v.toFixed(5))).size).toBe(1);
  });

  it('draws augmentations within the configured ranges, reproducibly', () => {
    const a = DEFAULT_FINETUNE.augment;
    const draws = Array.from({ length: 200 }, (_, i) => drawAugment(a, createRng(i)));
    expect(draws.every((d) => Math.abs(d.dx) <= a.shift && Math.abs(d.gain - 1) <= a.gain && Math.abs(d.contrast - 1) <= a.contrast && !d.flipV)).toBe(true);
    expect(draws.filter((d) => d.flipH).length).toBeGreaterThan(60);
    expect(drawAugment(a, createRng(3))).toEqual(drawAugment(a, createRng(3)));
  });
});

describe('fine-tuning settings', () => {
  it('apply the schedule per epoch', () => {
    const p = resolveFinetuneParams({ epochs: 4, learningRate: 0.01 });
    const expected = [0.01, 0.01 * 0.5 * (1 + Math.SQRT1_2), 0.005, 0.01 * 0.5 * (1 - Math.SQRT1_2)];
    expected.forEach((v, e) => expect(learningRateAt(p, e)).toBeCloseTo(v, 12));
    const step = resolveFinetuneParams({ schedule: 'step', stepEpochs: 2, learningRate: 1 });
    [1, 1, 0.1, 0.1, 0.01].forEach((v, e) => expect(learningRateAt(step, e)).toBeCloseTo(v, 12));
  });

  it('refuse unknown and inconsistent fields with the field named', () => {
    expect(() => resolveFinetuneParams({ lr: 1 })).toThrow(/fine-tuning settings: .*lr/);
    expect(() => resolveFinetuneParams({ augment: { flipHorizontal: 2 } })).toThrow(/augment\.flipHorizontal/);
    expect(() => resolveFinetuneParams({ positiveDice: 0.4, negativeDice: 0.5 })).toThrow(/negativeDice 0.5 must not exceed positiveDice 0.4/);
    expect(resolveFinetuneParams({ augment: { shift: 0.1 } }).augment).toEqual({ ...DEFAULT_FINETUNE.augment, shift: 0.1 });
  });
});
