/**
 * A run analysis packed for the app: the summary numbers, every map as a small PNG data URL (each
 * filter's pretrained/adapted pair on one shared scale, as in the CLI's grids), and the CSV texts the
 * view exports. Plain JSON, so it crosses IPC and the bridge unchanged.
 */
import sharp from 'sharp';
import { analysisSummary, pairRange } from './analysis-files.js';
import { filterChangeByFilterCsv, filterChangeCsv, similarityCsv } from './analysis-tables.js';
import { CLASSICAL_NAMES, type NetworkState } from './mechanism.js';
import { normalizeTo01 } from './resample.js';
import type { RunAnalysis } from './run-analysis.js';

async function dataUrl(width: number, height: number, unit: Float32Array): Promise<string> {
  const bytes = Buffer.alloc(width * height);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(unit[i] * 255);
  const png = await sharp(bytes, { raw: { width, height, channels: 1 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export interface MapTile {
  group: string;
  conv: string;
  filter: number;
  width: number;
  height: number;
  png: Record<NetworkState, string>;
}

export async function analysisViewData(a: RunAnalysis) {
  const images = {} as Record<'input' | (typeof CLASSICAL_NAMES)[number], string>;
  for (const name of ['input', ...CLASSICAL_NAMES] as const) {
    const img = a.classical[name];
    images[name] = await dataUrl(img.width, img.height, normalizeTo01(img.data));
  }
  const maps: MapTile[] = [];
  for (const l of a.layers) {
    for (const f of l.filters) {
      const range = pairRange(f);
      maps.push({
        group: l.layer.group,
        conv: l.layer.conv,
        filter: f.filter,
        width: l.width,
        height: l.height,
        png: {
          pretrained: await dataUrl(l.width, l.height, normalizeTo01(f.maps.pretrained, range)),
          adapted: await dataUrl(l.width, l.height, normalizeTo01(f.maps.adapted, range)),
        },
      });
    }
  }
  return {
    summary: analysisSummary(a),
    images,
    maps,
    csv: { similarity: similarityCsv(a.layers), filterChange: filterChangeCsv(a.filterChange), filterChangeByFilter: filterChangeByFilterCsv(a.filterChange) },
  };
}

export type AnalysisViewData = Awaited<ReturnType<typeof analysisViewData>>;
