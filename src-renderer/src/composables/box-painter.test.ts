// @vitest-environment happy-dom
import type Konva from 'konva';
import { describe, expect, it } from 'vitest';
import { boxAtOutline } from '../lib/box-geometry';
import { paintBoxes } from './box-painter';

function recorder() {
  const calls: Array<[string, ...unknown[]]> = [];
  const ctx = {
    setAttr: (k: string, v: unknown) => calls.push(['set', k, v]),
    beginPath: () => calls.push(['beginPath']),
    rect: (...a: number[]) => calls.push(['rect', ...a]),
    strokeRect: (...a: number[]) => calls.push(['strokeRect', ...a]),
    setLineDash: (d: number[]) => calls.push(['dash', d]),
    stroke: () => calls.push(['stroke']),
  };
  return { ctx: ctx as unknown as Konva.Context, calls };
}

const stage = (scale: number, x: number, y: number, w = 400, h = 300) => ({ scaleX: () => scale, x: () => x, y: () => y, width: () => w, height: () => h }) as unknown as Konva.Stage;

describe('the box painter', () => {
  it('strokes each visible box as its own rectangle, skips boxes off screen, styles each group once, and keeps lines and dashes constant on screen', () => {
    const { ctx, calls } = recorder();
    paintBoxes(ctx, stage(2, -100, 0), [
      { color: '#E69F00', dashed: false, boxes: [{ x: 60, y: 10, w: 20, h: 20 }, { x: 500, y: 10, w: 20, h: 20 }, { x: 0, y: 0, w: 10, h: 10 }] },
      { color: '#ff5c5c', dashed: true, boxes: [{ x: 100, y: 100, w: 5, h: 5 }] },
    ]);
    // At scale 2 and x offset -100 the visible image area is x 50..250, y 0..150.
    expect(calls.filter((c) => c[0] === 'strokeRect')).toEqual([
      ['strokeRect', 60, 10, 20, 20],
      ['strokeRect', 100, 100, 5, 5],
    ]);
    // No shared path: one path of many rectangles is what Chromium's software rasteriser strokes slowly.
    expect(calls.filter((c) => c[0] === 'rect' || c[0] === 'stroke')).toEqual([]);
    expect(calls.filter((c) => c[0] === 'set' && c[1] === 'strokeStyle')).toEqual([
      ['set', 'strokeStyle', '#E69F00'],
      ['set', 'strokeStyle', '#ff5c5c'],
    ]);
    expect(calls).toContainEqual(['set', 'lineWidth', 0.75]);
    expect(calls).toContainEqual(['dash', [3, 2]]);
    expect(calls.at(-1)).toEqual(['dash', []]);
  });

  it('finds boxes by their outline, topmost first', () => {
    const boxes = [
      { key: 1, x: 0, y: 0, w: 100, h: 100 },
      { key: 2, x: 40, y: 40, w: 20, h: 20 },
    ];
    expect(boxAtOutline(boxes, { x: 1, y: 50 }, 3)?.key).toBe(1);
    expect(boxAtOutline(boxes, { x: 41, y: 50 }, 3)?.key).toBe(2);
    expect(boxAtOutline(boxes, { x: 50, y: 50 }, 3)).toBeNull();
    expect(boxAtOutline(boxes, { x: 20, y: 20 }, 3)).toBeNull();
  });
});
