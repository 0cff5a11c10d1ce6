import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';
import { methodLabel, table1Csv } from '../lib/run-format';
import type { Table1Row } from '../lib/types';

/**
 * The Compare page: the paper's Table 1 across the project's runs (from their stored metrics) and the
 * Dice values behind it, for the charts; which runs are compared is the user's choice.
 */
export const useCompareStore = defineStore('compare', () => {
  const rows = ref<Table1Row[]>([]);
  const scope = ref<string>('cv');
  /** Run ids left out of the comparison (everything is in until unticked). */
  const hidden = ref(new Set<string>());
  const loading = ref(false);
  const error = ref<unknown>(null);

  const scopes = computed(() => [...new Set(rows.value.map((r) => r.scope))].sort());
  const inScope = computed(() => rows.value.filter((r) => r.scope === scope.value));
  const shown = computed(() => inScope.value.filter((r) => !hidden.value.has(r.runId)));
  /** A label per shown row that stays unique when a method was run more than once. */
  const labels = computed(() => {
    const seen = new Map<string, number>();
    for (const r of shown.value) seen.set(r.method, (seen.get(r.method) ?? 0) + 1);
    return shown.value.map((r) => (seen.get(r.method)! > 1 ? `${methodLabel(r.method)} (${r.runId.slice(1, 16)})` : methodLabel(r.method)));
  });

  async function load(): Promise<void> {
    loading.value = true;
    try {
      rows.value = await api.call('runs.table', {});
      if (!scopes.value.includes(scope.value)) scope.value = scopes.value[0] ?? 'cv';
      error.value = null;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  function toggle(runId: string): void {
    const next = new Set(hidden.value);
    if (next.has(runId)) next.delete(runId);
    else next.add(runId);
    hidden.value = next;
  }

  const csv = () => table1Csv(shown.value);

  function reset(): void {
    rows.value = [];
    hidden.value = new Set();
    error.value = null;
  }

  return { rows, scope, hidden, loading, error, scopes, inScope, shown, labels, load, toggle, csv, reset };
});
