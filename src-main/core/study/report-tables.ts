/** Table 1 and the McNemar table as JSON, Markdown and CSV text. */
import type { McNemarRow, Table1Row } from './summary.js';

export function table1Json(rows: readonly Table1Row[]): string {
  return JSON.stringify(rows, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

const TABLE1_COLUMNS: Array<[string, (r: Table1Row) => string | number]> = [
  ['method', (r) => r.method],
  ['backbone', (r) => r.backbone ?? ''],
  ['set', (r) => r.set],
  ['n', (r) => r.n],
  ['failures', (r) => r.failures],
  ['failureRate', (r) => fixed(r.failureRate)],
  ['failureRateLo', (r) => fixed(r.failureRateCI[0])],
  ['failureRateHi', (r) => fixed(r.failureRateCI[1])],
  ['successRate', (r) => fixed(r.successRate)],
  ['accuracy', (r) => fixed(r.accuracy)],
  ['accuracyLo', (r) => fixed(r.accuracyCI[0])],
  ['accuracyHi', (r) => fixed(r.accuracyCI[1])],
  ['patches', (r) => r.patches],
  ['meanDice', (r) => fixed(r.meanDice)],
  ['meanDiceLo', (r) => fixed(r.meanDiceCI[0])],
  ['meanDiceHi', (r) => fixed(r.meanDiceCI[1])],
  ['meanIoU', (r) => fixed(r.meanIoU)],
  ['meanCoarseDice', (r) => fixed(r.meanCoarseDice)],
];

export function table1Csv(rows: readonly Table1Row[]): string {
  return toCsv(TABLE1_COLUMNS.map(([h]) => h), rows.map((r) => TABLE1_COLUMNS.map(([, f]) => f(r))));
}

export function table1Markdown(rows: readonly Table1Row[], notes: readonly string[] = []): string {
  const pct = (v: number) => (100 * v).toFixed(1);
  const head = '| method | backbone | set | n | failures | failure rate % (95% CI) | accuracy % (95% CI) | mean Dice (95% CI) | mean IoU |';
  const lines = [head, '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    lines.push(
      `| ${r.method} | ${r.backbone ?? '-'} | ${r.set} | ${r.n} | ${r.failures} | ${pct(r.failureRate)} (${pct(r.failureRateCI[0])}-${pct(r.failureRateCI[1])}) | ` +
        `${Number.isFinite(r.accuracy) ? `${pct(r.accuracy)} (${pct(r.accuracyCI[0])}-${pct(r.accuracyCI[1])})` : '-'} | ` +
        `${r.meanDice.toFixed(3)} (${r.meanDiceCI[0].toFixed(3)}-${r.meanDiceCI[1].toFixed(3)}) | ${r.meanIoU.toFixed(3)} |`,
    );
  }
  const out = ['# Table 1: localisation failures (Dice < 0.80) per method', '', ...lines, ''];
  if (notes.length > 0) out.push(...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

/**
 * Table 1 as aligned plain text for a terminal: one line per method and evaluation set, with a backbone
 * column when the study ran several backbones (the same method then has a line per backbone).
 */
export function table1Text(rows: readonly Table1Row[]): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const ci = (lo: number, hi: number, f: (v: number) => string) => `(${f(lo)}-${f(hi)})`;
  const table = [
    ['method', 'set', 'n', 'failures', 'failure rate (95% CI)', 'accuracy (95% CI)', 'mean Dice (95% CI)'],
    ...rows.map((r) => [
      r.method,
      r.set,
      String(r.n),
      String(r.failures),
      `${pct(r.failureRate)} ${ci(r.failureRateCI[0], r.failureRateCI[1], pct)}`,
      Number.isFinite(r.accuracy) ? `${pct(r.accuracy)} ${ci(r.accuracyCI[0], r.accuracyCI[1], pct)}` : '-',
      `${r.meanDice.toFixed(3)} ${ci(r.meanDiceCI[0], r.meanDiceCI[1], (v) => v.toFixed(3))}`,
    ]),
  ];
  const several = new Set(rows.map((r) => r.backbone).filter((b) => b !== null)).size > 1;
  if (several) table.forEach((row, i) => row.splice(1, 0, i === 0 ? 'backbone' : (rows[i - 1].backbone ?? '-')));
  const names = several ? 3 : 2;
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  // Names left-aligned, numbers right-aligned, as in the Markdown table.
  return table.map((row) => row.map((cell, c) => (c < names ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function mcnemarCsv(rows: readonly McNemarRow[]): string {
  return toCsv(
    ['set', 'methodA', 'backboneA', 'methodB', 'backboneB', 'n', 'onlyA', 'onlyB', 'statistic', 'pValue', 'exact'],
    rows.map((r) => [r.set, r.methodA, r.backboneA ?? '', r.methodB, r.backboneB ?? '', r.n, r.onlyA, r.onlyB, fixed(r.statistic), r.pValue.toPrecision(6), r.exact ? 'true' : 'false']),
  );
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

function fixed(v: number): string {
  return Number.isFinite(v) ? v.toFixed(6) : '';
}
