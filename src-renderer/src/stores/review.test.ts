// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setPlatform } from '../platform';
import { createFakeBackend, makeReviewItem, makeRun, type FakeBackend } from '../testing/fake-platform';
import { useAnnotateStore } from './annotate';
import { useCategoriesStore } from './categories';
import { useReviewStore } from './review';
import { useRouteStore } from './route';

let fake: FakeBackend;

beforeEach(async () => {
  window.history.replaceState(null, '', '/');
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
});
