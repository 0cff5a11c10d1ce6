import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApiInput } from '../../../src-main/api/contract';
import type { ApiOutput } from '../../../src-main/api/service';
import { api } from '../api/client';

export type AnalysisData = ApiOutput<'analysis.run'>;
export type NetworkState = 'pretrained' | 'adapted';
export type SortKey = 'filter' | 'pearson-pc' | 'ssim-pc' | 'pearson-frangi' | 'ssim-frangi' | 'speckle';

export const SORT_LABELS: Record<SortKey, string> = {
  filter: 'layer and filter',
  'pearson-pc': 'Pearson r with phase congruency',
  'ssim-pc': 'SSIM with phase congruency',
  'pearson-frangi': 'Pearson r with Frangi',
  'ssim-frangi': 'SSIM with Frangi',
  speckle: 'speckle index (lowest first)',
};

/** One response map with its measures for the state shown. */
export interface Tile {
  key: string;
  group: string;
  conv: string;
  filter: number;
  png: string;
  pearsonPc: number;
  ssimPc: number;
  pearsonFrangi: number;
  ssimFrangi: number;
  speckleIndex: number;
  /** The map's speckle index over its input's, at the same size; < 1 means less speckle. */
  speckleRatio: number;
}

/** Numbers that crossed JSON may arrive as null where they were NaN. */
export const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function tilesOf(data: AnalysisData, state: NetworkState): Tile[] {
  const tiles: Tile[] = [];
  for (const m of data.maps) {
    const layer = data.summary.layers.find((l) => l.conv === m.conv);
    const f = layer?.filters.find((x) => x.filter === m.filter);
    if (!layer || !f) continue;
    const s = f.measures[state];
    const inputSi = layer.inputSpeckle.speckleIndex;
    tiles.push({
      key: `${m.conv}#${m.filter}`,
      group: m.group,
      conv: m.conv,
      filter: m.filter,
      png: m.png[state],
      pearsonPc: s.pearson['phase-congruency'],
      ssimPc: s.ssim['phase-congruency'],
      pearsonFrangi: s.pearson.frangi,
      ssimFrangi: s.ssim.frangi,
      speckleIndex: s.speckle.speckleIndex,
      speckleRatio: finite(s.speckle.speckleIndex) && finite(inputSi) && inputSi > 0 ? s.speckle.speckleIndex / inputSi : NaN,
    });
  }
  return tiles;
}

/**
 * Tiles in the chosen order: similarities highest first, speckle lowest first (the filters that smooth
 * most), network order for 'filter'. Maps without a value (a silenced filter's speckle) go last.
 */
export function sortTiles(tiles: readonly Tile[], key: SortKey): Tile[] {
  if (key === 'filter') return [...tiles];
  const value = (t: Tile): number =>
    key === 'pearson-pc' ? t.pearsonPc : key === 'ssim-pc' ? t.ssimPc : key === 'pearson-frangi' ? t.pearsonFrangi : key === 'ssim-frangi' ? t.ssimFrangi : t.speckleIndex;
  const dir = key === 'speckle' ? 1 : -1;
  return tiles
    .map((t, i) => ({ t, i, v: value(t) }))
    .sort((a, b) => {
      const fa = finite(a.v);
      const fb = finite(b.v);
      if (fa !== fb) return fa ? -1 : 1;
      return (fa && a.v !== b.v ? dir * (a.v - b.v) : 0) || a.i - b.i;
    })
    .map((x) => x.t);
}

/**
 * The Analysis page: one run's mechanism analysis on one image (the API computes it on demand: a few
 * seconds for MobileNetV2), shown as maps sortable by similarity, speckle figures and the filter-change
 * table.
 */
export const useAnalysisStore = defineStore('analysis', () => {
  const runs = ref<ApiOutput<'runs.list'>>([]);
  const runId = ref<string>('');
  const imageId = ref<number | null>(null);
  const threshold = ref(0.4);
  const ridges = ref<'bright' | 'dark'>('bright');
  const state = ref<NetworkState>('adapted');
  const sortKey = ref<SortKey>('filter');
  const data = ref<AnalysisData | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);

  const tiles = computed(() => (data.value ? sortTiles(tilesOf(data.value, state.value), sortKey.value) : []));

  async function loadRuns(): Promise<void> {
    try {
      runs.value = await api.call('runs.list', {});
      if (!runs.value.some((r) => r.id === runId.value)) runId.value = runs.value[runs.value.length - 1]?.id ?? '';
      error.value = null;
    } catch (e) {
      error.value = e;
    }
  }

  async function analyze(): Promise<void> {
    if (!runId.value) return;
    loading.value = true;
    try {
      const input: ApiInput<'analysis.run'> = { runId: runId.value, threshold: threshold.value, ridges: ridges.value };
      if (imageId.value !== null) input.imageId = imageId.value;
      data.value = await api.call('analysis.run', input);
      error.value = null;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  function reset(): void {
    runs.value = [];
    runId.value = '';
    imageId.value = null;
    data.value = null;
    error.value = null;
  }

  return { runs, runId, imageId, threshold, ridges, state, sortKey, data, loading, error, tiles, loadRuns, analyze, reset };
});
