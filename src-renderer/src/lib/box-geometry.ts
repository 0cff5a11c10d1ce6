import type { Box } from './types';

export interface Point {
  x: number;
  y: number;
}

/** The stored grid (1/1000 px), so what the screen shows is what the project keeps. */
export function roundBox(b: Box): Box {
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { x: r(b.x), y: r(b.y), w: r(b.w), h: r(b.h) };
}

/** The box spanned by two corners of a drag, in any direction, clipped to the image. */
export function boxFromCorners(a: Point, b: Point, width: number, height: number): Box {
  const x0 = Math.max(0, Math.min(a.x, b.x));
  const y0 = Math.max(0, Math.min(a.y, b.y));
  const x1 = Math.min(width, Math.max(a.x, b.x));
  const y1 = Math.min(height, Math.max(a.y, b.y));
  return roundBox({ x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) });
}

/** Moves a box back onto the image without changing its size (unless it is larger than the image). */
export function keepInside(b: Box, width: number, height: number): Box {
  const w = Math.min(b.w, width);
  const h = Math.min(b.h, height);
  return roundBox({ x: Math.min(Math.max(0, b.x), width - w), y: Math.min(Math.max(0, b.y), height - h), w, h });
}

/** Cuts a box to the image; null when nothing of it is left (for copying boxes to a smaller image). */
export function clipToImage(b: Box, width: number, height: number): Box | null {
  const clipped = boxFromCorners({ x: b.x, y: b.y }, { x: b.x + b.w, y: b.y + b.h }, width, height);
  return clipped.w >= 1 && clipped.h >= 1 ? clipped : null;
}

/**
 * The last (topmost) box whose outline passes within `tolerance` of the point. Only outlines count, so
 * a new box can still be drawn inside an existing one (nested structures are common in ultrasound).
 */
export function boxAtOutline<T extends Box>(boxes: readonly T[], p: Point, tolerance: number): T | null {
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i];
    const inOuter = p.x >= b.x - tolerance && p.x <= b.x + b.w + tolerance && p.y >= b.y - tolerance && p.y <= b.y + b.h + tolerance;
    const inInner = p.x > b.x + tolerance && p.x < b.x + b.w - tolerance && p.y > b.y + tolerance && p.y < b.y + b.h - tolerance;
    if (inOuter && !inInner) return b;
  }
  return null;
}
