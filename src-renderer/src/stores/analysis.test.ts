// @vitest-environment happy-dom
import 'vitest-canvas-mock';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setPlatform } from '../platform';
import type { DispatchResult } from '../platform/types';
import { makeRun } from '../testing/fake-platform';
import AnalysisView from '../views/AnalysisView.vue';
import { sortTiles, tilesOf, useAnalysisStore, type AnalysisData } from './analysis';

const png = (s: string) => `data:image/png;base64,${s}`;

/** Three stem filters with known measures; filter 2 is silenced (no speckle value, as after JSON). */
function analysisData(): AnalysisData {
  const measures = (r: number, si: number | null) => ({
    pearson: { 'phase-congruency': r, frangi: -r },
    ssim: { 'phase-congruency': r / 2, frangi: 0.1 },
    speckle: { speckleIndex: si as number, enl: 1, regionsUsed: si === null ? 0 : 3 },
  });
  const filters = [
    { filter: 0, measures: { pretrained: measures(0.1, 0.3), adapted: measures(0.5, 0.1) } },
    { filter: 1, measures: { pretrained: measures(0.7, 0.05), adapted: measures(0.2, 0.2) } },
    { filter: 2, measures: { pretrained: measures(0.4, null), adapted: measures(0.4, null) } },
  ];
  return {
    summary: {
      run: { id: 'r2', method: 'fa', level: 'fa', backbone: 'mobilenet_v2_0.35_224', status: 'done' },
      image: { id: 7, name: 'images/007_HC.png', width: 800, height: 540 },
      backbone: 'mobilenet_v2_0.35_224',
      adaptedModel: 'final',
      inputSize: [224, 224],
      frangiRidges: 'bright',
      notes: [],
      speckleRegions: [{ x0: 0, y0: 0, x1: 0.1, y1: 0.1 }],
      inputSpeckle: { speckleIndex: 0.2, enl: 25, regionsUsed: 1 },
      layers: [{ group: 'stem', conv: 'Conv1', output: 'Conv1_relu', width: 112, height: 112, inputSpeckle: { speckleIndex: 0.2, enl: 25, regionsUsed: 1 }, filters }],
      mostSimilar: [],
      filterChange: {
        threshold: 0.4,
        onlyBefore: [],
        onlyAfter: [],
        layers: [{ layer: 'Conv1', shape: [3, 3, 3, 16], filters: 16, changed: 3, quantiles: { min: 0, q25: 0.1, median: 0.2, q75: 0.3, max: 0.9 }, histogram: { edges: [0, 0.5, 1], counts: [13, 3] } }],
      },
    },
    images: { input: png('in'), 'phase-congruency': png('pc'), frangi: png('fr') },
    maps: [0, 1, 2].map((k) => ({ group: 'stem', conv: 'Conv1', filter: k, width: 112, height: 112, png: { pretrained: png(`p${k}`), adapted: png(`a${k}`) } })),
    csv: { similarity: 'group,layer\n', filterChange: 'layer\n', filterChangeByFilter: 'layer\n' },
  };
}

let calls: Array<{ method: string; input: unknown }>;

beforeEach(() => {
  calls = [];
  setPlatform({
    async call(method: string, input: unknown): Promise<DispatchResult> {
      calls.push({ method, input });
      if (method === 'runs.list') return { ok: true, value: [makeRun('r1'), makeRun('r2')] };
      if (method === 'analysis.run') return { ok: true, value: analysisData() };
      return { ok: false, error: { code: 'NOT_FOUND', message: `no ${method}` } };
    },
    onEvent: () => () => {},
    fileUrl: (p) => p,
    thumbUrl: () => '',
  });
  setActivePinia(createPinia());
});

describe('the analysis store', () => {
  it('picks the newest run, sends the chosen image, threshold and ridges, and sorts maps by similarity', async () => {
    const store = useAnalysisStore();
    await store.loadRuns();
    expect(store.runId).toBe('r2');
    store.imageId = 7;
    store.threshold = 0.3;
    store.ridges = 'dark';
    await store.analyze();
    expect(calls.at(-1)).toEqual({ method: 'analysis.run', input: { runId: 'r2', imageId: 7, threshold: 0.3, ridges: 'dark' } });
    expect(store.tiles.map((t) => t.png)).toEqual([png('a0'), png('a1'), png('a2')]);
    store.sortKey = 'pearson-pc';
    expect(store.tiles.map((t) => t.filter)).toEqual([0, 2, 1]);
    store.state = 'pretrained';
    expect(store.tiles.map((t) => t.filter)).toEqual([1, 2, 0]);
    // Lowest speckle first; the silenced filter (no value) last.
    store.sortKey = 'speckle';
    expect(store.tiles.map((t) => t.filter)).toEqual([1, 0, 2]);
    expect(store.tiles[0].speckleRatio).toBeCloseTo(0.25, 10);
  });

  it('sorts Frangi similarity highest first and keeps network order for "filter"', () => {
    const tiles = tilesOf(analysisData(), 'adapted');
    expect(sortTiles(tiles, 'pearson-frangi').map((t) => t.filter)).toEqual([1, 2, 0]);
    expect(sortTiles(tiles, 'filter').map((t) => t.filter)).toEqual([0, 1, 2]);
  });

  it('shows a refused analysis as an error and keeps the page usable', async () => {
    const store = useAnalysisStore();
    store.runId = 'nope';
    setPlatform({ call: async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'run nope is not in this project' } }), onEvent: () => () => {}, fileUrl: (p) => p, thumbUrl: () => '' });
    await store.analyze();
    expect((store.error as Error).message).toBe('run nope is not in this project');
    expect(store.loading).toBe(false);
  });
});

describe('the Analysis view', () => {
  it('renders the classical images, a tile per map in the chosen order, the speckle and filter-change tables', async () => {
    const store = useAnalysisStore();
    store.runs = [makeRun('r2')];
    store.runId = 'r2';
    await store.analyze();
    store.sortKey = 'pearson-pc';
    const w = mount(AnalysisView);
    await w.vm.$nextTick();
    expect(w.findAll('figure.classical img').map((i) => i.attributes('src'))).toEqual([png('in'), png('pc'), png('fr')]);
    expect(w.findAll('[data-testid="analysis-tiles"] .tile').map((t) => t.attributes('data-key'))).toEqual(['Conv1#0', 'Conv1#2', 'Conv1#1']);
    const speckle = w.find('[data-testid="analysis-speckle"] tbody tr').findAll('td').map((td) => td.text());
    // Adapted: SI 0.1 and 0.2 are usable, 0.1 is below the input's 0.2.
    expect(speckle).toEqual(['Conv1', '3 × 112×112', '0.200', '0.175', '1/2', '0.150', '1/2']);
    expect(w.find('[data-testid="analysis-change"] tbody tr').findAll('td').map((td) => td.text())).toEqual(['Conv1', '3×3×3×16', '3', '16', '0.200', '0.300', '0.900', '13 3']);
    w.unmount();
  });
});
