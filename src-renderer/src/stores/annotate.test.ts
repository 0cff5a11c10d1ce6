// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { setPlatform } from '../platform';
import { createFakeBackend, type FakeBackend } from '../testing/fake-platform';
import { useAnnotateStore } from './annotate';
import { useCategoriesStore } from './categories';
import { useDisplayStore } from './display';
import { useRouteStore } from './route';

let fake: FakeBackend;

beforeEach(async () => {
  localStorage.clear();
  window.history.replaceState(null, '', '/');
  fake = createFakeBackend(4);
  setPlatform(fake);
  setActivePinia(createPinia());
  await useCategoriesStore().load();
});

const server = (id: number) => fake.annotations.find((a) => a.id === id);

describe('autosave', () => {
  it('shows saving while the create is in flight and saved once the server has the box', async () => {
    const store = useAnnotateStore();
    expect(await store.open(1)).toBe(true);
    fake.holding.add('annotations.create');
    const key = store.addBox({ x: 10, y: 20, w: 100, h: 50 })!;
    expect(store.saveState).toBe('saving');
    expect(store.unsavedKeys.has(key)).toBe(true);
    fake.holding.delete('annotations.create');
    fake.release();
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    const box = store.visibleBoxes.find((b) => b.key === key)!;
    expect(box.id).not.toBeNull();
    expect(server(box.id!)).toMatchObject({ imageId: 1, categoryId: 1, x: 10, y: 20, w: 100, h: 50 });
    expect(store.unsavedKeys.size).toBe(0);
    expect(store.canUndo).toBe(true);
  });

  it('keeps a failed edit on screen, marked unsaved with the reason, and saves it on retry', async () => {
    const store = useAnnotateStore();
    await store.open(1);
    const key = store.addBox({ x: 10, y: 20, w: 100, h: 50 })!;
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    const id = store.visibleBoxes[0].id!;

    fake.failing.set('annotations.update', { code: 'DISK_FULL', message: 'the disk holding /fake/project is full; nothing was written' });
    store.updateBox(key, { x: 40, y: 60 });
    await vi.waitFor(() => expect(store.saveState).toBe('failed'));
    expect(store.saveMessage).toBe('the disk holding /fake/project is full; nothing was written');
    expect(store.visibleBoxes[0]).toMatchObject({ x: 40, y: 60, w: 100, h: 50 });
    expect(store.unsavedKeys.has(key)).toBe(true);
    expect(server(id)).toMatchObject({ x: 10, y: 20 });

    // A further edit while failed is folded into the pending update rather than queued behind it.
    store.updateBox(key, { w: 120 });
    await vi.waitFor(() => expect(store.saveState).toBe('failed'));

    fake.failing.clear();
    store.retry();
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    expect(server(id)).toMatchObject({ x: 40, y: 60, w: 120, h: 50 });
    expect(store.saveMessage).toBeNull();
    expect(store.unsavedKeys.size).toBe(0);
  });

  it('refuses to leave an image whose edit could not be saved, and says so', async () => {
    const store = useAnnotateStore();
    await store.open(1);
    fake.failing.set('annotations.create', { code: 'PROJECT_READ_ONLY', message: 'project /fake/project is read-only' });
    store.addBox({ x: 1, y: 1, w: 10, h: 10 });
    await vi.waitFor(() => expect(store.saveState).toBe('failed'));
    expect(await store.open(2)).toBe(false);
    expect(store.image?.id).toBe(1);
    expect(store.notice).toMatch(/scan_1\.png.*unsaved edit.*Retry.*Discard/);
    await store.discardUnsaved();
    expect(store.visibleBoxes).toHaveLength(0);
    expect(await store.open(2)).toBe(true);
  });
});

