import { describe, expect, it } from 'vitest';
import { KidneyRegion, PlacedKidney, outlineRadius, sampleKidneyShape, type KidneyPose, type KidneyShape } from './kidney.js';
import { createRng } from './rng.js';

function shapeWithoutStone(seed: number): KidneyShape {
  return { ...sampleKidneyShape(createRng(seed, 'kidney-shape')), stone: null };
}

const pose: KidneyPose = { cx: 200, cy: 150, length: 160, angle: 0, mirrorU: 1, mirrorV: 1 };

function regionAt(k: PlacedKidney, x: number, y: number): number {
  return k.sample(x, y)?.region ?? KidneyRegion.outside;
}

describe('kidney shape', () => {
  it('is reproducible from its seed and varies between subjects', () => {
    expect(sampleKidneyShape(createRng(3))).toEqual(sampleKidneyShape(createRng(3)));
    expect(sampleKidneyShape(createRng(3))).not.toEqual(sampleKidneyShape(createRng(4)));
  });

  it('has a bean outline: near-unit radius, dented at the hilum', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = sampleKidneyShape(createRng(seed));
      expect(s.aspect).toBeGreaterThanOrEqual(0.4);
      expect(s.aspect).toBeLessThanOrEqual(0.55);
      expect(s.pyramids.length).toBeGreaterThanOrEqual(4);
      expect(outlineRadius(s, s.hilum.angle)).toBeLessThan(outlineRadius(s, s.hilum.angle + Math.PI) - 0.02);
      for (let phi = -Math.PI; phi < Math.PI; phi += 0.1) {
        expect(Math.abs(outlineRadius(s, phi) - 1)).toBeLessThan(0.25);
      }
      // The echogenicity ordering that makes a kidney look like one.
      expect(s.echo.sinus).toBeGreaterThan(s.echo.cortex);
      expect(s.echo.cortex).toBeGreaterThan(s.echo.medulla);
      expect(s.echo.capsule).toBeGreaterThan(s.echo.cortex);
    }
  });
});

describe('placed kidney', () => {
  it('layers sinus, parenchyma, capsule and outside from the centre outward', () => {
    for (let seed = 0; seed < 10; seed++) {
      const k = new PlacedKidney(shapeWithoutStone(seed), pose);
      expect(regionAt(k, 200, 150)).toBe(KidneyRegion.sinus);
      // Walk to each pole along the long axis.
      for (const dir of [1, -1]) {
        const seq: number[] = [];
        for (let d = 0; d < 100; d += 0.5) {
          const r = regionAt(k, 200 + dir * d, 150);
          if (seq[seq.length - 1] !== r) seq.push(r);
        }
        expect(seq[0]).toBe(KidneyRegion.sinus);
        expect(seq.slice(-3)).toEqual([KidneyRegion.cortex, KidneyRegion.capsule, KidneyRegion.outside]);
        for (const r of seq.slice(1, -3)) expect([KidneyRegion.cortex, KidneyRegion.medulla, KidneyRegion.sinus]).toContain(r);
      }
    }
  });

  it('has a capsule as thick as configured and a length matching the pose', () => {
    const shape = shapeWithoutStone(1);
    const k = new PlacedKidney(shape, pose);
    // Capsule thickness along the long axis (normal to the outline there).
    let capsule = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let x = 100; x <= 300; x += 0.05) {
      const r = regionAt(k, x, 150);
      if (r === KidneyRegion.capsule && x > 200) capsule += 0.05;
      if (r !== KidneyRegion.outside) {
        first = Math.min(first, x);
        last = Math.max(last, x);
      }
    }
    expect(capsule).toBeCloseTo(k.capsulePx, 0);
    // Outline harmonics perturb the radius by a few percent.
    const expected = k.a * (outlineRadius(shape, 0) + outlineRadius(shape, Math.PI)) + k.capsulePx;
    expect(Math.abs(last - first - expected)).toBeLessThan(1.5);
    expect((last - first) / pose.length).toBeGreaterThan(0.85);
    expect((last - first) / pose.length).toBeLessThan(1.15);
  });

  it('puts its outline points on the outer edge of the capsule', () => {
    const k = new PlacedKidney(shapeWithoutStone(2), { ...pose, angle: 0.4, mirrorU: -1 });
    for (const p of k.outline(36)) {
      const s = k.sample(p.x, p.y)!;
      expect(s.distance).toBeCloseTo(k.capsulePx / 2, 0);
      // Two pixels further out along the normal is outside, two pixels in is still capsule or cortex.
      expect(regionAt(k, p.x + 2 * s.nx, p.y + 2 * s.ny)).toBe(KidneyRegion.outside);
      expect(regionAt(k, p.x - 2 * s.nx, p.y - 2 * s.ny)).not.toBe(KidneyRegion.outside);
    }
  });

  it('rotates and mirrors with the pose', () => {
    const shape = shapeWithoutStone(5);
    const a = new PlacedKidney(shape, pose);
    const flipped = new PlacedKidney(shape, { ...pose, mirrorV: -1 });
    const turned = new PlacedKidney(shape, { ...pose, angle: Math.PI / 2 });
    let compared = 0;
    for (let dx = -90; dx <= 90; dx += 7) {
      for (let dy = -60; dy <= 60; dy += 5) {
        const r = regionAt(a, 200 + dx, 150 + dy);
        expect(regionAt(flipped, 200 + dx, 150 - dy)).toBe(r);
        // A quarter turn maps local (u, v) = (dx, dy) to image offset (-dy, dx).
        expect(regionAt(turned, 200 - dy, 150 + dx)).toBe(r);
        if (r !== KidneyRegion.outside) compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('places a stone inside the sinus when the subject has one', () => {
    let found = 0;
    for (let seed = 0; seed < 200 && found < 3; seed++) {
      const shape = sampleKidneyShape(createRng(seed, 'kidney-shape'));
      if (!shape.stone) continue;
      found++;
      const k = new PlacedKidney(shape, pose);
      const c = k.stoneCentre()!;
      expect(regionAt(k, c.x, c.y)).toBe(KidneyRegion.stone);
      // Just around the stone is sinus (or stone), never parenchyma.
      const r = shape.stone.r * k.a;
      for (const [ox, oy] of [
        [r + 1.5, 0],
        [-r - 1.5, 0],
      ]) {
        expect([KidneyRegion.sinus, KidneyRegion.stone]).toContain(regionAt(k, c.x + ox, c.y + oy));
      }
    }
    expect(found).toBe(3);
  });
});
