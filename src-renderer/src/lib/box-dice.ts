import type { Box } from './types';

/** Dice of two boxes: twice the overlap over the sum of the areas (0 when they do not touch). */
export function boxDice(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  const sum = a.w * a.h + b.w * b.h;
  return w <= 0 || h <= 0 || sum <= 0 ? 0 : (2 * w * h) / sum;
}

/** The best Dice of a box with any of the truths, as the study scores a detection; null without truths. */
export function bestBoxDice(box: Box, truths: readonly Box[]): number | null {
  return truths.length === 0 ? null : Math.max(...truths.map((t) => boxDice(box, t)));
}
