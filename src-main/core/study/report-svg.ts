/**
 * Inline SVG charts for the study report: plain markup with no script, font or stylesheet from anywhere,
 * so the report opens offline and can be archived as one file.
 */
import { FAILURE_DICE } from '../metrics/index.js';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9'];
const FONT = 'font-family="sans-serif" font-size="12"';

export interface RateBar {
  label: string;
  rate: number;
  ci: [number, number];
  caption: string;
}

/** Vertical bars of a rate with their confidence intervals as error bars. */
export function rateChart(bars: readonly RateBar[], title: string): string {
  // Wider bars for longer labels ('na (another_backbone)'), so that neighbouring labels do not overlap.
  const step = Math.max(90, labelWidth(bars.map((b) => b.label)) + 16);
  const width = Math.max(320, step * bars.length + 80);
  const height = 260;
  const left = 50;
  const top = 30;
  const plotH = 180;
  const yMax = niceCeiling(Math.max(0.05, ...bars.map((b) => b.ci[1])));
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" ${FONT} font-weight="bold">${escapeXml(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" ${FONT}>${(100 * v).toFixed(0)}%</text>`);
  }
  bars.forEach((b, i) => {
    const cx = left + step / 2 + i * step;
    const color = PALETTE[i % PALETTE.length];
    parts.push(`<rect x="${cx - 25}" y="${y(b.rate)}" width="50" height="${y(0) - y(b.rate)}" fill="${color}" opacity="0.8"><title>${escapeXml(b.caption)}</title></rect>`);
    parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(b.ci[0])}" y2="${y(b.ci[1])}" stroke="#000" stroke-width="1.5"/>`);
    for (const v of b.ci) parts.push(`<line x1="${cx - 8}" x2="${cx + 8}" y1="${y(v)}" y2="${y(v)}" stroke="#000" stroke-width="1.5"/>`);
    parts.push(`<text x="${cx}" y="${top + plotH + 16}" text-anchor="middle" ${FONT}>${escapeXml(b.label)}</text>`);
    parts.push(`<text x="${cx}" y="${top + plotH + 32}" text-anchor="middle" ${FONT} fill="#555">${escapeXml(b.caption)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#000"/>`);
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#000"/>`);
  return svg(width, height, parts);
}

/**
 * Dice per image for each method: every image as a dot (spread vertically by a fixed pattern so equal
 * values stay visible), a box from the quartiles with the median, and the 0.80 failure threshold.
 */
export function diceChart(series: ReadonlyArray<{ label: string; values: readonly number[] }>, title: string): string {
  const rowH = 56;
  const left = Math.max(110, labelWidth(series.map((s) => s.label)) + 16);
  const width = 530 + left;
  const right = 20;
  const top = 30;
  const height = top + rowH * series.length + 40;
  const plotW = width - left - right;
  const x = (v: number) => left + v * plotW;
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" ${FONT} font-weight="bold">${escapeXml(title)}</text>`);
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${top}" y2="${top + rowH * series.length}" stroke="#eee"/>`);
    parts.push(`<text x="${x(v)}" y="${top + rowH * series.length + 16}" text-anchor="middle" ${FONT}>${v.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" ${FONT}>Dice with the ground-truth box</text>`);
  series.forEach((s, i) => {
    const cy = top + rowH * i + rowH / 2;
    const color = PALETTE[i % PALETTE.length];
    parts.push(`<text x="${left - 8}" y="${cy + 4}" text-anchor="end" ${FONT}>${escapeXml(s.label)}</text>`);
    const sorted = [...s.values].sort((a, b) => a - b);
    if (sorted.length === 0) return;
    s.values.forEach((v, k) => {
      const jitter = (((k * 0.618033988749895) % 1) - 0.5) * (rowH * 0.6);
      parts.push(`<circle cx="${x(v).toFixed(1)}" cy="${(cy + jitter).toFixed(1)}" r="2.2" fill="${color}" opacity="0.55"/>`);
    });
    const [q1, med, q3] = [0.25, 0.5, 0.75].map((q) => quantileSorted(sorted, q));
    parts.push(`<rect x="${x(q1)}" y="${cy - rowH * 0.3}" width="${Math.max(1, x(q3) - x(q1))}" height="${rowH * 0.6}" fill="none" stroke="#000"/>`);
    parts.push(`<line x1="${x(med)}" x2="${x(med)}" y1="${cy - rowH * 0.3}" y2="${cy + rowH * 0.3}" stroke="#000" stroke-width="2"/>`);
  });
  parts.push(
    `<line x1="${x(FAILURE_DICE)}" x2="${x(FAILURE_DICE)}" y1="${top - 4}" y2="${top + rowH * series.length}" stroke="#D55E00" stroke-dasharray="4 3" stroke-width="1.5"/>`,
  );
  parts.push(`<text x="${x(FAILURE_DICE) + 4}" y="${top + 8}" ${FONT} fill="#D55E00">failure below ${FAILURE_DICE.toFixed(2)}</text>`);
  return svg(width, height, parts);
}

/** Rough width in px of the longest label at the charts' 12 px sans-serif. */
function labelWidth(labels: readonly string[]): number {
  return 7 * Math.max(0, ...labels.map((l) => l.length));
}

function svg(width: number, height: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">\n${parts.join('\n')}\n</svg>`;
}

function niceCeiling(v: number): number {
  for (const step of [0.05, 0.1, 0.2, 0.25, 0.5, 1]) if (v <= step) return step;
  return 1;
}

function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}
