/**
 * Writes a run analysis to a folder: PNG grids of the response maps, the classical filter outputs as PNG,
 * similarity.csv, filter-change.csv (+ per filter), analysis.json and a self-contained index.html.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { escapeXml } from '../study/report-svg.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { filterChangeByFilterCsv, filterChangeCsv, similarityCsv } from './analysis-tables.js';
import { changeHistogram } from './filter-change.js';
import type { FloatImage } from './float-image.js';
import { CLASSICAL_NAMES, NETWORK_STATES, type FilterResponse, type LayerResponses, type NetworkState } from './mechanism.js';
import { normalizeTo01, valueRange } from './resample.js';
import type { RunAnalysis } from './run-analysis.js';

const GAP = 2;

async function pngOf(width: number, height: number, unit: Float32Array): Promise<Buffer> {
  const bytes = Buffer.alloc(width * height);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(unit[i] * 255);
  return sharp(bytes, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Min and max over a filter's pretrained and adapted maps: the display scale both are shown on. */
export function pairRange(f: FilterResponse): [number, number] {
  const [a0, a1] = valueRange(f.maps.pretrained);
  const [b0, b1] = valueRange(f.maps.adapted);
  return [Math.min(a0, b0), Math.max(a1, b1)];
}

/**
 * The maps of one layer as a grid, filter 0 top left, row by row. Each filter is stretched by the min and
 * max over both its pretrained and adapted map, so the two grids of a layer can be compared tile by tile:
 * a filter that got stronger after adaptation looks brighter, not merely re-stretched.
 */
export function responseGrid(layer: LayerResponses, state: NetworkState): FloatImage & { columns: number } {
  const n = layer.filters.length;
  const columns = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / columns);
  const { width: w, height: h } = layer;
  const W = columns * w + (columns - 1) * GAP;
  const H = rows * h + (rows - 1) * GAP;
  const data = new Float32Array(W * H).fill(1);
  layer.filters.forEach((f, k) => {
    const unit = normalizeTo01(f.maps[state], pairRange(f));
    const ox = (k % columns) * (w + GAP);
    const oy = Math.floor(k / columns) * (h + GAP);
    for (let y = 0; y < h; y++) data.set(unit.subarray(y * w, (y + 1) * w), (oy + y) * W + ox);
  });
  return { width: W, height: H, data, columns };
}

export interface WrittenAnalysis {
  files: string[];
}

export async function writeAnalysis(outDir: string, a: RunAnalysis): Promise<WrittenAnalysis> {
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileAtomic(join(outDir, name), data);
    files.push(name);
  };
  for (const name of ['input', ...CLASSICAL_NAMES] as const) {
    const img = a.classical[name];
    put(`${name}.png`, await pngOf(img.width, img.height, normalizeTo01(img.data)));
  }
  const grids: Array<{ conv: string; state: NetworkState; file: string; columns: number }> = [];
  for (const layer of a.layers) {
    for (const state of NETWORK_STATES) {
      const g = responseGrid(layer, state);
      const file = `responses-${safeName(layer.layer.conv)}-${state}.png`;
      put(file, await pngOf(g.width, g.height, g.data));
      grids.push({ conv: layer.layer.conv, state, file, columns: g.columns });
    }
  }
  put('similarity.csv', similarityCsv(a.layers));
  put('filter-change.csv', filterChangeCsv(a.filterChange));
  put('filter-change-filters.csv', filterChangeByFilterCsv(a.filterChange));
  put('analysis.json', JSON.stringify(analysisSummary(a), null, 2) + '\n');
  put('index.html', analysisHtml(a, grids));
  return { files };
}

/** Everything but the maps, for other tools and the app. */
export function analysisSummary(a: RunAnalysis) {
  return {
    run: a.run,
    image: a.image,
    backbone: a.backbone,
    adaptedModel: a.adaptedModel,
    inputSize: a.inputSize,
    frangiRidges: a.ridges,
    notes: a.notes,
    speckleRegions: a.regions,
    inputSpeckle: a.inputSpeckle,
    layers: a.layers.map((l) => ({
      ...l.layer,
      width: l.width,
      height: l.height,
      inputSpeckle: l.inputSpeckle,
      filters: l.filters.map((f) => ({ filter: f.filter, measures: f.measures })),
    })),
    mostSimilar: a.mostSimilar,
    filterChange: {
      threshold: a.filterChange.threshold,
      onlyBefore: a.filterChange.onlyBefore,
      onlyAfter: a.filterChange.onlyAfter,
      layers: a.filterChange.layers.map((l) => ({ layer: l.layer, shape: l.shape, filters: l.filters, changed: l.changed, quantiles: l.quantiles, histogram: changeHistogram(l.relative) })),
    },
  };
}

