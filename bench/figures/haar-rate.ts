import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAAR_BASE, HAAR_KIND_CELLS, haarFeatures, haarFeatureSet, integralImages, type HaarFeature } from '../../src-main/core/features/haar.js';
import type { BenchFigure } from '../figure.js';
import { alternate, msNow, msSince } from './alternate.js';
import type { PythonPeer } from './python-peer.js';

type Rect = [[number, number], [number, number]];

const SKIMAGE_TYPE = { 'edge-h': 'type-2-x', 'edge-v': 'type-2-y', 'line-h': 'type-3-x', 'line-v': 'type-3-y', quad: 'type-4' } as const;

/**
 * SonoTL's feature as scikit-image rectangles on a 24 x 24 patch (where base units are pixels):
 * inclusive [(row0, col0), (row1, col1)] corners, cells in skimage's order (along x or y; for 'type-4'
 * top-left, top-right, bottom-right, bottom-left).
 */
export function skimageRects(f: HaarFeature): Rect[] {
  const [nx, ny] = HAAR_KIND_CELLS[f.kind];
  const cw = f.w / nx;
  const ch = f.h / ny;
  const cell = (i: number, j: number): Rect => [
    [f.y + j * ch, f.x + i * cw],
    [f.y + (j + 1) * ch - 1, f.x + (i + 1) * cw - 1],
  ];
  if (f.kind === 'quad') return [cell(0, 0), cell(1, 0), cell(1, 1), cell(0, 1)];
  const out: Rect[] = [];
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out.push(cell(i, j));
  return out;
}

/** Deterministic speckle-like 8-bit patches: content does not change either side's cost. */
function patches(count: number): Uint8Array {
  const side = HAAR_BASE;
  const out = new Uint8Array(count * side * side);
  let s = 12345;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 24) & 0xff;
  }
  return out;
}

/**
 * Figure 4: the 1973 Haar-like features of 24 x 24 patches. SonoTL tiles the patches into one image and
 * evaluates them as windows of it (how the detector uses them); scikit-image computes each patch's
 * integral image and calls haar_like_feature with the same rectangles (feature_coord).
 */
export async function haarRate(peer: PythonPeer | null, quick: boolean): Promise<BenchFigure[]> {
  const count = quick ? 100 : 1000;
  const rounds = quick ? 3 : 5;
  const side = HAAR_BASE;
  const perRow = 32;
  const data = patches(count);
  const rows = Math.ceil(count / perRow);
  const image = { width: perRow * side, height: rows * side, data: new Uint8Array(perRow * side * rows * side) };
  const windows: Array<{ x: number; y: number; w: number; h: number }> = [];
  for (let k = 0; k < count; k++) {
    const px = (k % perRow) * side;
    const py = Math.floor(k / perRow) * side;
    for (let r = 0; r < side; r++) image.data.set(data.subarray((k * side + r) * side, (k * side + r + 1) * side), (py + r) * image.width + px);
    windows.push({ x: px, y: py, w: side, h: side });
  }
  const set = haarFeatureSet();
  const out = new Float32Array(count * set.length);
  const sonotl = async (): Promise<number> => {
    const t = msNow();
    haarFeatures(integralImages(image), windows, out);
    return msSince(t);
  };
  await sonotl();
  const hasPeer = peer?.has('skimage') ?? false;
  const work = mkdtempSync(join(tmpdir(), 'sonotl-bench-haar-'));
  try {
    let peerRun: (() => Promise<number>) | null = null;
    if (hasPeer) {
      const patchFile = join(work, 'patches.u8');
      const specFile = join(work, 'features.json');
      writeFileSync(patchFile, data);
      writeFileSync(specFile, JSON.stringify(set.map((f) => ({ type: SKIMAGE_TYPE[f.kind], rects: skimageRects(f) }))));
      const req = { patches: patchFile, spec: specFile, side };
      const warm = await peer!.request<{ features: number }>('haar_time', { ...req, count: Math.min(count, 10) });
      if (warm.features !== set.length) throw new Error(`scikit-image computed ${warm.features} features, not ${set.length}`);
      peerRun = async () => (await peer!.request<{ ms: number }>('haar_time', req)).ms;
    }
    const r = await alternate(rounds, sonotl, peerRun);
    const s = (count * 1000) / r.sonotlMs;
    const p = r.peerMs === null ? null : (count * 1000) / r.peerMs;
    return [
      {
        name: `Haar features, ${set.length} per 24x24 patch, ${count} patches, 1 thr`,
        unit: 'patches/s',
        sonotl: s,
        peer: p,
        peerName: p === null ? null : `scikit-image ${peer!.version('skimage')} haar_like_feature`,
        ratio: p === null ? null : s / p,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
