/** The analysis' tables as CSV text and plain rows: what the CLI writes and the app shows. */
import { toCsv } from '../study/report-tables.js';
import type { FilterChangeReport } from './filter-change.js';
import { CLASSICAL_NAMES, NETWORK_STATES, type LayerResponses } from './mechanism.js';

const num = (v: number, digits = 6): string => (Number.isFinite(v) ? v.toFixed(digits) : v === Infinity ? 'inf' : '');

export const SIMILARITY_HEADER = [
  'group', 'layer', 'filter', 'state',
  'pearson_phase_congruency', 'ssim_phase_congruency', 'pearson_frangi', 'ssim_frangi',
  'speckle_index', 'enl', 'input_speckle_index', 'input_enl', 'speckle_index_ratio',
] as const;

/** One row per filter and network state; speckle_index_ratio < 1 means the map is less speckled than its input. */
export function similarityCsv(layers: readonly LayerResponses[]): string {
  const rows: Array<Array<string | number>> = [];
  for (const l of layers) {
    for (const f of l.filters) {
      for (const state of NETWORK_STATES) {
        const m = f.measures[state];
        rows.push([
          l.layer.group, l.layer.conv, f.filter, state,
          ...CLASSICAL_NAMES.flatMap((c) => [num(m.pearson[c]), num(m.ssim[c])]),
          num(m.speckle.speckleIndex), num(m.speckle.enl), num(l.inputSpeckle.speckleIndex), num(l.inputSpeckle.enl),
          num(m.speckle.speckleIndex / l.inputSpeckle.speckleIndex),
        ]);
      }
    }
  }
  return toCsv(SIMILARITY_HEADER, rows);
}

export const FILTER_CHANGE_HEADER = ['layer', 'shape', 'filters', 'changed', 'threshold', 'min', 'q25', 'median', 'q75', 'max'] as const;

export function filterChangeCsv(report: FilterChangeReport): string {
  return toCsv(
    FILTER_CHANGE_HEADER,
    report.layers.map((l) => [
      l.layer, l.shape.join('x'), l.filters, l.changed, report.threshold,
      num(l.quantiles.min), num(l.quantiles.q25), num(l.quantiles.median), num(l.quantiles.q75), num(l.quantiles.max),
    ]),
  );
}

/** Every filter's relative change: the full distribution behind the quantiles. */
export function filterChangeByFilterCsv(report: FilterChangeReport): string {
  return toCsv(['layer', 'filter', 'relative_change', 'changed'], report.layers.flatMap((l) => Array.from(l.relative, (r, k) => [l.layer, k, num(r), r > report.threshold ? 1 : 0])));
}