function changeChart(a: RunAnalysis): string {
  const layers = a.filterChange.layers;
  const rowH = 14;
  const left = 210;
  const barW = 300;
  const height = 30 + rowH * layers.length;
  const parts = [`<text x="${left}" y="14" font-family="sans-serif" font-size="12" font-weight="bold">filters changed by more than ${(100 * a.filterChange.threshold).toFixed(0)}% (share of the layer)</text>`];
  layers.forEach((l, i) => {
    const y = 22 + i * rowH;
    const share = l.filters ? l.changed / l.filters : 0;
    parts.push(`<text x="${left - 6}" y="${y + 10}" text-anchor="end" font-family="sans-serif" font-size="11">${escapeXml(l.layer)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${barW}" height="${rowH - 3}" fill="#eee"/>`);
    parts.push(`<rect x="${left}" y="${y}" width="${(barW * share).toFixed(1)}" height="${rowH - 3}" fill="#0072B2"><title>${l.changed}/${l.filters}</title></rect>`);
    parts.push(`<text x="${left + barW + 6}" y="${y + 10}" font-family="sans-serif" font-size="11">${l.changed}/${l.filters}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + barW + 80}" height="${height}">${parts.join('')}</svg>`;
}

function analysisHtml(a: RunAnalysis, grids: ReadonlyArray<{ conv: string; state: NetworkState; file: string; columns: number }>): string {
  const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');
  const e = escapeXml;
  const title = `Mechanism analysis: run ${a.run.id}, image ${a.image.name}`;
  const level = a.run.level ? a.run.level.toUpperCase() : '-';
  const similar = a.mostSimilar
    .map((r) => `<tr><td>${e(r.classical)}</td><td>${r.state}</td><td>${r.top.map((t) => `${e(t.conv)}#${t.filter} (r ${f3(t.pearson)}, SSIM ${f3(t.ssim)})`).join('<br>')}</td></tr>`)
    .join('\n');
  const speckle = a.layers
    .map((l) => {
      const mean = (s: NetworkState) => {
        const v = l.filters.map((f) => f.measures[s].speckle.speckleIndex).filter(Number.isFinite);
        return v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN;
      };
      const lower = (s: NetworkState) => l.filters.filter((f) => f.measures[s].speckle.speckleIndex < l.inputSpeckle.speckleIndex).length;
      return `<tr><td>${e(l.layer.conv)}</td><td>${l.width}x${l.height}</td><td>${f3(l.inputSpeckle.speckleIndex)}</td><td>${f3(mean('pretrained'))}</td><td>${lower('pretrained')}/${l.filters.length}</td><td>${f3(mean('adapted'))}</td><td>${lower('adapted')}/${l.filters.length}</td></tr>`;
    })
    .join('\n');
  const change = a.filterChange.layers
    .map((l) => {
      const h = changeHistogram(l.relative);
      const bins = `${h.counts.join(' ')} <span class="muted">(0 to ${f3(h.edges[h.edges.length - 1])})</span>`;
      return `<tr><td>${e(l.layer)}</td><td>${l.shape.join('x')}</td><td>${l.changed}</td><td>${l.filters}</td><td>${f3(l.quantiles.median)}</td><td>${f3(l.quantiles.q75)}</td><td>${f3(l.quantiles.max)}</td><td>${bins}</td></tr>`;
    })
    .join('\n');
  const gridHtml = a.layers
    .map((l) => {
      const pair = grids.filter((g) => g.conv === l.layer.conv);
      return `<h3>${e(l.layer.group)}: ${e(l.layer.conv)} (read at ${e(l.layer.output)}, ${l.filters.length} maps of ${l.width}x${l.height})</h3><div class="row">${pair
        .map((g) => `<figure><img src="${e(g.file)}" alt="${e(g.conv)} ${g.state}"><figcaption>${g.state}</figcaption></figure>`)
        .join('')}</div>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}.row{display:flex;gap:1em;flex-wrap:wrap}figure{margin:0}.muted{color:#777}img{image-rendering:pixelated;max-width:100%}</style>
</head><body>
<h1>${e(title)}</h1>
<p>Run ${e(a.run.id)}: ${e(a.run.method)}, level ${level}, backbone ${e(a.backbone)}; adapted network: ${a.adaptedModel ? e(a.adaptedModel) : 'none (pretrained compared with itself)'}. Image ${a.image.id} (${a.image.width}x${a.image.height}) resized to the network input ${a.inputSize[1]}x${a.inputSize[0]}.</p>
${a.notes.map((n) => `<p><em>${e(n)}</em></p>`).join('\n')}
<h2>Image and classical filters</h2>
<div class="row"><figure><img src="input.png" alt="input"><figcaption>network input</figcaption></figure><figure><img src="phase-congruency.png" alt="phase congruency"><figcaption>phase congruency (Kovesi)</figcaption></figure><figure><img src="frangi.png" alt="Frangi"><figcaption>Frangi vesselness (${a.ridges} ridges)</figcaption></figure></div>
<h2>Filters most similar to each classical filter (Pearson r)</h2>
<table><thead><tr><th>classical</th><th>network</th><th>filters</th></tr></thead><tbody>
${similar}
</tbody></table>
<p>Every filter's Pearson r and SSIM: <a href="similarity.csv">similarity.csv</a>.</p>
<h2>Speckle in ${a.regions.length} homogeneous regions</h2>
<p>Speckle index σ/μ of the input at network size: ${f3(a.inputSpeckle.speckleIndex)} (ENL ${f3(a.inputSpeckle.enl)}).</p>
<table><thead><tr><th>layer</th><th>map size</th><th>input SI at map size</th><th>mean SI, pretrained</th><th>filters below input</th><th>mean SI, adapted</th><th>filters below input</th></tr></thead><tbody>
${speckle}
</tbody></table>
<h2>Filter change (threshold ${(100 * a.filterChange.threshold).toFixed(0)}%)</h2>
${changeChart(a)}
<table><thead><tr><th>layer</th><th>kernel</th><th>changed</th><th>of</th><th>median change</th><th>75th percentile</th><th>max</th><th>filters per tenth of the range</th></tr></thead><tbody>
${change}
</tbody></table>
<p>Per layer: <a href="filter-change.csv">filter-change.csv</a>; per filter: <a href="filter-change-filters.csv">filter-change-filters.csv</a>.</p>
<h2>Response maps</h2>
${gridHtml}
</body></html>
`;
}
