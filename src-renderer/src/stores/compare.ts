import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';
import { lossCsv, meanCurve, type CurvePoint } from '../lib/loss-curves';
import { methodColor, methodLabel, table1Csv } from '../lib/run-format';
import type { LossCurves, Table1Row } from '../lib/types';

export interface LossSeries {
  runId: string;
  label: string;
  color: string;
  train: CurvePoint[];
  val: CurvePoint[];
}

/**
 * The Compare page: the paper's Table 1 across the project's runs (from their stored metrics), the Dice
 * values behind it, and the stored loss curves of the runs that fine-tuned a network, for the charts;
 * which runs are compared is the user's choice.
 */
export const useCompareStore = defineStore('compare', () => {
  const rows = ref<Table1Row[]>([]);
  const losses = ref<LossCurves[]>([]);
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

  const inTable = computed(() => new Set(rows.value.map((r) => r.runId)));
  const labelOf = computed(() => new Map(shown.value.map((r, i) => [r.runId, labels.value[i]])));
  /**
   * Runs whose loss curves are drawn: those compared in this evaluation set, and fine-tuning runs (which
   * have no Table 1 row, so are always listed), minus the unticked ones.
   */
  const lossRuns = computed(() =>
    losses.value.filter((l) => !hidden.value.has(l.runId) && (labelOf.value.has(l.runId) || !inTable.value.has(l.runId))),
  );
  /** Fine-tuning runs with a curve but no Table 1 row: they get their own tick boxes. */
  const lossOnly = computed(() => losses.value.filter((l) => !inTable.value.has(l.runId)));
  const lossSeries = computed<LossSeries[]>(() =>
    lossRuns.value.map((l) => ({
      runId: l.runId,
      label: labelOf.value.get(l.runId) ?? fineTuneLabel(l),
      // A fine-tuning run is coloured as the adaptation level it trained.
      color: methodColor(labelOf.value.has(l.runId) ? l.method : (l.level ?? l.method)),
      train: meanCurve(l.networks, 'train', scope.value),
      val: meanCurve(l.networks, 'val', scope.value),
    })),
  );

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [table, curves] = await Promise.all([api.call('runs.table', {}), api.call('runs.losses', {})]);
      rows.value = table;
      losses.value = curves;
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
  const lossesCsv = () => lossCsv(lossRuns.value);

  function reset(): void {
    rows.value = [];
    losses.value = [];
    hidden.value = new Set();
    error.value = null;
  }

  return { rows, losses, scope, hidden, loading, error, scopes, inScope, shown, labels, lossRuns, lossOnly, lossSeries, load, toggle, csv, lossesCsv, reset };
});

function fineTuneLabel(l: LossCurves): string {
  const level = l.level ? l.level.toUpperCase() : '';
  return `fine-tuning${level ? ` ${level}` : ''} (${l.runId.slice(1, 16)}${l.status === 'done' ? '' : `, ${l.status}`})`;
}
