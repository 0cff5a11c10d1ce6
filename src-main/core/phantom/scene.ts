/**
 * The imaged scene: field of view, body wall layers, the kidney, distractors, and the
 * acoustic properties of every point (diffuse backscatter, specular reflection,
 * attenuation). Randomness is split into named streams so that, for one seed, turning
 * distractors off or changing the subject's anatomy leaves the other parts unchanged.
 */
import {
  sampleCysts,
  sampleLiverBoundary,
  sampleRibs,
  sampleVessels,
  type Cyst,
  type LiverBoundary,
  type Rib,
  type Tube,
} from './distractors.js';
import { sampleFov, type FieldOfView, type GeometryKind } from './geometry.js';
import { KidneyRegion, PlacedKidney, sampleKidneyShape, type KidneyPose, type KidneySample, type KidneyShape } from './kidney.js';
import { createRng, type Rng } from './rng.js';
import { ValueNoise } from './texture.js';

export interface SceneSpec {
  /** Image seed: pose, field of view, tissue, noise. */
  seed: number;
  /** Subject seed: the kidney's anatomy. Images of one subject share it. */
  subjectSeed: number;
  width: number;
  height: number;
  geometry?: GeometryKind;
  distractors: boolean;
}

export interface BodyWall {
  /** Depth fractions (0 at the probe face, 1 at the far edge) where each layer ends. */
  skin: number;
  fat: number;
  muscle: number;
  /** Waviness amplitude of the layer interfaces as a depth fraction. */
  wave: number;
}

export interface Scene {
  spec: SceneSpec;
  fov: FieldOfView;
  /**
   * Size unit for structures other than the kidney: one fifteenth of the smaller image
   * side, about a centimetre at abdominal scale. Anatomy is sized against the image, like
   * the kidney (25-45 % of the width), rather than against the probe's depth setting.
   */
  unitPx: number;
  wall: BodyWall;
  kidney: PlacedKidney;
  liver: LiverBoundary | null;
  tubes: Tube[];
  cysts: Cyst[];
  ribs: Rib[];
  noise: { tissue: ValueNoise; detail: ValueNoise };
}

/** Geometry the seed chooses when the caller does not: curvilinear probes are the usual renal choice. */
function seedGeometry(seed: number): GeometryKind {
  return createRng(seed, 'geometry').next() < 0.65 ? 'sector' : 'linear';
}

function sampleWall(rng: Rng, kind: GeometryKind): BodyWall {
  const skin = rng.uniform(0.008, 0.014);
  const fat = skin + (kind === 'sector' ? rng.uniform(0.04, 0.11) : rng.uniform(0.05, 0.14));
  const muscle = fat + (kind === 'sector' ? rng.uniform(0.05, 0.1) : rng.uniform(0.06, 0.12));
  return { skin, fat, muscle, wave: rng.uniform(0.004, 0.012) };
}

/**
 * Place the kidney: long axis 25-45 % of the image width (around the subject's own
 * size), tilted up to ±34°, below the body wall and inside the view. About one image in
 * ten is framed off-centre so that a pole leaves the field of view (at most a quarter of
 * the outline), as happens in practice; its box is then clipped to the visible part.
 */
