/**
 * Acoustic properties of the scene on the acquisition grid: diffuse backscatter
 * (echogenicity of the random scatterers), specular reflection (coherent echoes from
 * smooth interfaces) and attenuation.
 *
 * The grid is painted in passes, deepest precedence first: background organs, vessels,
 * cysts, the kidney with its fat rim, the body wall, ribs. Whole-grid passes keep the
 * inner loops small enough for the JIT to inline their helpers, which matters at
 * ~70 000 samples per image.
 */
import { cystRadius, liverSide, ribCoordinates, tubeDistance, type RadialSample } from './distractors.js';
import { acquisitionPositions } from './geometry.js';
import { KidneyRegion, type KidneySample } from './kidney.js';
import type { Scene } from './scene.js';

/** Attenuation coefficients in dB / cm / MHz (one way). */
export const ATTENUATION = {
  soft: 0.55,
  fat: 0.6,
  muscle: 0.9,
  blood: 0.18,
  cystFluid: 0.1,
  bone: 14,
} as const;

/** Depth-major grids (index s * beams + b). */
export interface TissueGrid {
  diffuse: Float32Array;
  specular: Float32Array;
  /** dB / cm / MHz. */
  alpha: Float32Array;
}

interface Pass {
  scene: Scene;
  beams: number;
  samples: number;
  xs: Float32Array;
  ys: Float32Array;
  dirX: Float32Array;
  dirY: Float32Array;
  grid: TissueGrid;
}

/** Specular echoes are strongest where the interface faces the beam. */
function facing(nx: number, ny: number, dx: number, dy: number): number {
  const c = nx * dx + ny * dy;
  return 0.15 + 0.85 * c * c;
}

function paintBackground(p: Pass): void {
  const { scene, beams, samples, xs, ys, dirX, dirY, grid } = p;
  const { liver, noise } = scene;
  for (let s = 0; s < samples; s++) {
    for (let b = 0; b < beams; b++) {
      const i = s * beams + b;
      const x = xs[i];
      const y = ys[i];
      grid.alpha[i] = ATTENUATION.soft;
      if (liver) {
        const f = liverSide(liver, x, y);
        if (f > -1.3 && f < 1.3) grid.specular[i] = 0.45 * facing(liver.nx, liver.ny, dirX[b], dirY[b]);
        if (f > 0) {
          // Beyond the liver: coarser, more heterogeneous retroperitoneal tissue.
          grid.diffuse[i] = 0.75 * (1 + 0.45 * noise.tissue.fractal(x / 18 + 300, y / 18));
          continue;
        }
      }
      // Liver-like parenchyma: a faint lobular texture (one octave is plenty under the speckle).
      grid.diffuse[i] = 1 + 0.12 * noise.tissue.at(x / 12 + 400, y / 12);
    }
  }
}

function paintVessels(p: Pass, rs: RadialSample): void {
  const { scene, beams, xs, ys, dirX, dirY, grid } = p;
  const n = xs.length;
  for (const t of scene.tubes) {
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const y = ys[i];
      if (x < t.minX || x > t.maxX || y < t.minY || y > t.maxY) continue;
      if (!tubeDistance(t, x, y, rs) || rs.d >= t.radius + 1.2) continue;
      if (rs.d < t.radius) {
        grid.diffuse[i] = 0.03;
        grid.specular[i] = 0;
        grid.alpha[i] = ATTENUATION.blood;
      } else {
        const b = i % beams;
        grid.diffuse[i] = 1.2;
        grid.specular[i] = 0.3 * t.wall * facing(rs.nx, rs.ny, dirX[b], dirY[b]);
        grid.alpha[i] = ATTENUATION.soft;
      }
    }
  }
}

