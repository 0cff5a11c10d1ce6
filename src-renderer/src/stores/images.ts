import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive } from 'vue';
import { api } from '../api/client';
import type { ImageFilter, ImageSummary } from '../lib/types';

export const PAGE_SIZE = 200;

export interface FilterFields {
  unannotated: boolean;
  split: '' | 'train' | 'val' | 'test' | 'none';
  subject: string;
  search: string;
}

/** The API filter for the fields the user set; empty fields are left out rather than sent as "". */
export function toApiFilter(f: FilterFields): ImageFilter {
  const out: ImageFilter = {};
  if (f.unannotated) out.unannotated = true;
  if (f.split) out.split = f.split;
  if (f.subject.trim()) out.subject = f.subject.trim();
  if (f.search.trim()) out.search = f.search.trim();
  return out;
}

/**
 * The image list under the current filter, fetched a page at a time as the grid scrolls. Pages are
 * cached by index; a filter change starts a new generation so late answers for the old filter are
 * dropped instead of mixing into the new list.
 */
export const useImagesStore = defineStore('images', () => {
  const filter = reactive<FilterFields>({ unannotated: false, split: '', subject: '', search: '' });
  const total = ref<number | null>(null);
  const pages = shallowReactive(new Map<number, ImageSummary[]>());
  const loading = shallowReactive(new Set<number>());
  const error = ref<unknown>(null);
  /** The grid's scroll position, kept so that coming back from an image returns to the same place. */
  const scrollTop = ref(0);
  let generation = 0;

  const apiFilter = computed(() => toApiFilter(filter));

  async function fetchPage(page: number): Promise<void> {
    if (pages.has(page) || loading.has(page)) return;
    const gen = generation;
    loading.add(page);
    try {
      const result = await api.call('images.list', { offset: page * PAGE_SIZE, limit: PAGE_SIZE, filter: apiFilter.value });
      if (gen !== generation) return;
      total.value = result.total;
      pages.set(page, result.items);
      error.value = null;
    } catch (e) {
      if (gen === generation) error.value = e;
    } finally {
      if (gen === generation) loading.delete(page);
    }
  }

  let lastRange: [number, number] | null = null;

  /** Makes sure the images with indices first..last (inclusive) are loaded or loading. */
  function ensureRange(first: number, last: number): void {
    if (last < first) return;
    lastRange = [first, last];
    const from = Math.max(0, Math.floor(first / PAGE_SIZE));
    const to = Math.floor(last / PAGE_SIZE);
    for (let p = from; p <= to; p++) {
      if (total.value !== null && p * PAGE_SIZE >= total.value) break;
      void fetchPage(p);
    }
  }

  function itemAt(index: number): ImageSummary | undefined {
    return pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /**
   * Fetches the list again (after a filter change, or on coming back from annotating). The old pages
   * stay on screen until the first new page has arrived, then everything is swapped at once.
   */
  async function reload(): Promise<void> {
    const gen = ++generation;
    loading.clear();
    try {
      const first = await api.call('images.list', { offset: 0, limit: PAGE_SIZE, filter: apiFilter.value });
      if (gen !== generation) return;
      pages.clear();
      pages.set(0, first.items);
      total.value = first.total;
      error.value = null;
      if (lastRange) ensureRange(lastRange[0], Math.min(lastRange[1], first.total - 1));
    } catch (e) {
      if (gen === generation) error.value = e;
    }
  }

  /** Forgets the list of a project that was closed. */
  function reset(): void {
    generation++;
    pages.clear();
    loading.clear();
    total.value = null;
    error.value = null;
    scrollTop.value = 0;
    lastRange = null;
  }

  function clearFilter(): void {
    Object.assign(filter, { unannotated: false, split: '', subject: '', search: '' });
  }

  return { filter, apiFilter, total, pages, loading, error, scrollTop, ensureRange, itemAt, reload, reset, clearFilter };
});