function placeKidney(rng: Rng, shape: KidneyShape, relativeLength: number, fov: FieldOfView, wall: BodyWall): PlacedKidney {
  const { width } = fov;
  let length = Math.min(0.45, Math.max(0.25, relativeLength * rng.uniform(0.9, 1.1))) * width;
  const allowClip = rng.chance(0.1);
  const minS = (wall.muscle + 2 * wall.wave) * (fov.samples - 1) + 3;
  // If nothing fits (tiny images), keep the candidate showing most of the kidney below the wall.
  let fallback: PlacedKidney | null = null;
  let fallbackScore = -1;
  for (let attempt = 0; attempt < 60; attempt++) {
    if (attempt >= 20) length *= 0.98; // the view may be too small for this kidney: shrink gradually
    const lateral = allowClip ? (rng.chance(0.5) ? rng.uniform(0.04, 0.16) : rng.uniform(0.84, 0.96)) : rng.uniform(0.2, 0.8);
    const centre = fov.toImage(lateral * (fov.beams - 1), rng.uniform(0.35, 0.72) * (fov.samples - 1));
    const pose: KidneyPose = {
      cx: centre.x,
      cy: centre.y,
      length,
      angle: rng.uniform(-0.6, 0.6),
      mirrorU: rng.sign(),
      mirrorV: rng.sign(),
    };
    const kidney = new PlacedKidney(shape, pose);
    let inside = 0;
    let belowWall = true;
    const outline = kidney.outline(72);
    for (const p of outline) {
      const g = fov.toBeam(p.x, p.y);
      if (g) {
        inside++;
        if (g.s < minS) belowWall = false;
      } else if (p.y < fov.height * 0.3) {
        belowWall = false; // left the fan near the top: it would overlap the body wall
      }
    }
    const need = allowClip ? 0.75 : 1;
    if (belowWall && inside >= need * outline.length) return kidney;
    const score = inside + (belowWall ? outline.length : 0);
    if (score > fallbackScore) {
      fallback = kidney;
      fallbackScore = score;
    }
  }
  return fallback!;
}

export function buildScene(spec: SceneSpec): Scene {
  const kind = spec.geometry ?? seedGeometry(spec.seed);
  const fov = sampleFov(createRng(spec.seed, 'fov'), kind, spec.width, spec.height);
  const unitPx = Math.min(spec.width, spec.height) / 15;
  const tissueRng = createRng(spec.seed, 'tissue');
  const wall = sampleWall(tissueRng, kind);
  const shapeRng = createRng(spec.subjectSeed, 'kidney-shape');
  const shape = sampleKidneyShape(shapeRng);
  const relativeLength = shapeRng.uniform(0.28, 0.42);
  const kidney = placeKidney(createRng(spec.seed, 'pose'), shape, relativeLength, fov, wall);
  const placement = { fov, kidney, unitPx, wallEnd: wall.muscle + wall.wave * 1.5 };
  const ribs = sampleRibs(createRng(spec.seed, 'ribs'), placement);
  const noise = { tissue: new ValueNoise(tissueRng), detail: new ValueNoise(tissueRng) };
  let liver: LiverBoundary | null = null;
  let tubes: Tube[] = [];
  let cysts: Cyst[] = [];
  if (spec.distractors) {
    const d = createRng(spec.seed, 'distractors');
    liver = d.chance(0.8) ? sampleLiverBoundary(d, kidney) : null;
    tubes = sampleVessels(d, placement);
    cysts = sampleCysts(d, placement);
  }
  return { spec, fov, unitPx, wall, kidney, liver, tubes, cysts, ribs, noise };
}

/** Label every image pixel with its kidney region (0 outside the kidney or the field of view). */
export function kidneyLabels(scene: Scene): Uint8Array {
  const { fov, kidney } = scene;
  const labels = new Uint8Array(fov.width * fov.height);
  const r = kidney.reach;
  const x0 = Math.max(0, Math.floor(kidney.pose.cx - r));
  const x1 = Math.min(fov.width - 1, Math.ceil(kidney.pose.cx + r));
  const y0 = Math.max(0, Math.floor(kidney.pose.cy - r));
  const y1 = Math.min(fov.height - 1, Math.ceil(kidney.pose.cy + r));
  const k: KidneySample = { region: KidneyRegion.outside, distance: 0, nx: 0, ny: 0 };
  const g = { b: 0, s: 0 };
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      if (!kidney.sampleInto(px, py, k) || k.region === KidneyRegion.outside) continue;
      if (fov.toBeamInto(px, py, g)) labels[y * fov.width + x] = k.region;
    }
  }
  return labels;
}
