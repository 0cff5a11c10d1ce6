// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { gridWindow } from '../lib/virtual-grid';
import { setPlatform } from '../platform';
import { PAGE_SIZE, useImagesStore } from '../stores/images';
import { createFakeBackend, type FakeBackend } from '../testing/fake-platform';
import ImageGrid from './ImageGrid.vue';

// happy-dom does no layout: give the scroller the size a 1200x800 window would.
const size = { clientWidth: 1200, clientHeight: 800 };
let restore: Array<() => void> = [];
let fake: FakeBackend;

beforeEach(() => {
  for (const [k, v] of Object.entries(size)) {
    const before = Object.getOwnPropertyDescriptor(HTMLElement.prototype, k);
    Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => v });
    restore.push(() => (before ? Object.defineProperty(HTMLElement.prototype, k, before) : delete (HTMLElement.prototype as unknown as Record<string, unknown>)[k]));
  }
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => setTimeout(() => cb(performance.now()), 0) as unknown as number);
  fake = createFakeBackend(10_000);
  setPlatform(fake);
  setActivePinia(createPinia());
});

afterEach(() => {
  for (const r of restore) r();
  restore = [];
  vi.unstubAllGlobals();
});

describe('the virtualised image grid', () => {
  it('puts only the visible rows (plus a little overscan) of 10 000 images in the DOM, and follows the scroll', async () => {
    const images = useImagesStore();
    await images.reload();
    expect(images.total).toBe(10_000);
    const wrapper = mount(ImageGrid, {
      props: { count: images.total!, itemAt: images.itemAt, onRange: images.ensureRange },
      attachTo: document.body,
    });
    await nextTick();

    const w = gridWindow({ count: 10_000, width: 1200, height: 800, scrollTop: 0, minCellWidth: 150, captionHeight: 24, gap: 8, overscan: 2 });
    const rows = wrapper.findAll('.grid-row');
    const cells = wrapper.findAll('.grid-cell');
    expect(w.columns).toBeGreaterThan(1);
    expect(rows.length).toBe(w.lastRow - w.firstRow + 1);
    expect(rows.length).toBeLessThan(12);
    expect(cells.length).toBe(rows.length * w.columns);
    expect(parseFloat(/height: ([\d.]+)px/.exec(wrapper.find('.grid-spacer').attributes('style')!)![1])).toBeCloseTo(w.totalHeight, 2);
    expect(cells[0].find('img').attributes('src')).toMatch(/^fake:\/\/thumbs\/1\?size=(160|256)$/);
    // Only the first page was fetched for what is on screen.
    expect(fake.callsOf('images.list').map((c) => c.offset)).toEqual([0]);

    // Jump to the middle: the rows there replace the first ones, and their page is fetched.
    const scroller = wrapper.find('[data-testid="image-grid"]').element as HTMLElement;
    const target = Math.floor(5000 / w.columns) * w.rowHeight;
    scroller.scrollTop = target;
    await wrapper.find('[data-testid="image-grid"]').trigger('scroll');
    await new Promise((r) => setTimeout(r, 5));
    await nextTick();
    const after = wrapper.findAll('.grid-cell');
    expect(after.length).toBeLessThan(12 * w.columns);
    const indices = after.map((c) => Number(c.attributes('data-index')));
    expect(Math.min(...indices)).toBeGreaterThan(4000);
    expect(indices).toContain(Math.floor(5000 / w.columns) * w.columns);
    await vi.waitFor(() => expect(wrapper.findAll('.grid-cell.pending')).toHaveLength(0));
    const offsets = fake.callsOf('images.list').map((c) => c.offset);
    expect(offsets).toContain(Math.floor(indices[0] / PAGE_SIZE) * PAGE_SIZE);
    expect(offsets.length).toBeLessThan(5);
    expect(wrapper.find(`[data-index="${indices[0]}"] .caption`).text()).toBe(`scan_${indices[0] + 1}.png`);

    await wrapper.find(`[data-index="${indices[0]}"]`).trigger('click');
    expect(wrapper.emitted('open')?.[0]?.[1]).toBe(indices[0]);
    wrapper.unmount();
  });
});
