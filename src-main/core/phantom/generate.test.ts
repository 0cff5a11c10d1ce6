import { describe, expect, it } from 'vitest';
import { boundingBox, fieldOfViewMask, generatePhantom, kidneyMask, kidneyRegions, renderPhantom, type PhantomImage } from './generate.js';
import { KidneyRegion } from './kidney.js';
import { buildScene } from './scene.js';

function differingPixels(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Mean gray level of the field-of-view pixels in rows [y0, y1). */
function rowMean(img: PhantomImage, fov: Uint8Array, y0: number, y1: number): number {
  let s = 0;
  let c = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = y * img.width + x;
      if (!fov[i]) continue;
      s += img.pixels[i];
      c++;
    }
  }
  return s / c;
}

describe('generatePhantom', () => {
  it('is deterministic: same seed, same bytes and boxes; other seeds differ', () => {
    const a = generatePhantom({ seed: 7 });
    const b = generatePhantom({ seed: 7 });
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
    expect(a.boxes).toEqual(b.boxes);
    expect(a.geometry).toBe(b.geometry);
    const c = generatePhantom({ seed: 8, geometry: a.geometry });
    expect(differingPixels(a.pixels, c.pixels)).toBeGreaterThan(a.pixels.length / 3);
    expect(c.boxes).not.toEqual(a.boxes);
  });

  it('honours size and geometry options and picks the geometry from the seed by default', () => {
    const img = generatePhantom({ seed: 3, width: 320, height: 256, geometry: 'linear' });
    expect(img.width).toBe(320);
    expect(img.height).toBe(256);
    expect(img.pixels).toBeInstanceOf(Uint8Array);
    expect(img.pixels.length).toBe(320 * 256);
    expect(img.geometry).toBe('linear');
    const kinds = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const scene = buildScene({ seed, subjectSeed: seed, width: 400, height: 300, distractors: true });
      kinds.add(scene.fov.kind);
    }
    expect([...kinds].sort()).toEqual(['linear', 'sector']);
    const d = generatePhantom({ seed: 5 });
    expect(d.width).toBe(400);
    expect(d.height).toBe(300);
    expect(d.geometry).toBe(buildScene({ seed: 5, subjectSeed: 5, width: 400, height: 300, distractors: true }).fov.kind);
  });

  it('rejects invalid options', () => {
    expect(() => generatePhantom({ seed: Number.NaN })).toThrow(RangeError);
    expect(() => generatePhantom({ seed: 1, width: 10 })).toThrow(RangeError);
    expect(() => generatePhantom({ seed: 1, height: 200.5 })).toThrow(RangeError);
    expect(() => generatePhantom({ seed: 1, geometry: 'phased' as 'sector' })).toThrow(RangeError);
  });

  it('labels exactly one kidney with a box that is the tight bounding box of its mask', () => {
    for (let seed = 20; seed < 28; seed++) {
      const img = generatePhantom({ seed });
      expect(img.boxes).toHaveLength(1);
      const box = img.boxes[0];
      expect(box.category).toBe('kidney');
      for (const v of [box.x, box.y, box.w, box.h]) expect(Number.isInteger(v)).toBe(true);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.w).toBeLessThanOrEqual(img.width);
      expect(box.y + box.h).toBeLessThanOrEqual(img.height);
      expect(box.w).toBeGreaterThanOrEqual(20);
      expect(box.h).toBeGreaterThanOrEqual(20);
      // Long axis 25-45 % of the width (a pole may leave the view, so allow a little less).
      expect(Math.max(box.w, box.h) / img.width).toBeGreaterThan(0.18);
      expect(Math.max(box.w, box.h) / img.width).toBeLessThan(0.46);

      const mask = kidneyMask({ seed });
      expect(boundingBox(mask, img.width, img.height)).toEqual(box);
      // The kidney fills its box (an ellipse fills π/4 of an axis-aligned box; rotation lowers it).
      let inBox = 0;
      for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) inBox += mask[y * img.width + x];
      expect(inBox / (box.w * box.h)).toBeGreaterThan(0.45);
      // The mask lies inside the field of view, so its box is clipped to it.
      const fov = fieldOfViewMask({ seed });
      for (let i = 0; i < mask.length; i++) if (mask[i] && !fov[i]) throw new Error(`seed ${seed}: mask pixel ${i} outside the view`);
    }
  });

  it('draws the kidney where its mask says: bright capsule and sinus, darker cortex, darkest medulla', () => {
    for (let seed = 40; seed < 46; seed++) {
      const img = generatePhantom({ seed });
      const labels = kidneyRegions({ seed });
      const sum = new Float64Array(6);
      const count = new Float64Array(6);
      for (let i = 0; i < labels.length; i++) {
        sum[labels[i]] += img.pixels[i];
        count[labels[i]]++;
      }
      const mean = (r: number) => sum[r] / count[r];
      expect(count[KidneyRegion.capsule]).toBeGreaterThan(100);
      expect(count[KidneyRegion.medulla]).toBeGreaterThan(50);
      expect(mean(KidneyRegion.capsule)).toBeGreaterThan(mean(KidneyRegion.cortex));
      expect(mean(KidneyRegion.sinus)).toBeGreaterThan(mean(KidneyRegion.cortex) + 10);
      expect(mean(KidneyRegion.cortex)).toBeGreaterThan(mean(KidneyRegion.medulla));
      // A mask shifted off the kidney no longer shows the pattern: the test depends on alignment.
      let sinusShifted = 0;
      let n = 0;
      for (let i = 0; i < labels.length - 60; i++) {
        if (labels[i + 60] === KidneyRegion.sinus && labels[i] === KidneyRegion.outside) {
          sinusShifted += img.pixels[i];
          n++;
        }
      }
      if (n > 200) expect(sinusShifted / n).toBeLessThan(mean(KidneyRegion.sinus));
    }
  });

  it('leaves everything outside a sector fan black, corners included', () => {
    for (const seed of [1, 2, 3]) {
      const img = generatePhantom({ seed, geometry: 'sector' });
      const fov = fieldOfViewMask({ seed, geometry: 'sector' });
      for (const [x, y] of [
        [0, 0],
        [img.width - 1, 0],
        [0, img.height - 1],
        [img.width - 1, img.height - 1],
      ]) {
        expect(fov[y * img.width + x]).toBe(0);
        expect(img.pixels[y * img.width + x]).toBe(0);
      }
      let lit = 0;
      let outside = 0;
      for (let i = 0; i < fov.length; i++) {
        if (fov[i]) continue;
        outside++;
        if (img.pixels[i] !== 0) lit++;
      }
      expect(lit).toBe(0);
      expect(outside).toBeGreaterThan(img.pixels.length * 0.15);
      expect(rowMean(img, fov, 100, 200)).toBeGreaterThan(20);
    }
  });

  it('has black side margins with a linear probe', () => {
    const img = generatePhantom({ seed: 4, geometry: 'linear' });
    for (let y = 0; y < img.height; y++) {
      expect(img.pixels[y * img.width]).toBe(0);
      expect(img.pixels[y * img.width + img.width - 1]).toBe(0);
    }
  });

  it('darkens with depth when TGC is off, and TGC restores the deep field', () => {
    for (const geometry of ['sector', 'linear'] as const) {
      const options = { seed: 11, geometry, distractors: false };
      const fov = fieldOfViewMask(options);
      const raw = renderPhantom(options, { tgc: 0 });
      const h = raw.height;
      // Below the body wall, which ends within the top 30 % of the depth.
      const shallowRaw = rowMean(raw, fov, Math.round(h * 0.3), Math.round(h * 0.42));
      const deepRaw = rowMean(raw, fov, Math.round(h * 0.85), Math.round(h * 0.97));
      expect(deepRaw).toBeLessThan(shallowRaw);
      const compensated = generatePhantom(options);
      const deep = rowMean(compensated, fov, Math.round(h * 0.85), Math.round(h * 0.97));
      expect(deep).toBeGreaterThan(deepRaw + 20);
      // Same scene and noise: only the gain changed, so the kidney box is unchanged.
      expect(compensated.boxes).toEqual(raw.boxes);
    }
  });

  it('adds distractors without moving the kidney', () => {
    for (const seed of [3, 9]) {
      const plain = generatePhantom({ seed, distractors: false });
      const busy = generatePhantom({ seed, distractors: true });
      expect(busy.boxes).toEqual(plain.boxes);
      expect(busy.geometry).toBe(plain.geometry);
      expect(differingPixels(plain.pixels, busy.pixels)).toBeGreaterThan(1000);
      const scene = buildScene({ seed, subjectSeed: seed, width: 400, height: 300, distractors: true });
      expect(scene.tubes.length + scene.cysts.length + (scene.liver ? 1 : 0)).toBeGreaterThan(0);
      const bare = buildScene({ seed, subjectSeed: seed, width: 400, height: 300, distractors: false });
      expect(bare.tubes.length + bare.cysts.length + (bare.liver ? 1 : 0)).toBe(0);
    }
  });
});
