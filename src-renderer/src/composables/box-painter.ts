import type Konva from 'konva';
import type { Box } from '../lib/types';

/** Boxes that share a look: one change of stroke style for the group. */
export interface BoxGroup {
  color: string;
  dashed: boolean;
  boxes: Box[];
}

const LINE_PX = 1.5;
const DASH_PX = [6, 4];

/**
 * Draws every box except the selected one as a single Konva shape instead of a Konva node per box:
 * with a thousand boxes, per-node overhead (transforms, state saves, hit regions) made panning slow.
 * Each box is its own `strokeRect`, not one `rect` in a shared path: Chromium's software rasteriser
 * strokes a lone rectangle on a fast path, but a single path of a thousand overlapping rectangles goes
 * through its general path stroker and coverage sweep — 23 ms against 1.5 ms for 1000 boxes on this
 * machine, which was most of a pan frame (docs/performance.md, section 8). Boxes outside the visible
 * part of the image are skipped, and line width and dashes stay constant on screen.
 */
export function paintBoxes(context: Konva.Context, stage: Konva.Stage, groups: readonly BoxGroup[]): void {
  const scale = stage.scaleX();
  const x0 = -stage.x() / scale;
  const y0 = -stage.y() / scale;
  const x1 = x0 + stage.width() / scale;
  const y1 = y0 + stage.height() / scale;
  context.setAttr('lineWidth', LINE_PX / scale);
  for (const g of groups) {
    let styled = false;
    for (const b of g.boxes) {
      if (b.x > x1 || b.y > y1 || b.x + b.w < x0 || b.y + b.h < y0) continue;
      if (!styled) {
        context.setAttr('strokeStyle', g.color);
        context.setLineDash(g.dashed ? DASH_PX.map((d) => d / scale) : []);
        styled = true;
      }
      context.strokeRect(b.x, b.y, b.w, b.h);
    }
  }
  context.setLineDash([]);
}
