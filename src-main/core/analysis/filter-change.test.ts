import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { changeHistogram, filterChange } from './filter-change.js';
import { modelKernels } from './model-layers.js';
import { fineTune, tinyNetwork } from './tiny-network.test-util.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Relative change per output filter computed from the kernel shape with explicit multi-indices, i.e.
 * independently of filter-change.ts's "output channel varies fastest" shortcut.
 */
function directChange(layer: tfl.layers.Layer): { name: string; rel: number[] } {
  const [before, after] = [layerBefore.get(layer.name)!, layer.getWeights()[0]];
  const shape = before.shape;
  const b = before.dataSync();
  const a = after.dataSync();
  const depthwise = layer.getClassName() === 'DepthwiseConv2D';
  const rel: number[] = [];
  if (shape.length === 2) {
    const [nin, nout] = shape;
    for (let o = 0; o < nout; o++) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < nin; i++) {
        const k = i * nout + o;
        num += (a[k] - b[k]) ** 2;
        den += b[k] ** 2;
      }
      rel.push(Math.sqrt(num / den));
    }
    return { name: layer.name, rel };
  }
  const [kh, kw, cin, last] = shape;
  const outputs = depthwise ? cin * last : last;
  for (let o = 0; o < outputs; o++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let c = 0; c < cin; c++) {
          // Depthwise output o = c·multiplier + m reads only input channel c.
          if (depthwise && Math.floor(o / last) !== c) continue;
          const k = ((i * kw + j) * cin + c) * last + (depthwise ? o % last : o);
          num += (a[k] - b[k]) ** 2;
          den += b[k] ** 2;
        }
      }
    }
    rel.push(Math.sqrt(num / den));
  }
  return { name: layer.name, rel };
}

const layerBefore = new Map<string, tf.Tensor>();
const KERNEL_LAYERS = ['Conv1', 'dw', 'project', 'head'];

describe('filter change after fine-tuning a tiny network', () => {
  it('counts filters changed by more than the threshold exactly as a direct computation does', async () => {
    const pretrained = tinyNetwork(1);
    const adapted = tinyNetwork(1);
    for (const name of KERNEL_LAYERS) layerBefore.set(name, pretrained.getLayer(name).getWeights()[0].clone());
    // PA-like: the stem stays frozen; everything after it is trained hard enough to move many filters.
    await fineTune(adapted, 10, 0.2, ['Conv1', 'bn_Conv1']);

    const direct = KERNEL_LAYERS.map((n) => directChange(adapted.getLayer(n)));
    const trained = direct.filter((d) => d.name !== 'Conv1').flatMap((d) => d.rel).sort((x, y) => x - y);
    // A threshold at the median of the trained filters' changes splits them about in half, so a wrong
    // per-filter grouping would show up as a different count.
    const median = trained[Math.floor(trained.length / 2)];
    for (const threshold of [0.4, median, 0.05]) {
      const report = filterChange(modelKernels(pretrained), modelKernels(adapted), threshold);
      expect(report.layers.map((l) => l.layer)).toEqual(KERNEL_LAYERS);
      for (const d of direct) {
        const l = report.layers.find((x) => x.layer === d.name)!;
        expect(l.filters).toBe(d.rel.length);
        expect(l.changed).toBe(d.rel.filter((r) => r > threshold).length);
        for (let k = 0; k < d.rel.length; k++) expect(l.relative[k]).toBeCloseTo(d.rel[k], 6);
      }
    }
    const atMedian = filterChange(modelKernels(pretrained), modelKernels(adapted), median);
    expect(atMedian.layers.find((l) => l.layer === 'Conv1')!.changed).toBe(0);
    const trainedChanged = atMedian.layers.filter((l) => l.layer !== 'Conv1').reduce((n, l) => n + l.changed, 0);
    expect(trainedChanged).toBeGreaterThan(0);
    expect(trainedChanged).toBeLessThan(trained.length);
    expect(atMedian.layers.find((l) => l.layer === 'dw')!.filters).toBe(8);
    // At the paper's 40% some trained filters pass and some do not: the count is not trivially 0 or all.
    const at40 = filterChange(modelKernels(pretrained), modelKernels(adapted)).layers.filter((l) => l.layer !== 'Conv1').reduce((n, l) => n + l.changed, 0);
    expect(at40).toBeGreaterThan(0);
    expect(at40).toBeLessThan(trained.length);
  });

  it('reports zero changed filters for a network compared with itself (an NA run)', () => {
    const m = tinyNetwork(2);
    const report = filterChange(modelKernels(m), modelKernels(m), 0);
    expect(report.layers).toHaveLength(4);
    for (const l of report.layers) {
      expect(l.changed).toBe(0);
      expect(l.quantiles.max).toBe(0);
    }
  });

  it('counts scaled filters against the threshold, and reports layers only one network has', () => {
    const m = tinyNetwork(3);
    const before = modelKernels(m);
    const scales = [0.1, 0.39, 0.41, 1.0];
    const after = before
      .filter((k) => k.layer !== 'head')
      .map((k) => {
        if (k.layer !== 'Conv1') return k;
        const v = k.values.slice();
        for (let i = 0; i < v.length; i++) v[i] *= 1 + scales[i % k.filters];
        return { ...k, values: v };
      });
    const report = filterChange(before, after, 0.4);
    const conv1 = report.layers.find((l) => l.layer === 'Conv1')!;
    expect(Array.from(conv1.relative).map((r) => Number(r.toFixed(6)))).toEqual(scales);
    expect(conv1.changed).toBe(2);
    expect(filterChange(before, after, 0.05).layers[0].changed).toBe(4);
    expect(report.onlyBefore).toEqual(['head']);
    expect(changeHistogram(conv1.relative, 10).counts).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 0, 1]);
  });

  it('refuses networks of different shapes or with no layer in common, and a bad threshold', () => {
    const a = modelKernels(tinyNetwork(1));
    const wrong = a.map((k) => (k.layer === 'project' ? { ...k, values: k.values.subarray(0, 6), filters: 6, shape: [1, 1, 1, 6] } : k));
    expect(() => filterChange(a, wrong)).toThrow(/layer project: kernel shape \[1,1,8,6\] before adaptation but \[1,1,1,6\] after/);
    expect(() => filterChange(a, a.map((k) => ({ ...k, layer: `x${k.layer}` })))).toThrow(/no convolution or dense layer name in common/);
    expect(() => filterChange(a, a, -1)).toThrow(/threshold must be a number >= 0/);
  });
});
