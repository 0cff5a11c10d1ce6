/** The study report page: self-contained HTML (inline CSS and SVG, no script, nothing fetched). */
import type { StudyComputation } from './compute.js';
import { diceChart, escapeXml, rateChart } from './report-svg.js';
import { detectionsOf, SETS, type McNemarRow, type Table1Row } from './summary.js';

/** A row's name in charts and comparisons: the method, with its backbone when the study has several. */
function rowLabel(method: string, backbone: string | null, several: boolean): string {
  return several && backbone !== null ? `${method} (${backbone})` : method;
}

export interface HtmlReportInput {
  title: string;
  generatedAt: string;
  rows: readonly Table1Row[];
  mcnemar: readonly McNemarRow[];
  computation: StudyComputation;
  notes: readonly string[];
}

const SET_NAMES = { cv: 'cross-validation', test: 'test set' } as const;

export function reportHtml(r: HtmlReportInput): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const sections: string[] = [];
  const several = new Set(r.rows.map((x) => x.backbone).filter((b) => b !== null)).size > 1;
  for (const set of SETS) {
    const rows = r.rows.filter((x) => x.set === set);
    if (rows.length === 0) continue;
    const table = [
      '<table><thead><tr><th>method</th><th>backbone</th><th>n</th><th>failures</th><th>failure rate (95% CI)</th><th>patch accuracy (95% CI)</th><th>mean Dice (95% CI)</th><th>mean IoU</th><th>mean Dice before refinement</th></tr></thead><tbody>',
      ...rows.map(
        (x) =>
          `<tr><td>${escapeXml(x.method)}</td><td>${escapeXml(x.backbone ?? '-')}</td><td>${x.n}</td><td>${x.failures}</td>` +
          `<td>${pct(x.failureRate)} (${pct(x.failureRateCI[0])} to ${pct(x.failureRateCI[1])})</td>` +
          `<td>${Number.isFinite(x.accuracy) ? `${pct(x.accuracy)} (${pct(x.accuracyCI[0])} to ${pct(x.accuracyCI[1])}), ${x.patches} patches` : '-'}</td>` +
          `<td>${x.meanDice.toFixed(3)} (${x.meanDiceCI[0].toFixed(3)} to ${x.meanDiceCI[1].toFixed(3)})</td><td>${x.meanIoU.toFixed(3)}</td><td>${x.meanCoarseDice.toFixed(3)}</td></tr>`,
      ),
      '</tbody></table>',
    ].join('\n');
    const bars = rateChart(
      rows.map((x) => ({ label: rowLabel(x.method, x.backbone, several), rate: x.failureRate, ci: x.failureRateCI, caption: `${x.failures}/${x.n}` })),
      `Localisation failures (Dice < 0.80), ${SET_NAMES[set]}, with 95% Wilson intervals`,
    );
    const dice = diceChart(
      rows.map((x) => ({ label: rowLabel(x.method, x.backbone, several), values: detectionsOf(r.computation, x, set).map((d) => d.dice) })),
      `Dice per image, ${SET_NAMES[set]}`,
    );
    const tests = r.mcnemar.filter((m) => m.set === set);
    const mc = tests.length
      ? [
          '<table><thead><tr><th>A</th><th>B</th><th>images</th><th>only A localised</th><th>only B localised</th><th>p (two-sided)</th><th>test</th></tr></thead><tbody>',
          ...tests.map(
            (m) =>
              `<tr><td>${escapeXml(rowLabel(m.methodA, m.backboneA, several))}</td><td>${escapeXml(rowLabel(m.methodB, m.backboneB, several))}</td><td>${m.n}</td><td>${m.onlyA}</td><td>${m.onlyB}</td><td>${m.pValue.toPrecision(3)}</td><td>${m.exact ? 'exact binomial' : 'chi-square, continuity-corrected'}</td></tr>`,
          ),
          '</tbody></table>',
        ].join('\n')
      : '<p>Only one method: no paired comparison.</p>';
    sections.push(`<section><h2>${escapeXml(SET_NAMES[set])}</h2>\n${table}\n<div class="plots">${bars}\n${dice}</div>\n<h3>McNemar's test on localisation success</h3>\n${mc}</section>`);
  }
  const folds = r.computation.folds
    .map(
      (f) =>
        `<tr><td>${escapeXml(f.name)}</td><td>${f.trainImages}</td><td>${f.testImages}</td><td>${f.shapes.relScales.map((s) => s.toFixed(3)).join(', ')}</td><td>${f.shapes.aspects.map((a) => a.toFixed(2)).join(', ')}</td>` +
        `<td>${Object.entries(f.trainPatches).map(([m, n]) => `${escapeXml(m)}: ${n}`).join(', ')}</td><td>${Object.entries(f.rounds).map(([m, n]) => `${escapeXml(m)}: ${n}`).join(', ')}</td></tr>`,
    )
    .join('\n');
  const notes = r.notes.length ? `<ul>${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(r.title)}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child,td:nth-child(2){text-align:left}
.plots{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
.meta{color:#555}
</style></head><body>
<h1>${escapeXml(r.title)}</h1>
<p class="meta">Generated ${escapeXml(r.generatedAt)}. A detection fails when its Dice with the ground-truth box is below 0.80.
CNN window features: ${r.computation.cnnWindows === 'roi' ? 'ROI-pooled from whole-image feature maps' : 'one network pass per window crop'}.</p>
${notes}
${sections.join('\n')}
<h2>Folds</h2>
<table><thead><tr><th>fold</th><th>training images</th><th>test images</th><th>window scales (relative)</th><th>window aspects (w/h)</th><th>training patches</th><th>boosting rounds</th></tr></thead><tbody>
${folds}
</tbody></table>
</body></html>
`;
}
