/**
 * Public entry points: seeded synthetic kidney ultrasound images with ground-truth boxes.
 *
 * The images are a physically motivated, non-clinical phantom: they let the app and the
 * transfer-learning study run end to end on a machine without any real data.
 */
import { acquire, logCompress, sampleAcoustics, type AcousticSettings } from './acoustics.js';
import { fovMask, scanConvert } from './geometry.js';
import { createRng, deriveSeed } from './rng.js';
import { buildScene, kidneyLabels, type Scene, type SceneSpec } from './scene.js';
import { rasterizeTissue } from './tissue.js';

export interface PhantomOptions {
  seed: number;
  /** Default 400. */
  width?: number;
  /** Default 300. */
  height?: number;
  /** Default: chosen by the seed (about two thirds sector). */
  geometry?: 'sector' | 'linear';
  /** Default true: vessels, a liver boundary and cysts that are not kidneys. */
  distractors?: boolean;
}

export interface PhantomBox {
  category: 'kidney';
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PhantomImage {
  width: number;
  height: number;
  /** 8-bit gray, row-major. */
  pixels: Uint8Array;
  boxes: PhantomBox[];
  geometry: 'sector' | 'linear';
}

export interface PhantomSetOptions {
  seed: number;
  count: number;
  /** Default 2. */
  imagesPerSubject?: number;
  width?: number;
  height?: number;
}

export type PhantomSetImage = PhantomImage & { name: string; subject: string };

const MIN_SIZE = 64;
const MAX_SIZE = 4096;

function checkSize(name: string, v: number): number {
  if (!Number.isInteger(v) || v < MIN_SIZE || v > MAX_SIZE) {
    throw new RangeError(`phantom ${name} must be an integer in [${MIN_SIZE}, ${MAX_SIZE}], got ${v}`);
  }
  return v;
}

function specFromOptions(options: PhantomOptions): SceneSpec {
  if (!Number.isFinite(options.seed)) throw new RangeError(`phantom seed must be a finite number, got ${options.seed}`);
  if (options.geometry !== undefined && options.geometry !== 'sector' && options.geometry !== 'linear') {
    throw new RangeError(`phantom geometry must be 'sector' or 'linear', got ${String(options.geometry)}`);
  }
  return {
    seed: options.seed,
    // A lone image is its own subject.
    subjectSeed: options.seed,
    width: checkSize('width', options.width ?? 400),
    height: checkSize('height', options.height ?? 300),
    geometry: options.geometry,
    distractors: options.distractors ?? true,
  };
}

/** Smallest axis-aligned box holding every non-zero label. */
export function boundingBox(labels: Uint8Array, width: number, height: number): PhantomBox | null {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (labels[row + x] === 0) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return null;
  return { category: 'kidney', x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
}

/** Simulated echo envelope of a scene on its acquisition grid, before log compression. */
function sceneEnvelope(scene: Scene, settings: AcousticSettings): Float32Array {
  return acquire(scene.fov, rasterizeTissue(scene), settings, createRng(scene.spec.seed, 'speckle').nextU32);
}

/**
 * Render a scene spec. `acoustics` overrides the seeded acoustic settings, e.g. `{ tgc: 0 }`
 * to see raw attenuation; the public functions never override anything.
 */
function renderSpec(spec: SceneSpec, acoustics: Partial<AcousticSettings> = {}): PhantomImage {
  const scene = buildScene(spec);
  const settings = { ...sampleAcoustics(createRng(spec.seed, 'acoustics'), scene.fov), ...acoustics };
  const env = sceneEnvelope(scene, settings);
  const pixels = scanConvert(scene.fov, logCompress(env, settings.dynamicRangeDb));
  const box = boundingBox(kidneyLabels(scene), spec.width, spec.height);
  // Placement keeps the kidney centre inside the field of view, so this cannot happen.
  if (!box) throw new Error(`phantom seed ${spec.seed}: kidney fell outside the field of view`);
  return { width: spec.width, height: spec.height, pixels, boxes: [box], geometry: scene.fov.kind };
}

export function generatePhantom(options: PhantomOptions): PhantomImage {
  return renderSpec(specFromOptions(options));
}

/** Like generatePhantom, with acoustic settings overridden (for inspecting the model). */
export function renderPhantom(options: PhantomOptions, acoustics: Partial<AcousticSettings>): PhantomImage {
  return renderSpec(specFromOptions(options), acoustics);
}

/**
 * Kidney region of every pixel for the image `generatePhantom(options)` would produce:
 * 0 outside, then capsule 1, cortex 2, medulla 3, sinus 4, stone 5 (see KidneyRegion).
 */
export function kidneyRegions(options: PhantomOptions): Uint8Array {
  return kidneyLabels(buildScene(specFromOptions(options)));
}

/** 0/1 mask of the kidney (capsule included) for the image `generatePhantom(options)` would produce. */
export function kidneyMask(options: PhantomOptions): Uint8Array {
  const labels = kidneyRegions(options);
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) labels[i] = 1;
  return labels;
}

/** 0/1 mask of the probe's field of view (the non-black fan or rectangle) for these options. */
export function fieldOfViewMask(options: PhantomOptions): Uint8Array {
  return fovMask(buildScene(specFromOptions(options)).fov);
}

/** Scene specs and names of a phantom set, in order; exposed so tests can rebuild any member's scene. */
export function phantomSetSpecs(opts: PhantomSetOptions): Array<{ spec: SceneSpec; name: string; subject: string }> {
  const { seed, count } = opts;
  const perSubject = opts.imagesPerSubject ?? 2;
  if (!Number.isFinite(seed)) throw new RangeError(`phantom seed must be a finite number, got ${seed}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`phantom count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(perSubject) || perSubject < 1) {
    throw new RangeError(`imagesPerSubject must be a positive integer, got ${perSubject}`);
  }
  const width = checkSize('width', opts.width ?? 400);
  const height = checkSize('height', opts.height ?? 300);
  const digits = Math.max(4, String(count - 1).length);
  const subjectDigits = Math.max(3, String(Math.ceil(count / perSubject) - 1).length);
  const out: Array<{ spec: SceneSpec; name: string; subject: string }> = [];
  for (let i = 0; i < count; i++) {
    const subjectIndex = Math.floor(i / perSubject);
    out.push({
      spec: {
        seed: deriveSeed(seed, 'image', i),
        subjectSeed: deriveSeed(seed, 'subject', subjectIndex),
        width,
        height,
        distractors: true,
      },
      name: `phantom-${String(i).padStart(digits, '0')}`,
      subject: `subject-${String(subjectIndex).padStart(subjectDigits, '0')}`,
    });
  }
  return out;
}

/**
 * A dataset: `count` images; consecutive groups of `imagesPerSubject` (default 2) share a
 * subject (same kidney anatomy, different pose, probe settings and noise) so that
 * subject-wise splits are meaningful.
 */
export function generatePhantomSet(opts: PhantomSetOptions): PhantomSetImage[] {
  return phantomSetSpecs(opts).map(({ spec, name, subject }) => ({ ...renderSpec(spec), name, subject }));
}