function paintCysts(p: Pass, rs: RadialSample): void {
  const { scene, beams, xs, ys, dirX, dirY, grid } = p;
  const n = xs.length;
  for (const c of scene.cysts) {
    const far = c.rx + c.ry;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const y = ys[i];
      if (x < c.cx - far || x > c.cx + far || y < c.cy - far || y > c.cy + far) continue;
      cystRadius(c, x, y, rs);
      if (rs.d >= 1) continue;
      const b = i % beams;
      // Fluid barely attenuates: tissue behind the cyst looks brighter (posterior enhancement).
      grid.diffuse[i] = 0.01;
      grid.alpha[i] = ATTENUATION.cystFluid;
      grid.specular[i] = rs.d > 1 - 1.2 / c.ry ? 0.35 * facing(rs.nx, rs.ny, dirX[b], dirY[b]) : 0;
    }
  }
}

function paintKidney(p: Pass, k: KidneySample): void {
  const { scene, beams, xs, ys, dirX, dirY, grid } = p;
  const { kidney, noise } = scene;
  const { shape } = kidney;
  const { cx, cy } = kidney.pose;
  const reach2 = kidney.reach * kidney.reach;
  const stone = kidney.stoneCentre() ?? { x: 0, y: 0 };
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    const dx = x - cx;
    const dy = y - cy;
    if (dx * dx + dy * dy > reach2 || !kidney.sampleInto(x, y, k)) continue;
    if (k.region === KidneyRegion.outside) {
      // Perirenal fat: a bright, blotchy rim that sets the kidney off. Its thickness varies
      // around the organ (thin or absent in places) and it fades into the surroundings.
      const thickness = kidney.fatPx * (0.2 + 1.3 * Math.max(0, 0.35 + noise.tissue.at(x / 25 + 500, y / 25)));
      if (k.distance < thickness) {
        const w = 1 - k.distance / thickness;
        const fat = shape.echo.fat * (1 + 0.35 * noise.detail.fractal(x / 5, y / 5));
        const mix = w * w * (3 - 2 * w);
        grid.diffuse[i] += (fat - grid.diffuse[i]) * mix;
        if (mix > 0.5) grid.alpha[i] = ATTENUATION.fat;
      }
      continue;
    }
    grid.specular[i] = 0;
    grid.alpha[i] = ATTENUATION.soft;
    switch (k.region) {
      case KidneyRegion.capsule: {
        const b = i % beams;
        grid.diffuse[i] = shape.echo.capsule;
        grid.specular[i] = 0.5 * facing(k.nx, k.ny, dirX[b], dirY[b]);
        break;
      }
      case KidneyRegion.cortex:
        grid.diffuse[i] = shape.echo.cortex * (1 + 0.15 * noise.tissue.fractal(x / 9, y / 9));
        break;
      case KidneyRegion.medulla:
        grid.diffuse[i] = shape.echo.medulla * (1 + 0.2 * noise.tissue.at(x / 6, y / 6));
        break;
      case KidneyRegion.sinus: {
        // Sinus fat is bright and blotchy, threaded by darker vessels and calyces.
        const tex = noise.tissue.fractal(x / 6 + 100, y / 6);
        const branch = Math.abs(noise.detail.at(x / 14 + 200, y / 14));
        grid.diffuse[i] = shape.echo.sinus * (1 + 0.3 * tex) * (branch < 0.07 ? 0.35 : 1);
        grid.alpha[i] = ATTENUATION.fat;
        break;
      }
      case KidneyRegion.stone: {
        // Like a rib: a bright front face, then near-total attenuation (the shadow).
        const b = i % beams;
        const front = (x - stone.x) * dirX[b] + (y - stone.y) * dirY[b] < 0;
        grid.diffuse[i] = front ? 6 : 1;
        grid.specular[i] = front ? 1.5 : 0;
        grid.alpha[i] = front ? ATTENUATION.soft : ATTENUATION.bone;
        break;
      }
    }
  }
}

