/**
 * Candidate windows: the sliding windows a detector scores. Their shapes (size relative to the image and
 * aspect ratio) are learned from the training boxes, so a study never searches shapes the organ does not
 * take, and never uses a test box to choose them.
 */
import { SonoError } from '../errors.js';
import { HAAR_MIN_WINDOW } from '../features/haar.js';
import type { Box } from '../metrics/index.js';

export interface WindowParams {
  /** Number of window sizes, at evenly spaced quantiles of the training boxes' relative size. Default 5. */
  scales: number;
  /** Number of aspect ratios (w/h), at evenly spaced quantiles of the training boxes' ratios. Default 3. */
  aspects: number;
  /** Lowest and highest quantile used; the tails are left to refinement. Default [0.05, 0.95]. */
  quantiles: [number, number];
  /** Step between neighbouring windows, as a fraction of the window's own width / height. Default 0.125. */
  stride: number;
}

export const DEFAULT_WINDOW_PARAMS: WindowParams = { scales: 5, aspects: 3, quantiles: [0.05, 0.95], stride: 0.125 };

/**
 * Learned shapes, on a fixed logarithmic ladder (1/8 octave). Snapping makes folds whose training sets
 * differ by a few boxes produce the same windows, so features computed for one fold serve the others;
 * a 1/16-octave rounding error (4%) is far below what refinement corrects.
 */
export interface WindowShapes {
  /** sqrt(w h / (W H)) of each size, ascending. */
  relScales: number[];
  /** w / h of each aspect, ascending. */
  aspects: number[];
}

/** Fractional steps of the shape ladder per octave. */
const LADDER = 8;

/** A ground-truth box with the size of the image it lies on. */
export interface SizedBox extends Box {
  imageWidth: number;
  imageHeight: number;
}

export function checkWindowParams(p: WindowParams): void {
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(p.scales, 1, 32)) throw bad(`window scales must be an integer in 1..32, got ${p.scales}`);
  if (!intIn(p.aspects, 1, 16)) throw bad(`window aspects must be an integer in 1..16, got ${p.aspects}`);
  const [lo, hi] = p.quantiles;
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw bad(`window quantiles must satisfy 0 <= lo <= hi <= 1, got [${lo}, ${hi}]`);
  if (!(p.stride > 0 && p.stride <= 1)) throw bad(`window stride must be a fraction in (0, 1], got ${p.stride}`);
}

/** Window shapes from the training boxes (at least one box). */
export function learnWindowShapes(boxes: readonly SizedBox[], params: WindowParams = DEFAULT_WINDOW_PARAMS): WindowShapes {
  checkWindowParams(params);
  if (boxes.length === 0) throw bad('cannot learn window shapes without training boxes');
  const scale = boxes.map((b) => Math.sqrt((b.w * b.h) / (b.imageWidth * b.imageHeight)));
  const aspect = boxes.map((b) => b.w / b.h);
  return {
    relScales: ladderQuantiles(scale, params.scales, params.quantiles),
    aspects: ladderQuantiles(aspect, params.aspects, params.quantiles),
  };
}

function ladderQuantiles(values: number[], count: number, [lo, hi]: [number, number]): number[] {
  const logs = values.map(Math.log2).sort((a, b) => a - b);
  const out = new Set<number>();
  for (let i = 0; i < count; i++) {
    const q = count === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (count - 1);
    out.add(Math.round(quantile(logs, q) * LADDER));
  }
  return [...out].sort((a, b) => a - b).map((k) => 2 ** (k / LADDER));
}

/** Type-7 quantile of ascending data. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/** Integer window size of a shape on a width x height image, clamped to the image and to the Haar minimum. */
export function shapeSize(relScale: number, aspect: number, width: number, height: number): { w: number; h: number } {
  const side = relScale * Math.sqrt(width * height);
  const root = Math.sqrt(aspect);
  return {
    w: clampInt(side * root, HAAR_MIN_WINDOW, width),
    h: clampInt(side / root, HAAR_MIN_WINDOW, height),
  };
}

/**
 * Every candidate window of an image: each learned shape slid over the image. Positions are spread evenly
 * from one edge to the other with steps of at most `stride` times the window side, so organs touching
 * the image border are reached as well as central ones.
 */
export function slidingWindows(width: number, height: number, shapes: WindowShapes, stride: number): Box[] {
  if (width < HAAR_MIN_WINDOW || height < HAAR_MIN_WINDOW) {
    throw bad(`a ${width}x${height} image is smaller than the ${HAAR_MIN_WINDOW}x${HAAR_MIN_WINDOW} px minimum window`);
  }
  if (!(stride > 0 && stride <= 1)) throw bad(`window stride must be a fraction in (0, 1], got ${stride}`);
  const out: Box[] = [];
  const seen = new Set<string>();
  for (const r of shapes.relScales) {
    for (const a of shapes.aspects) {
      const { w, h } = shapeSize(r, a, width, height);
      const key = `${w}x${h}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const y of positions(height - h, Math.max(1, stride * h))) {
        for (const x of positions(width - w, Math.max(1, stride * w))) out.push({ x, y, w, h });
      }
    }
  }
  return out;
}

function positions(room: number, step: number): number[] {
  const n = Math.ceil(room / step) + 1;
  if (n === 1) return [0];
  return Array.from({ length: n }, (_, i) => Math.round((i * room) / (n - 1)));
}

/** Rounds a box to whole pixels inside the image, at least the minimum window. */
export function snapWindow(b: Box, width: number, height: number): Box {
  const w = clampInt(b.w, HAAR_MIN_WINDOW, width);
  const h = clampInt(b.h, HAAR_MIN_WINDOW, height);
  return { x: clampInt(b.x, 0, width - w), y: clampInt(b.y, 0, height - h), w, h };
}

export function windowKey(b: Box): string {
  return `${b.x},${b.y},${b.w},${b.h}`;
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(v)));
}

function bad(message: string): SonoError {
  return new SonoError('BAD_INPUT', message);
}
