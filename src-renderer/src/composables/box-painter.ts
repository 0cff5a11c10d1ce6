import type Konva from 'konva';
import type { Box } from '../lib/types';

/** Boxes that share a look, drawn with one path and one stroke. */
export interface BoxGroup {
  color: string;
  dashed: boolean;
  boxes: Box[];
}

const LINE_PX = 1.5;
const DASH_PX = [6, 4];

/**
 * Draws every box except the selected one as a single Konva shape: one path per colour and style
 * instead of a Konva node per box. With a thousand boxes, per-node overhead (transforms, state saves,
 * hit regions) is what made panning slow; here the cost is the strokes alone. Boxes outside the
 * visible part of the image are skipped, and line width and dashes stay constant on screen.
 */
export function paintBoxes(context: Konva.Context, stage: Konva.Stage, groups: readonly BoxGroup[]): void {
  const scale = stage.scaleX();
  const x0 = -stage.x() / scale;
  const y0 = -stage.y() / scale;
  const x1 = x0 + stage.width() / scale;
  const y1 = y0 + stage.height() / scale;
  context.setAttr('lineWidth', LINE_PX / scale);
  for (const g of groups) {
    context.beginPath();
    let any = false;
    for (const b of g.boxes) {
      if (b.x > x1 || b.y > y1 || b.x + b.w < x0 || b.y + b.h < y0) continue;
      context.rect(b.x, b.y, b.w, b.h);
      any = true;
    }
    if (!any) continue;
    context.setAttr('strokeStyle', g.color);
    context.setLineDash(g.dashed ? DASH_PX.map((d) => d / scale) : []);
    context.stroke();
  }
  context.setLineDash([]);
}
