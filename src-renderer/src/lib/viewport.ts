import type { Point } from './box-geometry';

/** Screen position and scale of image pixel (0, 0): screen = image * scale + offset. */
export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 64;

/** The whole image centred in the stage with a small margin. */
export function fitViewport(imageW: number, imageH: number, stageW: number, stageH: number, margin = 16): Viewport {
  if (imageW <= 0 || imageH <= 0 || stageW <= 0 || stageH <= 0) return { scale: 1, x: 0, y: 0 };
  const scale = Math.max(MIN_SCALE, Math.min((stageW - 2 * margin) / imageW, (stageH - 2 * margin) / imageH));
  return { scale, x: (stageW - imageW * scale) / 2, y: (stageH - imageH * scale) / 2 };
}

/** Zooms by `factor` keeping the image point under `screen` (the cursor) where it is. */
export function zoomAt(v: Viewport, screen: Point, factor: number): Viewport {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const ix = (screen.x - v.x) / v.scale;
  const iy = (screen.y - v.y) / v.scale;
  return { scale, x: screen.x - ix * scale, y: screen.y - iy * scale };
}

export function panBy(v: Viewport, dx: number, dy: number): Viewport {
  return { scale: v.scale, x: v.x + dx, y: v.y + dy };
}

export function toImage(v: Viewport, screen: Point): Point {
  return { x: (screen.x - v.x) / v.scale, y: (screen.y - v.y) / v.scale };
}
