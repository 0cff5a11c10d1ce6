import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';
import { clipToImage, roundBox } from '../lib/box-geometry';
import { loadSetting, saveSetting } from '../lib/persist';
import type { ReviewItem, ReviewPage, ReviewWindow, RunRow } from '../lib/types';
import { useAnnotateStore } from './annotate';
import { useCategoriesStore } from './categories';
import { useRouteStore } from './route';

/** The paper's failure criterion: a detection whose box Dice with the truth is below 0.80. */
export const FAILURE_DICE = 0.8;
const PAGE = 500;
const SHOW_WINDOWS_KEY = 'sonotl.review.showWindows';

/**
 * The Review gallery: one run's held-out detections below a Dice threshold, worst first, each with its
 * ground truth; one opened large with the top-scoring candidate windows the detection came from; a
 * detection accepted as an annotation (annotations.create, so it is in the edit log and undo works) or
 * the ground truth edited in Annotate.
 */
export const useReviewStore = defineStore('review', () => {
  const runs = ref<RunRow[]>([]);
  const runId = ref<string | null>(null);
  const threshold = ref(FAILURE_DICE);
  const sort = ref<'dice' | '-dice' | 'image'>('dice');
  const page = ref<ReviewPage | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const openIndex = ref<number | null>(null);
  /** Annotations made here from detections, by detection id, so the user can take one back. */
  const accepted = ref(new Map<number, number>());
  const accepting = ref<number | null>(null);
  /** Candidate windows by detection id, fetched when a detection is opened (they do not change). */
  const windowsOf = ref(new Map<number, ReviewWindow[]>());
  const windowsError = ref<unknown>(null);
  const showWindows = ref(loadSetting(SHOW_WINDOWS_KEY, true, (v): v is boolean => typeof v === 'boolean'));
  let generation = 0;
  /** Bumped when the project changes, so that a late answer about the old project's windows is dropped. */
  let windowsGeneration = 0;

  /** Runs with stored detections to review: finished ones, newest first. */
  const reviewable = computed(() => runs.value.filter((r) => r.status === 'done').slice().reverse());
  const items = computed(() => page.value?.items ?? []);
  const opened = computed<ReviewItem | null>(() => (openIndex.value === null ? null : (items.value[openIndex.value] ?? null)));
  /** The opened detection's windows, best first; null while they load or when they could not be read. */
  const openedWindows = computed<ReviewWindow[] | null>(() => (opened.value ? (windowsOf.value.get(opened.value.detectionId) ?? null) : null));

  async function loadRuns(preferred?: string): Promise<void> {
    try {
      runs.value = await api.call('runs.list', {});
      const ids = new Set(reviewable.value.map((r) => r.id));
      if (preferred && ids.has(preferred)) runId.value = preferred;
      else if (!runId.value || !ids.has(runId.value)) runId.value = reviewable.value[0]?.id ?? null;
    } catch (e) {
      error.value = e;
    }
  }

  async function loadPage(): Promise<void> {
    const id = runId.value;
    const gen = ++generation;
    if (!id) {
      page.value = null;
      return;
    }
    loading.value = true;
    try {
      const result = await api.call('runs.detections', { runId: id, below: threshold.value, sort: sort.value, offset: 0, limit: PAGE });
      if (gen !== generation) return;
      page.value = result;
      error.value = null;
      if (openIndex.value !== null && openIndex.value >= result.items.length) openIndex.value = null;
    } catch (e) {
      if (gen === generation) error.value = e;
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  /** Opens the Review page on a run (the newest finished one when none is given). */
  async function load(preferred?: string): Promise<void> {
    await loadRuns(preferred);
    openIndex.value = null;
    await loadPage();
  }

  async function choose(id: string): Promise<void> {
    runId.value = id;
    openIndex.value = null;
    await loadPage();
  }

  async function setThreshold(t: number): Promise<void> {
    threshold.value = Math.min(1, Math.max(0, t));
    await loadPage();
  }

  async function setSort(s: 'dice' | '-dice' | 'image'): Promise<void> {
    sort.value = s;
    await loadPage();
  }

  /** Opens one detection large (null: back to the gallery) and fetches its windows. */
  async function open(index: number | null): Promise<void> {
    openIndex.value = index === null ? null : Math.max(0, Math.min(items.value.length - 1, index));
    const item = opened.value;
    if (item) await loadWindows(item);
  }

  async function loadWindows(item: ReviewItem): Promise<void> {
    if (windowsOf.value.has(item.detectionId)) return;
    const gen = windowsGeneration;
    try {
      const result = await api.call('runs.windows', { detectionId: item.detectionId });
      if (gen !== windowsGeneration) return;
      // A detection id can be reused after its run's results were saved again: never draw another image's windows.
      if (result.imageId !== item.imageId) throw new Error(`the detection on ${item.imageName} was replaced since this page was loaded; refresh the page`);
      windowsOf.value = new Map(windowsOf.value).set(item.detectionId, result.windows);
      windowsError.value = null;
    } catch (e) {
      if (gen === windowsGeneration) windowsError.value = e;
    }
  }

  function setShowWindows(on: boolean): void {
    showWindows.value = on;
    saveSetting(SHOW_WINDOWS_KEY, on);
  }

  const step = (d: 1 | -1) => openIndex.value !== null && open(openIndex.value + d);

  /** Fresh boxes of one image after an edit here, and in the annotate view if it shows that image. */
  async function refreshTruths(item: ReviewItem): Promise<void> {
    const anns = await api.call('annotations.list', { imageId: item.imageId });
    item.truths = anns.filter((a) => item.categoryId === null || a.categoryId === item.categoryId).map((a) => ({ id: a.id, x: a.x, y: a.y, w: a.w, h: a.h }));
    const annotate = useAnnotateStore();
    if (annotate.image?.id === item.imageId) await annotate.reload();
  }

  async function accept(item: ReviewItem): Promise<boolean> {
    if (accepting.value !== null || accepted.value.has(item.detectionId)) return false;
    const categoryId = item.categoryId ?? useCategoriesStore().active?.id;
    if (categoryId === undefined) {
      error.value = new Error(`run ${runId.value} stored no category for this detection and the project has none; add a category in Annotate first`);
      return false;
    }
    accepting.value = item.detectionId;
    error.value = null;
    try {
      const clipped = clipToImage(item.box, item.width, item.height);
      if (!clipped) throw new Error(`the detection on ${item.imageName} lies outside the image; draw the box in Annotate instead`);
      const box = roundBox(clipped);
      const created = await api.call('annotations.create', { imageId: item.imageId, categoryId, box });
      accepted.value.set(item.detectionId, created.id);
      await refreshTruths(item);
      return true;
    } catch (e) {
      error.value = e;
      return false;
    } finally {
      accepting.value = null;
    }
  }

  /** Takes an accepted detection back through the image's undo (the edit log), as Ctrl+Z in Annotate would. */
  async function undoAccept(item: ReviewItem): Promise<boolean> {
    const annotationId = accepted.value.get(item.detectionId);
    if (annotationId === undefined) return false;
    try {
      const result = await api.call('edits.undo', { imageId: item.imageId });
      if (result.entry?.annotationId !== annotationId) {
        // Something else was the last edit of this image: put it back and say so rather than undo the wrong thing.
        if (result.entry) await api.call('edits.redo', { imageId: item.imageId });
        throw new Error(`the last edit of ${item.imageName} is not the accepted detection; undo it in Annotate instead`);
      }
      accepted.value.delete(item.detectionId);
      await refreshTruths(item);
      return true;
    } catch (e) {
      error.value = e;
      return false;
    }
  }

  function editTruth(item: ReviewItem): void {
    const annotate = useAnnotateStore();
    // The annotate view keeps the image it showed last; make it fetch the boxes changed here.
    if (annotate.image?.id === item.imageId) void annotate.reload();
    useRouteStore().go({ view: 'annotate', imageId: item.imageId });
  }

  function reset(): void {
    generation++;
    windowsGeneration++;
    runs.value = [];
    runId.value = null;
    page.value = null;
    openIndex.value = null;
    accepted.value = new Map();
    windowsOf.value = new Map();
    windowsError.value = null;
    error.value = null;
  }

  return {
    runs,
    runId,
    threshold,
    sort,
    page,
    loading,
    error,
    openIndex,
    accepted,
    accepting,
    windowsError,
    showWindows,
    reviewable,
    items,
    opened,
    openedWindows,
    load,
    loadPage,
    choose,
    setThreshold,
    setSort,
    open,
    step,
    setShowWindows,
    accept,
    undoAccept,
    editTruth,
    reset,
  };
});