/** Skin, subcutaneous fat and muscle, parallel to the probe face with gently wavy interfaces. */
function paintWall(p: Pass): void {
  const { scene, beams, samples, grid } = p;
  const { wall, noise, fov } = scene;
  const last = samples - 1;
  const pxPerDepth = last * fov.pxPerSample;
  const lateralStep = fov.beamSpacingPx(last / 2);
  for (let b = 0; b < beams; b++) {
    const lateral = b * lateralStep;
    const wave = wall.wave * noise.tissue.at(lateral / 40, 7.3);
    const skinEnd = wall.skin + wave * 0.3;
    const fatEnd = wall.fat + wave;
    const muscleEnd = wall.muscle + wave * 1.5;
    const stop = Math.min(last, Math.ceil(muscleEnd * last));
    for (let s = 0; s <= stop; s++) {
      const depth = s / last;
      if (depth >= muscleEnd) break;
      const i = s * beams + b;
      grid.specular[i] = 0;
      if (depth < skinEnd) {
        grid.diffuse[i] = 1.5;
        grid.alpha[i] = ATTENUATION.soft;
      } else if (depth < fatEnd) {
        // Subcutaneous fat: dark, crossed by thin wavy septa running along the skin.
        const n = noise.detail.at(lateral / 22, depth * 180);
        const septum = Math.max(0, 1 - Math.abs(n) / 0.1);
        grid.diffuse[i] = 0.3 + 1.2 * septum * septum;
        grid.alpha[i] = ATTENUATION.fat;
        if ((fatEnd - depth) * pxPerDepth < 1.5) grid.specular[i] = 0.25; // fascia
      } else {
        // Muscle: striated along the fibres, which run parallel to the wall.
        const n = noise.detail.at(lateral / 35 + 50, depth * 260);
        grid.diffuse[i] = 0.5 * (1 + 0.55 * n);
        grid.alpha[i] = ATTENUATION.muscle;
        if ((muscleEnd - depth) * pxPerDepth < 1.5) grid.specular[i] = 0.3; // deep fascia
      }
    }
  }
}

function paintRibs(p: Pass): void {
  const { scene, xs, ys, grid } = p;
  const n = xs.length;
  for (const rib of scene.ribs) {
    const far = rib.across + rib.along;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const y = ys[i];
      if (x < rib.cx - far || x > rib.cx + far || y < rib.cy - far || y > rib.cy + far) continue;
      const rc = ribCoordinates(rib, x, y);
      if (!rc) continue;
      // Bone reflects strongly at its front surface and swallows what enters: a bright arc
      // with a full shadow behind. The cortical surface is modelled as a thin shell that
      // still lets its own echo out before the bone attenuation starts.
      const front = rc.along < -0.55;
      grid.diffuse[i] = front ? 3 : 0.3;
      grid.specular[i] = front ? 0.9 : 0;
      grid.alpha[i] = front ? ATTENUATION.muscle : ATTENUATION.bone;
    }
  }
}

export function rasterizeTissue(scene: Scene): TissueGrid {
  const { fov } = scene;
  const { beams, samples } = fov;
  const n = beams * samples;
  const { xs, ys } = acquisitionPositions(fov);
  const dirX = new Float32Array(beams);
  const dirY = new Float32Array(beams);
  for (let b = 0; b < beams; b++) {
    const d = fov.beamDirection(b);
    dirX[b] = d.x;
    dirY[b] = d.y;
  }
  const grid: TissueGrid = { diffuse: new Float32Array(n), specular: new Float32Array(n), alpha: new Float32Array(n) };
  const pass: Pass = { scene, beams, samples, xs, ys, dirX, dirY, grid };
  const rs: RadialSample = { d: 0, nx: 0, ny: 0 };
  paintBackground(pass);
  paintVessels(pass, rs);
  paintCysts(pass, rs);
  paintKidney(pass, { region: KidneyRegion.outside, distance: 0, nx: 0, ny: 0 });
  paintWall(pass);
  paintRibs(pass);
  return grid;
}
