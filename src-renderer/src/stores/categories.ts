import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api } from '../api/client';
import { loadSetting, saveSetting } from '../lib/persist';
import type { Category } from '../lib/types';

const ACTIVE_KEY = 'sonotl.activeCategory.v1';
const isString = (v: unknown): v is string => typeof v === 'string';

/** The project's categories with their colours, and the one new boxes get. */
export const useCategoriesStore = defineStore('categories', () => {
  const list = ref<Category[]>([]);
  // Remembered by name: ids belong to one project, names carry over to the next.
  const activeName = ref<string>(loadSetting(ACTIVE_KEY, '', isString));
  const error = ref<unknown>(null);

  const active = computed<Category | undefined>(() => list.value.find((c) => c.name === activeName.value) ?? list.value[0]);
  const byId = computed(() => new Map(list.value.map((c) => [c.id, c])));

  async function load(): Promise<void> {
    try {
      list.value = await api.call('categories.list', {});
      error.value = null;
    } catch (e) {
      error.value = e;
    }
  }

  /** Creates the category if new, reloads the list and makes it the active one. */
  async function ensure(name: string): Promise<Category | null> {
    try {
      const c = await api.call('categories.ensure', { name: name.trim() });
      await load();
      activeName.value = c.name;
      return c;
    } catch (e) {
      error.value = e;
      return null;
    }
  }

  function select(c: Category): void {
    activeName.value = c.name;
  }

  function cycle(): Category | undefined {
    if (list.value.length === 0) return undefined;
    const i = active.value ? list.value.indexOf(active.value) : -1;
    const next = list.value[(i + 1) % list.value.length];
    activeName.value = next.name;
    return next;
  }

  function colorOf(categoryId: number): string {
    return byId.value.get(categoryId)?.color ?? '#FFFFFF';
  }

  watch(activeName, (n) => saveSetting(ACTIVE_KEY, n));

  return { list, active, byId, error, load, ensure, select, cycle, colorOf };
});