describe('undo and redo', () => {
  it('call edits.undo / edits.redo for the image once saves are done, and show what the server has', async () => {
    const store = useAnnotateStore();
    await store.open(2);
    const key = store.addBox({ x: 10, y: 10, w: 50, h: 50 })!;
    fake.holding.add('annotations.update');
    store.updateBox(key, { x: 30 });
    const undoing = store.undo();
    await Promise.resolve();
    expect(fake.callsOf('edits.undo')).toHaveLength(0);
    fake.holding.delete('annotations.update');
    fake.release();
    await undoing;
    expect(fake.callsOf('edits.undo')).toEqual([{ imageId: 2 }]);
    expect(store.visibleBoxes).toHaveLength(1);
    expect(store.visibleBoxes[0].x).toBe(10);
    expect(store.canRedo).toBe(true);

    await store.redo();
    expect(fake.callsOf('edits.redo')).toEqual([{ imageId: 2 }]);
    expect(store.visibleBoxes[0].x).toBe(30);

    await store.undo();
    await store.undo();
    expect(store.visibleBoxes).toHaveLength(0);
    expect(store.canUndo).toBe(false);
    await store.undo();
    expect(store.notice).toBe('Nothing to undo on this image.');
  });

  it('keeps the box an undo or redo touched selected, so dragging it moves it instead of drawing', async () => {
    const store = useAnnotateStore();
    await store.open(2);
    const key = store.addBox({ x: 10, y: 10, w: 50, h: 50 })!;
    store.updateBox(key, { x: 30 });
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    const id = store.visibleBoxes[0].id!;
    store.select(null);
    await store.undo();
    expect(store.selected?.id).toBe(id);
    expect(store.selected?.x).toBe(10);
    await store.redo();
    expect(store.selected?.id).toBe(id);
    expect(store.selected?.x).toBe(30);
  });

  it('deletes the selected box and undo brings it back', async () => {
    const store = useAnnotateStore();
    await store.open(1);
    store.addBox({ x: 5, y: 5, w: 20, h: 20 });
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    store.deleteBox();
    expect(store.visibleBoxes).toHaveLength(0);
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    expect(fake.annotations).toHaveLength(0);
    await store.undo();
    expect(store.visibleBoxes).toHaveLength(1);
  });
});

describe('navigation', () => {
  it('goes to the next and previous image and to the next unannotated one, updating the address', async () => {
    const store = useAnnotateStore();
    const route = useRouteStore();
    fake.annotations.push({ id: 1, imageId: 2, categoryId: 1, category: 'kidney', x: 1, y: 1, w: 5, h: 5, author: '', createdAt: '', updatedAt: '' });
    await store.open(1);
    await store.next();
    expect(store.image?.id).toBe(2);
    expect(route.route).toEqual({ view: 'annotate', imageId: 2 });
    expect(window.location.hash).toBe('#/annotate/2');
    await store.previous();
    expect(store.image?.id).toBe(1);
    await store.previous();
    expect(store.notice).toBe('This is the first image in the list.');
    await store.nextUnannotated();
    expect(store.image?.id).toBe(3);
  });

  it("copies the previous image's boxes, once", async () => {
    const store = useAnnotateStore();
    fake.annotations.push({ id: 1, imageId: 1, categoryId: 1, category: 'kidney', x: 100, y: 100, w: 50, h: 40, author: '', createdAt: '', updatedAt: '' });
    await store.open(2);
    await store.copyPrevious();
    await vi.waitFor(() => expect(store.saveState).toBe('saved'));
    expect(fake.annotations.filter((a) => a.imageId === 2)).toMatchObject([{ x: 100, y: 100, w: 50, h: 40, categoryId: 1 }]);
    expect(store.notice).toBe('Copied 1 box from scan_1.png.');
    await store.copyPrevious();
    expect(store.notice).toMatch(/Copied 0 boxes .*1 already here/);
  });
});

describe('window/level', () => {
  it('stays as set when moving to another image and after a restart', async () => {
    const store = useAnnotateStore();
    const display = useDisplayStore();
    await store.open(1);
    display.set({ window: 120, level: 90 });
    await store.next();
    expect(store.image?.id).toBe(2);
    expect(display.windowLevel).toEqual({ window: 120, level: 90 });
    await nextTick();
    expect(JSON.parse(localStorage.getItem('sonotl.windowLevel.v1')!)).toEqual({ window: 120, level: 90 });

    setActivePinia(createPinia());
    expect(useDisplayStore().windowLevel).toEqual({ window: 120, level: 90 });
    useDisplayStore().reset();
    expect(useDisplayStore().windowLevel).toEqual({ window: 256, level: 128 });
  });

  it('ignores a damaged stored setting', () => {
    localStorage.setItem('sonotl.windowLevel.v1', '{"window":"wide"}');
    expect(useDisplayStore().windowLevel).toEqual({ window: 256, level: 128 });
  });
});
