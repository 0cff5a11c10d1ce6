import { describe, expect, it } from 'vitest';
import { boundingBox, generatePhantomSet, phantomSetSpecs } from './generate.js';
import { KidneyRegion } from './kidney.js';
import { buildScene } from './scene.js';

function differingPixels(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('generatePhantomSet', () => {
  it('gives count images grouped into subjects of imagesPerSubject', () => {
    const set = generatePhantomSet({ seed: 5, count: 7, imagesPerSubject: 3, width: 200, height: 160 });
    expect(set).toHaveLength(7);
    expect(set.map((s) => s.subject)).toEqual([
      'subject-000',
      'subject-000',
      'subject-000',
      'subject-001',
      'subject-001',
      'subject-001',
      'subject-002',
    ]);
    expect(new Set(set.map((s) => s.name)).size).toBe(7);
    for (const img of set) {
      expect(img.width).toBe(200);
      expect(img.pixels.length).toBe(200 * 160);
      expect(img.boxes).toHaveLength(1);
    }
    // Images of one subject are different views, not copies.
    expect(differingPixels(set[0].pixels, set[1].pixels)).toBeGreaterThan(set[0].pixels.length / 3);
  });

  it('shares the kidney anatomy within a subject and not across subjects', () => {
    const specs = phantomSetSpecs({ seed: 9, count: 6 });
    expect(specs.map((s) => s.subject)).toEqual(['subject-000', 'subject-000', 'subject-001', 'subject-001', 'subject-002', 'subject-002']);
    const shapes = specs.map(({ spec }) => buildScene(spec).kidney.shape);
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[3]).toEqual(shapes[2]);
    expect(shapes[2]).not.toEqual(shapes[0]);
    expect(shapes[4]).not.toEqual(shapes[2]);
    // ...while the pose differs between images of a subject.
    expect(buildScene(specs[1].spec).kidney.pose).not.toEqual(buildScene(specs[0].spec).kidney.pose);
  });

  it('is reproducible and matches the per-image masks', () => {
    const a = generatePhantomSet({ seed: 2, count: 3, width: 160, height: 128 });
    const b = generatePhantomSet({ seed: 2, count: 3, width: 160, height: 128 });
    expect(a.map((i) => Buffer.from(i.pixels).toString('base64'))).toEqual(b.map((i) => Buffer.from(i.pixels).toString('base64')));
    const specs = phantomSetSpecs({ seed: 2, count: 3, width: 160, height: 128 });
    specs.forEach(({ spec }, i) => {
      const scene = buildScene(spec);
      const labels = new Uint8Array(160 * 128);
      // Rebuild the mask through the scene to check the set uses the same construction.
      for (let y = 0; y < 128; y++) {
        for (let x = 0; x < 160; x++) {
          const k = scene.kidney.sample(x + 0.5, y + 0.5);
          if (k && k.region !== KidneyRegion.outside && scene.fov.toBeam(x + 0.5, y + 0.5)) labels[y * 160 + x] = 1;
        }
      }
      expect(boundingBox(labels, 160, 128)).toEqual(a[i].boxes[0]);
    });
  });

  it('handles edge cases and rejects bad arguments', () => {
    expect(generatePhantomSet({ seed: 1, count: 0 })).toEqual([]);
    expect(phantomSetSpecs({ seed: 1, count: 5 }).map((s) => s.subject)).toEqual([
      'subject-000',
      'subject-000',
      'subject-001',
      'subject-001',
      'subject-002',
    ]);
    expect(() => generatePhantomSet({ seed: 1, count: -1 })).toThrow(RangeError);
    expect(() => generatePhantomSet({ seed: 1, count: 2.5 })).toThrow(RangeError);
    expect(() => generatePhantomSet({ seed: 1, count: 2, imagesPerSubject: 0 })).toThrow(RangeError);
  });
});
