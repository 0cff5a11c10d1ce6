// @vitest-environment happy-dom
import 'vitest-canvas-mock';
import { mount } from '@vue/test-utils';
import type Konva from 'konva';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setPlatform } from '../platform';
import { useAnnotateStore } from '../stores/annotate';
import { useCategoriesStore } from '../stores/categories';
import { createFakeBackend, type FakeBackend } from '../testing/fake-platform';
import AnnotateCanvas from './AnnotateCanvas.vue';

// The decoded image is stood in by a canvas of the image's size: Konva draws either.
vi.mock('../composables/image-cache', () => ({
  loadImage: async () => {
    const c = document.createElement('canvas');
    c.width = 800;
    c.height = 540;
    return c;
  },
}));

let fake: FakeBackend;
let restore: Array<() => void> = [];

beforeEach(async () => {
  for (const [k, v] of Object.entries({ clientWidth: 1000, clientHeight: 700 })) {
    const before = Object.getOwnPropertyDescriptor(HTMLElement.prototype, k);
    Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => v });
    restore.push(() => (before ? Object.defineProperty(HTMLElement.prototype, k, before) : delete (HTMLElement.prototype as unknown as Record<string, unknown>)[k]));
  }
  localStorage.clear();
  fake = createFakeBackend(2);
  fake.annotations.push({ id: 7, imageId: 1, categoryId: 1, category: 'kidney', x: 300, y: 200, w: 100, h: 80, author: '', createdAt: '', updatedAt: '' });
  setPlatform(fake);
  setActivePinia(createPinia());
  await useCategoriesStore().load();
});

afterEach(() => {
  for (const r of restore) r();
  restore = [];
});

async function mounted() {
  const store = useAnnotateStore();
  await store.open(1);
  const wrapper = mount(AnnotateCanvas, { attachTo: document.body });
  await vi.waitFor(() => expect(wrapper.attributes('data-shown-image')).toBe('1'));
  const stage = findStage(wrapper.element);
  return { store, wrapper, stage };
}

function findStage(el: Element): Konva.Stage {
  // vue-konva keeps the stage on its component; Konva also registers every stage globally.
  const Konva = (globalThis as unknown as { Konva: { stages: Konva.Stage[] } }).Konva;
  return Konva.stages.find((s) => el.contains(s.container()))!;
}

function view(wrapper: ReturnType<typeof mount>) {
  const [scale, x, y] = wrapper.find('[data-view]').attributes('data-view')!.split(',').map(Number);
  return { scale, x, y, at: (ix: number, iy: number) => ({ clientX: x + ix * scale, clientY: y + iy * scale }) };
}

/** What the painter did on the box layer's canvas (vitest-canvas-mock records it). */
function paintedRects(stage: Konva.Stage): Array<{ x: number; y: number; width: number; height: number }> {
  const layer = stage.getLayers()[1];
  const ctx = layer.getCanvas().getContext()._context as unknown as { __getEvents(): Array<{ type: string; props: Record<string, number> }> };
  return ctx
    .__getEvents()
    .filter((e) => e.type === 'strokeRect')
    .map((e) => ({ x: e.props.x, y: e.props.y, width: e.props.width, height: e.props.height }));
}

describe('the annotation canvas', () => {
  it('fits the image, paints the boxes, and draws a new box from a mouse drag', async () => {
    const { store, wrapper, stage } = await mounted();
    const v = view(wrapper);
    expect(v.scale).toBeCloseTo(Math.min((1000 - 32) / 800, (700 - 32) / 540), 6);
    stage.draw();
    expect(paintedRects(stage)).toContainEqual({ x: 300, y: 200, width: 100, height: 80 });

    stage.fire('mousedown', { evt: new MouseEvent('mousedown', { button: 0, ...v.at(50, 60) }), target: stage } as never);
    window.dispatchEvent(new MouseEvent('mousemove', v.at(120, 100)));
    window.dispatchEvent(new MouseEvent('mousemove', v.at(150, 140)));
    window.dispatchEvent(new MouseEvent('mouseup', v.at(150, 140)));
    expect(store.visibleBoxes).toHaveLength(2);
    const drawn = store.visibleBoxes[1];
    expect(drawn).toMatchObject({ x: 50, y: 60, w: 100, h: 80, categoryId: 1 });
    expect(store.selectedKey).toBe(drawn.key);
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    expect(fake.annotations.find((a) => a.id === drawn.id)).toMatchObject({ x: 50, y: 60, w: 100, h: 80 });
    // The new box is the selected node, with the resize handles on it.
    await vi.waitFor(() => expect((stage.findOne('Transformer') as Konva.Transformer).nodes()[0]?.getAttrs()).toMatchObject({ x: 50, y: 60, width: 100, height: 80 }));
    wrapper.unmount();
  });

  it('selects a box by its outline (not its inside) and puts the resize handles on it', async () => {
    const { store, wrapper, stage } = await mounted();
    const v = view(wrapper);
    stage.fire('mousedown', { evt: new MouseEvent('mousedown', { button: 0, ...v.at(350, 240) }), target: stage } as never);
    window.dispatchEvent(new MouseEvent('mouseup', v.at(350, 240)));
    expect(store.selectedKey).toBeNull();
    stage.fire('mousedown', { evt: new MouseEvent('mousedown', { button: 0, ...v.at(301, 240) }), target: stage } as never);
    window.dispatchEvent(new MouseEvent('mouseup', v.at(301, 240)));
    expect(store.selectedKey).toBe(7);
    const tr = stage.findOne('Transformer') as Konva.Transformer;
    await vi.waitFor(() => expect(tr.nodes()).toHaveLength(1));
    expect(tr.nodes()[0].getAttrs()).toMatchObject({ id: 'box-7', x: 300, y: 200, width: 100, height: 80, draggable: true });
    expect(tr.rotateEnabled()).toBe(false);
    wrapper.unmount();
  });

  it('shows an edit that failed to save as dashed and red, and zooms towards the cursor', async () => {
    const { store, wrapper, stage } = await mounted();
    store.select(7);
    fake.failing.set('annotations.update', { code: 'DISK_FULL', message: 'disk full' });
    store.updateBox(7, { x: 310 });
    await vi.waitFor(() => expect(store.saveState).toBe('failed'));
    const node = () => stage.findOne('#box-7') as Konva.Rect;
    await vi.waitFor(() => expect(node().dash()).toEqual([6, 4]));
    expect(node().stroke()).toBe('#ff5c5c');
    expect(node().x()).toBe(310);

    const before = view(wrapper);
    const cursor = before.at(400, 300);
    // happy-dom's WheelEvent lacks the MouseEvent coordinates a browser's has.
    const wheel = Object.defineProperties(new WheelEvent('wheel', { deltaY: -200 }), { clientX: { value: cursor.clientX }, clientY: { value: cursor.clientY } });
    stage.fire('wheel', { evt: wheel } as never);
    const after = view(wrapper);
    expect(after.scale).toBeGreaterThan(before.scale);
    // The image point under the cursor stays under it.
    expect((cursor.clientX - after.x) / after.scale).toBeCloseTo(400, 6);
    expect((cursor.clientY - after.y) / after.scale).toBeCloseTo(300, 6);
    wrapper.unmount();
  });
});
