import type { Table1Row } from './types';

/** How methods are named in the paper's tables. */
const METHOD_LABELS: Record<string, string> = {
  haar: 'Haar',
  na: 'CNN NA',
  pa: 'CNN PA',
  fa: 'CNN FA',
  fusion: 'Haar+CNN fusion',
  'fusion-score': 'Haar+CNN score fusion',
};

export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies, and on a dark ground. */
const METHOD_COLORS: Record<string, string> = {
  haar: '#E69F00',
  na: '#56B4E9',
  pa: '#009E73',
  fa: '#CC79A7',
  fusion: '#F0E442',
  'fusion-score': '#D55E00',
};

export function methodColor(method: string): string {
  return METHOD_COLORS[method] ?? '#999999';
}

const PHASES: Record<string, string> = {
  load: 'Reading the project',
  sample: 'Sampling training windows',
  'train-first': 'Training first-round classifiers',
  mine: 'Mining hard negatives',
  train: 'Training classifiers',
  finetune: 'Fine-tuning the CNN',
  detect: 'Detecting on held-out images',
  report: 'Writing results',
  finished: 'Finished',
};

export function phaseLabel(phase: string): string {
  return PHASES[phase] ?? phase;
}

/** "1 h 05 min", "3 min 20 s", "45 s": an estimate, so no more precision than is useful. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)}%`;
}

type Estimate = { value: number; lo: number | null; hi: number | null } | null;

/** "0.812 [0.771, 0.850]" or, as a percentage, "12.5% [6.1, 23.7]". */
export function formatEstimate(e: Estimate, asPercent = false): string {
  if (!e) return '—';
  const f = (v: number) => (asPercent ? (100 * v).toFixed(1) : v.toFixed(3));
  const main = asPercent ? `${f(e.value)}%` : f(e.value);
  return e.lo !== null && e.hi !== null ? `${main} [${f(e.lo)}, ${f(e.hi)}]` : main;
}

export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? null : v);

/** Table 1 as CSV, one row per run and evaluation set, intervals in their own columns. */
export function table1Csv(rows: readonly Table1Row[]): string {
  const header = [
    'run', 'method', 'backbone', 'set', 'status', 'created', 'images', 'failures',
    'failure_rate', 'failure_rate_lo', 'failure_rate_hi', 'accuracy', 'accuracy_lo', 'accuracy_hi',
    'mean_dice', 'mean_dice_lo', 'mean_dice_hi', 'mean_iou', 'patches',
  ];
  const lines = rows.map((r) =>
    [
      r.runId, r.method, r.backbone, r.scope, r.status, r.createdAt, r.n, r.failures,
      num(r.failureRate?.value), num(r.failureRate?.lo), num(r.failureRate?.hi),
      num(r.accuracy?.value), num(r.accuracy?.lo), num(r.accuracy?.hi),
      num(r.meanDice?.value), num(r.meanDice?.lo), num(r.meanDice?.hi),
      num(r.meanIoU), num(r.patches),
    ].map(csvCell).join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** Counts of values in `bins` equal-width bins over [0, 1]; 1.0 falls in the last bin. */
export function histogram(values: readonly number[], bins = 10): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  }
  return counts;
}

/** Short, typeable run id and when it was made, for tables. */
export function runTitle(r: { id: string; method: string; backbone: string | null }): string {
  return `${methodLabel(r.method)}${r.backbone ? ` · ${r.backbone}` : ''}`;
}
