import { SonoError } from '../errors.js';

/** An axis-aligned box in pixels: (x, y) is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The study counts a detection as a localisation failure when its Dice with the truth is below this. */
export const FAILURE_DICE = 0.8;

function checkBox(b: Box, name: string): void {
  const finite = [b.x, b.y, b.w, b.h].every(Number.isFinite);
  if (!finite || b.w < 0 || b.h < 0) {
    throw new SonoError(
      'BAD_INPUT',
      `Box ${name} must have finite x, y and non-negative w, h, got ${b.x},${b.y},${b.w},${b.h}`,
    );
  }
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Dice coefficient 2|A∩B| / (|A| + |B|) of two boxes. */
export function dice(a: Box, b: Box): number {
  checkBox(a, 'a');
  checkBox(b, 'b');
  const total = a.w * a.h + b.w * b.h;
  if (total === 0) throw new SonoError('BAD_INPUT', 'Dice is undefined for two empty boxes');
  return (2 * overlapArea(a, b)) / total;
}

/** Intersection over union |A∩B| / |A∪B| of two boxes. */
export function iou(a: Box, b: Box): number {
  checkBox(a, 'a');
  checkBox(b, 'b');
  const inter = overlapArea(a, b);
  const union = a.w * a.h + b.w * b.h - inter;
  if (union === 0) throw new SonoError('BAD_INPUT', 'IoU is undefined for two empty boxes');
  return inter / union;
}

/** True when a detection with this Dice counts as failed: strictly below the threshold, so 0.8 passes. */
export function isLocalizationFailure(diceValue: number, threshold: number = FAILURE_DICE): boolean {
  if (!(diceValue >= 0 && diceValue <= 1)) {
    throw new SonoError('BAD_INPUT', `Dice must be a number in [0, 1], got ${diceValue}`);
  }
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new SonoError('BAD_INPUT', `Failure threshold must be in [0, 1], got ${threshold}`);
  }
  return diceValue < threshold;
}
