// @vitest-environment happy-dom
import 'vitest-canvas-mock';
import { mount } from '@vue/test-utils';
import Konva from 'konva';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DETECTION_COLOR, TRUTH_COLOR, WINDOW_COLOR } from '../lib/review-colors';
import { setPlatform } from '../platform';
import { createFakeBackend, makeReviewItem, makeWindows } from '../testing/fake-platform';
import ReviewInspector from './ReviewInspector.vue';

vi.mock('../composables/image-cache', () => ({
  loadImage: async () => {
    const c = document.createElement('canvas');
    c.width = 800;
    c.height = 540;
    return c;
  },
}));

const mounted: Array<{ unmount(): void }> = [];

beforeEach(() => {
  setPlatform(createFakeBackend(1));
});

afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount();
});

/** The outlines on the inspector's stage, by colour, in drawing order. */
function outlines(): Array<{ stroke: string; x: number; y: number; dashed: boolean; width: number }> {
  const stage = Konva.stages.at(-1)!;
  return stage.find('Rect').map((r) => ({ stroke: r.getAttr('stroke'), x: r.x(), y: r.y(), dashed: (r.getAttr('dash') ?? []).length > 0, width: r.getAttr('strokeWidth') }));
}

describe('the review inspector', () => {
  it('draws the ranked windows under truth and detection, in their own colour, best on top, and hides them on request', async () => {
    const item = makeReviewItem(4, 4, 0.12);
    const windows = makeWindows(10);
    const w = mount(ReviewInspector, { props: { item, windows, showWindows: true, highlight: null } });
    mounted.push(w);
    await w.vm.$nextTick();
    expect(w.attributes('data-windows')).toBe('10');
    let rects = outlines();
    expect(new Set([TRUTH_COLOR, DETECTION_COLOR, WINDOW_COLOR]).size).toBe(3);
    const drawn = rects.filter((r) => r.stroke === WINDOW_COLOR);
    expect(drawn.map((r) => r.x)).toEqual(windows.map((x) => x.x).reverse());
    // Windows first, then the truth and the detection over them.
    expect(rects.slice(-2).map((r) => r.stroke)).toEqual([TRUTH_COLOR, DETECTION_COLOR]);
    const labels = Konva.stages.at(-1)!.find('Text').map((t) => t.getAttr('text') as string);
    expect(labels.filter((t) => /^\d+$/.test(t))).toEqual(['10', '9', '8', '7', '6', '5', '4', '3', '2', '1']);
    expect(labels.at(-1)).toBe('detection · score 0.90 · Dice 0.120');

    await w.setProps({ highlight: 3 });
    rects = outlines();
    const lit = rects.find((r) => r.stroke === WINDOW_COLOR && r.x === windows[2].x)!;
    expect(lit).toMatchObject({ dashed: false, width: 3 });

    await w.setProps({ showWindows: false });
    expect(w.attributes('data-windows')).toBe('0');
    expect(outlines().map((r) => r.stroke)).toEqual([TRUTH_COLOR, DETECTION_COLOR]);
    await w.setProps({ showWindows: true, windows: null });
    expect(w.attributes('data-windows')).toBe('0');
  });
});
