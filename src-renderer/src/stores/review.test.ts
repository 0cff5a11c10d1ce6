// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setPlatform } from '../platform';
import { createFakeBackend, makeReviewItem, makeRun, makeWindows, type FakeBackend } from '../testing/fake-platform';
import { useAnnotateStore } from './annotate';
import { useCategoriesStore } from './categories';
import { useReviewStore } from './review';
import { useRouteStore } from './route';

let fake: FakeBackend;

beforeEach(async () => {
  window.history.replaceState(null, '', '/');
  localStorage.clear();
  fake = createFakeBackend(4);
  setPlatform(fake);
  setActivePinia(createPinia());
  await useCategoriesStore().load();
  fake.runs.push(makeRun('r-old', { method: 'haar' }), makeRun('r-cancelled', { status: 'cancelled' }), makeRun('r-new'));
  fake.detections.set('r-new', [
    makeReviewItem(1, 1, 0.95),
    makeReviewItem(2, 2, 0.42),
    makeReviewItem(3, 3, 0.71, { box: { x: 700.4, y: 500.26, w: 200, h: 100 } }),
    makeReviewItem(4, 4, 0.12),
  ]);
  fake.detections.set('r-old', [makeReviewItem(5, 1, 0.3)]);
});

describe('the review store', () => {
  it('opens on the newest finished run with its failures below 0.80, worst first', async () => {
    const store = useReviewStore();
    await store.load();
    expect(store.reviewable.map((r) => r.id)).toEqual(['r-new', 'r-old']);
    expect(store.runId).toBe('r-new');
    expect(fake.callsOf('runs.detections').at(-1)).toMatchObject({ runId: 'r-new', below: 0.8, sort: 'dice' });
    expect(store.items.map((d) => d.dice)).toEqual([0.12, 0.42, 0.71]);
    expect(store.page).toMatchObject({ evaluated: 4, failures: 3, total: 3 });

    await store.load('r-old');
    expect(store.runId).toBe('r-old');
    expect(store.items.map((d) => d.detectionId)).toEqual([5]);
    // A run that did not finish has no detections to review and is not offered.
    await store.load('r-cancelled');
    expect(store.runId).toBe('r-old');
  });

  it('follows the threshold and the sort order', async () => {
    const store = useReviewStore();
    await store.load();
    await store.setThreshold(0.5);
    expect(store.items.map((d) => d.dice)).toEqual([0.12, 0.42]);
    await store.setThreshold(1);
    await store.setSort('-dice');
    expect(store.items.map((d) => d.dice)).toEqual([0.95, 0.71, 0.42, 0.12]);
    await store.setThreshold(7);
    expect(store.threshold).toBe(1);
  });

  it('accepts a detection as an annotation (clipped to the image) and takes it back through undo', async () => {
    const store = useReviewStore();
    await store.load();
    store.open(2);
    const item = store.opened!;
    expect(item.detectionId).toBe(3);
    expect(await store.accept(item)).toBe(true);
    const created = fake.callsOf('annotations.create');
    expect(created).toEqual([{ imageId: 3, categoryId: 1, box: { x: 700.4, y: 500.26, w: 99.6, h: 39.74 } }]);
    expect(store.accepted.get(3)).toBe(fake.annotations[0].id);
    expect(store.opened!.truths.map((t) => t.id)).toEqual([fake.annotations[0].id]);
    // Accepting twice does not make a second box.
    expect(await store.accept(store.opened!)).toBe(false);

    expect(await store.undoAccept(store.opened!)).toBe(true);
    expect(fake.annotations).toHaveLength(0);
    expect(store.accepted.has(3)).toBe(false);
    expect(store.opened!.truths).toEqual([]);
  });

  it('refuses to undo an edit that is not the accepted detection, and says so', async () => {
    const store = useReviewStore();
    await store.load();
    store.open(0);
    const item = store.opened!;
    await store.accept(item);
    await fake.call('annotations.create', { imageId: item.imageId, categoryId: 1, box: { x: 1, y: 1, w: 5, h: 5 } });
    expect(await store.undoAccept(item)).toBe(false);
    expect((store.error as Error).message).toContain('is not the accepted detection');
    expect(fake.annotations).toHaveLength(2);
  });

  it('refreshes the annotate view that shows the image, and opens Annotate to edit the ground truth', async () => {
    const store = useReviewStore();
    const annotate = useAnnotateStore();
    await store.load();
    store.open(1);
    const item = store.opened!;
    expect(await annotate.open(item.imageId)).toBe(true);
    expect(annotate.visibleBoxes).toHaveLength(0);
    await store.accept(item);
    expect(annotate.visibleBoxes).toHaveLength(1);
    store.editTruth(item);
    expect(useRouteStore().route).toEqual({ view: 'annotate', imageId: item.imageId });
    expect(window.location.hash).toBe(`#/annotate/${item.imageId}`);
  });

  it('steps through the opened images within the list', async () => {
    const store = useReviewStore();
    await store.load();
    store.open(0);
    store.step(-1);
    expect(store.openIndex).toBe(0);
    store.step(1);
    store.step(1);
    store.step(1);
    expect(store.openIndex).toBe(2);
    store.open(null);
    expect(store.opened).toBeNull();
  });

  it("fetches the opened detection's ranked windows once, and keeps them apart per detection", async () => {
    fake.windows.set(4, makeWindows(10));
    fake.windows.set(2, makeWindows(3, { x: 10, y: 10, w: 50, h: 50 }));
    const store = useReviewStore();
    await store.load();
    expect(store.openedWindows).toBeNull();
    const opening = store.open(0);
    // Until the answer arrives there is nothing to draw, rather than the previous detection's windows.
    expect(store.opened!.detectionId).toBe(4);
    expect(store.openedWindows).toBeNull();
    await opening;
    expect(store.openedWindows!.map((w) => w.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(store.openedWindows![0]).toEqual({ rank: 1, x: 100, y: 100, w: 200, h: 150, score: 0.95 });
    await store.step(1);
    expect(store.opened!.detectionId).toBe(2);
    expect(store.openedWindows!.map((w) => [w.rank, w.x])).toEqual([
      [1, 10],
      [2, 18],
      [3, 26],
    ]);
    await store.step(1);
    // A detection stored without windows has none, which is not an error.
    expect(store.openedWindows).toEqual([]);
    expect(store.windowsError).toBeNull();
    await store.open(0);
    expect(fake.callsOf('runs.windows')).toEqual([{ detectionId: 4 }, { detectionId: 2 }, { detectionId: 3 }]);
    // Accepting the detection is unaffected by its windows: the box accepted is the detection's.
    expect(await store.accept(store.opened!)).toBe(true);
    expect(fake.callsOf('annotations.create')).toEqual([{ imageId: 4, categoryId: 1, box: { x: 100, y: 100, w: 200, h: 150 } }]);
  });

  it('says why windows could not be read, and never shows windows of a detection that was replaced', async () => {
    const store = useReviewStore();
    await store.load();
    fake.failing.set('runs.windows', { code: 'NOT_FOUND', message: 'detection 4 is not in this project (its run may have been run again since)' });
    await store.open(0);
    expect((store.windowsError as Error).message).toContain('detection 4 is not in this project');
    expect(store.openedWindows).toBeNull();
    fake.failing.delete('runs.windows');
    // The id now belongs to a detection on another image (the run's results were saved again).
    fake.detections.get('r-new')![1] = makeReviewItem(2, 4, 0.42);
    fake.windows.set(2, makeWindows(2));
    await store.open(1);
    expect((store.windowsError as Error).message).toContain('was replaced since this page was loaded');
    expect(store.openedWindows).toBeNull();
  });

  it('remembers whether windows are shown across restarts', async () => {
    const store = useReviewStore();
    expect(store.showWindows).toBe(true);
    store.setShowWindows(false);
    setActivePinia(createPinia());
    expect(useReviewStore().showWindows).toBe(false);
    useReviewStore().setShowWindows(true);
    setActivePinia(createPinia());
    expect(useReviewStore().showWindows).toBe(true);
  });
});
