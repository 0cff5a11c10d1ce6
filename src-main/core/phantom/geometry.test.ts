import { describe, expect, it } from 'vitest';
import { acquisitionPositions, fanAngle, fovMask, linearFov, sampleFov, scanConvert, sectorFov } from './geometry.js';
import { createRng } from './rng.js';

const sector = sectorFov({
  width: 400,
  height: 300,
  apexX: 200,
  apexY: -78,
  probeRadius: 80,
  depthPx: 296,
  halfAngle: 0.55,
  beams: 200,
  depthCm: 15,
});
const linear = linearFov({ width: 400, height: 300, left: 30, right: 370, top: 2, depthPx: 296, beams: 227, depthCm: 7 });

describe('field of view geometry', () => {
  it('round-trips grid and image coordinates', () => {
    for (const fov of [sector, linear]) {
      for (const [b, s] of [
        [0, 0],
        [10.5, 20.25],
        [fov.beams - 1, fov.samples - 1],
        [fov.beams / 2, fov.samples / 3],
      ]) {
        const p = fov.toImage(b, s);
        const g = fov.toBeam(p.x, p.y);
        expect(g).not.toBeNull();
        expect(g!.b).toBeCloseTo(b, 3);
        expect(g!.s).toBeCloseTo(s, 6);
      }
    }
  });

  it('puts the sector apex above the image and fans beams out from it', () => {
    // Beam 0 and the last beam diverge: their lateral gap grows with depth.
    const gapNear = sector.toImage(sector.beams - 1, 0).x - sector.toImage(0, 0).x;
    const gapFar = sector.toImage(sector.beams - 1, sector.samples - 1).x - sector.toImage(0, sector.samples - 1).x;
    expect(gapFar).toBeGreaterThan(gapNear * 2);
    expect(sector.beamSpacingPx(sector.samples - 1)).toBeGreaterThan(sector.beamSpacingPx(0) * 2);
    // The central beam points straight down; the edge beams tilt outward.
    expect(sector.beamDirection((sector.beams - 1) / 2).x).toBeCloseTo(0, 6);
    expect(sector.beamDirection(0).x).toBeLessThan(-0.4);
    // A point on the extension of a beam, beyond the far edge or above the probe face, is outside.
    const d = sector.beamDirection(50);
    const far = sector.toImage(50, sector.samples - 1);
    expect(sector.toBeam(far.x + d.x * 3, far.y + d.y * 3)).toBeNull();
    const near = sector.toImage(50, 0);
    expect(sector.toBeam(near.x - d.x * 3, near.y - d.y * 3)).toBeNull();
  });

  it('keeps linear beams parallel and equally spaced', () => {
    expect(linear.beamDirection(0)).toEqual({ x: 0, y: 1 });
    expect(linear.beamSpacingPx(0)).toBeCloseTo(linear.beamSpacingPx(linear.samples - 1), 9);
    expect(linear.toBeam(10, 150)).toBeNull(); // left margin
    expect(linear.toBeam(200, 150)).not.toBeNull();
  });

  it('computes fan angles like atan2', () => {
    let worst = 0;
    for (let i = 0; i <= 2000; i++) {
      const a = -Math.PI / 2 + 0.001 + (i / 2000) * (Math.PI - 0.002);
      for (const r of [1, 37.5, 400]) {
        worst = Math.max(worst, Math.abs(fanAngle(r * Math.sin(a), r * Math.cos(a)) - a));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('computes per-pixel grid coordinates that agree with toBeam', () => {
    for (const fov of [sector, linear]) {
      const grid = fov.pixelGrid();
      let mismatches = 0;
      for (let y = 0; y < fov.height; y++) {
        for (let x = 0; x < fov.width; x++) {
          const i = y * fov.width + x;
          const g = fov.toBeam(x + 0.5, y + 0.5);
          if (!g) {
            if (grid.b[i] !== -1) mismatches++;
          } else if (Math.abs(grid.b[i] - g.b) > 1e-3 || Math.abs(grid.s[i] - g.s) > 1e-3) {
            mismatches++;
          }
        }
      }
      expect(mismatches).toBe(0);
    }
  });

  it('lists acquisition positions that match toImage', () => {
    const { xs, ys } = acquisitionPositions(sector);
    for (const [b, s] of [
      [0, 0],
      [37, 120],
      [sector.beams - 1, sector.samples - 1],
    ]) {
      const p = sector.toImage(b, s);
      expect(xs[s * sector.beams + b]).toBeCloseTo(p.x, 3);
      expect(ys[s * sector.beams + b]).toBeCloseTo(p.y, 3);
    }
  });

  it('samples sector fans that stay inside the image with black corners', () => {
    for (let seed = 0; seed < 20; seed++) {
      const fov = sampleFov(createRng(seed), 'sector', 400, 300);
      const mask = fovMask(fov);
      for (const [x, y] of [
        [0, 0],
        [399, 0],
        [0, 299],
        [399, 299],
      ]) {
        expect(mask[y * 400 + x]).toBe(0);
      }
      // The fan never reaches the side edges but does fill most of the height.
      for (let y = 0; y < 300; y++) {
        expect(mask[y * 400]).toBe(0);
        expect(mask[y * 400 + 399]).toBe(0);
      }
      expect(mask[150 * 400 + 200]).toBe(1);
      expect(mask[290 * 400 + 200]).toBe(1);
    }
  });

  it('scan-converts a grid bilinearly and leaves the outside black', () => {
    const grid = new Float32Array(sector.beams * sector.samples);
    // Brightness rising linearly with the sample index: interpolation must reproduce it.
    for (let s = 0; s < sector.samples; s++) grid.fill(s * (200 / (sector.samples - 1)), s * sector.beams, (s + 1) * sector.beams);
    const img = scanConvert(sector, grid);
    const mask = fovMask(sector);
    let litOutside = 0;
    let darkInside = 0;
    for (let i = 0; i < img.length; i++) {
      if (!mask[i] && img[i] !== 0) litOutside++;
      if (mask[i] && img[i] === 0) darkInside++;
    }
    expect(litOutside).toBe(0);
    // Only the first sample row (value 0) may be black inside the fan.
    expect(darkInside).toBeLessThan(400);
    for (const [x, y] of [
      [200, 50],
      [150, 200],
      [260, 280],
    ]) {
      const g = sector.toBeam(x + 0.5, y + 0.5)!;
      expect(Math.abs(img[y * 400 + x] - g.s * (200 / (sector.samples - 1)))).toBeLessThanOrEqual(0.5 + 1e-6);
    }
  });
});
