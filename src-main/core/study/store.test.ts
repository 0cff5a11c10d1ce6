import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRun, DB_FILE, insertImage, listRunLosses, openProject, saveRunLosses, type Project } from '../project/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../project/schema.js';
import { getDetection, listDetections, listDetectionWindows, saveDetections } from './store.js';
import { newImage as image } from '../project/new-image.test-util.js';

let dir: string;
const open: Project[] = [];


function project(): Project {
  const p = openProject(join(dir, `p${open.length}`), { create: true });
  open.push(p);
  return p;
}

const count = (p: Project, table: string): number => (p.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sonotl-store-'));
});

afterEach(() => {
  for (const p of open.splice(0)) p.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a project at the previous schema version', () => {
  /** What SonoTL wrote before windows and losses were kept: schema 1, a study run and fine-tuning runs. */
  function oldProject(folder: string): void {
    mkdirSync(folder, { recursive: true });
    const db = new Database(join(folder, DB_FILE));
    db.exec(MIGRATIONS[0]);
    db.pragma('user_version = 1');
    const at = '2025-01-01T00:00:00.000Z';
    db.prepare("INSERT INTO images (id, source_sha256, source_name, file_sha256, file_ext, original_name, width, height, channels, bit_depth, created_at) VALUES (1, 'a', 'a.png', 'a', 'png', 'a.png', 100, 80, 1, 8, ?)").run(at);
    const run = db.prepare("INSERT INTO runs (id, method, status, created_at) VALUES (?, ?, 'done', ?)");
    for (const id of ['r-study', 'r-done', 'r-stopped', 'r-damaged']) run.run(id, id === 'r-study' ? 'pa' : 'finetune', at);
    db.prepare("INSERT INTO detections (run_id, image_id, scope, x, y, w, h, score, dice) VALUES ('r-study', 1, 'cv', 1, 2, 30, 40, 0.9, 0.7)").run();
    const model = db.prepare("INSERT INTO models (id, run_id, kind, path, sha256, metadata, created_at) VALUES (?, ?, 'tfjs-layers', 'models/x', 'ff', ?, ?)");
    const epoch = (e: number, valLoss: number | null) => ({ epoch: e, learningRate: 1e-4, trainLoss: 1 / e, valLoss, valAccuracy: valLoss === null ? null : 0.5 + e / 10, seconds: 1, imagesPerSecond: 10 });
    model.run('r-study/fold-1', 'r-study', JSON.stringify({ history: [epoch(1, 0.8), epoch(2, 0.6)] }), at);
    model.run('r-study/fold-2', 'r-study', JSON.stringify({ history: [epoch(1, null)] }), at);
    model.run('r-done/final', 'r-done', JSON.stringify({ history: [epoch(1, 0.9), epoch(2, 0.7), epoch(3, 0.75)] }), at);
    // A checkpoint's state repeats the final model's history; only the final one is read.
    model.run('r-done/checkpoint', 'r-done', JSON.stringify({ state: { history: [epoch(1, 0.9)] } }), at);
    model.run('r-stopped/checkpoint', 'r-stopped', JSON.stringify({ state: { history: [epoch(1, 0.5), epoch(2, 0.4)] } }), at);
    // Damaged rows must not keep the project from opening: not JSON, not objects, a NaN that became null.
    model.run('r-damaged/final', 'r-damaged', '{"history": [', at);
    model.run('r-damaged/fold-1', 'r-damaged', JSON.stringify({ history: ['x', 3, { epoch: 'one', trainLoss: 1 }, { epoch: 1, trainLoss: null }, epoch(2, 0.3)] }), at);
    db.close();
  }

  it('opens, migrates to the current version, keeps its detections and reads its loss histories from its models', () => {
    const folder = join(dir, 'old');
    oldProject(folder);
    const p = openProject(folder);
    open.push(p);
    expect(p.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    const [det] = listDetections(p, 'r-study');
    expect(det).toMatchObject({ box: { x: 1, y: 2, w: 30, h: 40 }, dice: 0.7 });
    // Detections from before windows were kept have none.
    expect(listDetectionWindows(p, det.id)).toEqual([]);

    const losses = listRunLosses(p);
    const byRun = Object.fromEntries(losses.map((l) => [l.runId, l.networks.map((n) => [n.network, n.epochs.map((e) => [e.epoch, e.trainLoss, e.valLoss])])]));
    expect(byRun).toEqual({
      'r-study': [
        ['fold-1', [[1, 1, 0.8], [2, 0.5, 0.6]]],
        ['fold-2', [[1, 1, null]]],
      ],
      'r-done': [['final', [[1, 1, 0.9], [2, 0.5, 0.7], [3, 1 / 3, 0.75]]]],
      'r-stopped': [['final', [[1, 1, 0.5], [2, 0.5, 0.4]]]],
      'r-damaged': [['fold-1', [[2, 0.5, 0.3]]]],
    });
    expect(losses.find((l) => l.runId === 'r-study')!.networks[0].epochs[1].valAccuracy).toBeCloseTo(0.7, 12);
  });

  it('is read by a read-only opener without the new tables as having no windows and no losses', () => {
    const folder = join(dir, 'old-ro');
    oldProject(folder);
    const r = openProject(folder, { readonly: true });
    open.push(r);
    expect(r.db.pragma('user_version', { simple: true })).toBe(1);
    const [det] = listDetections(r, 'r-study');
    expect(listDetectionWindows(r, det.id)).toEqual([]);
    expect(listRunLosses(r)).toEqual([]);
  });
});

describe('detection windows', () => {
  it('are saved with their detections in rank order, read back, replaced with them and deleted with them', () => {
    const p = project();
    const img = insertImage(p, image('a.png'));
    const img2 = insertImage(p, image('b.png'));
    const run = createRun(p, { method: 'na' }).id;
    const windows = [
      { x: 10, y: 12, w: 40, h: 30, score: 0.97 },
      { x: 14, y: 12, w: 40, h: 30, score: 0.91 },
      { x: 60, y: 40, w: 20, h: 20, score: 0.55 },
    ];
    saveDetections(p, run, 'cv', [
      { imageId: img, categoryId: null, box: { x: 11, y: 12, w: 41, h: 30 }, score: 0.98, dice: 0.4, windows },
      { imageId: img2, categoryId: null, box: { x: 1, y: 1, w: 5, h: 5 }, score: 0.2, dice: 0.1 },
    ]);
    const [a, b] = listDetections(p, run, 'cv');
    expect(listDetectionWindows(p, a.id)).toEqual(windows.map((w, i) => ({ rank: i + 1, ...w })));
    expect(listDetectionWindows(p, b.id)).toEqual([]);
    expect(getDetection(p, a.id)).toEqual(a);

    // Saving the scope again replaces the detections, and their windows go with them.
    saveDetections(p, run, 'cv', [{ imageId: img, categoryId: null, box: { x: 0, y: 0, w: 9, h: 9 }, score: 0.5, dice: 0.9, windows: windows.slice(0, 1) }]);
    expect(() => getDetection(p, 987_654)).toThrow(/detection 987654 is not in this project/);
    expect(count(p, 'detection_windows')).toBe(1);
    const [c] = listDetections(p, run, 'cv');
    expect(listDetectionWindows(p, c.id)).toEqual([{ rank: 1, ...windows[0] }]);

    // Deleting the image, or the run, deletes its detections and their windows.
    saveDetections(p, run, 'test', [{ imageId: img2, categoryId: null, box: { x: 0, y: 0, w: 9, h: 9 }, score: 0.5, dice: 0.9, windows }]);
    expect(count(p, 'detection_windows')).toBe(4);
    p.db.prepare('DELETE FROM images WHERE id = ?').run(img2);
    expect(count(p, 'detection_windows')).toBe(1);
    p.db.prepare('DELETE FROM runs WHERE id = ?').run(run);
    expect(count(p, 'detections')).toBe(0);
    expect(count(p, 'detection_windows')).toBe(0);
  });

  it('refuses a window that is not finite, and saves nothing of that call', () => {
    const p = project();
    const img = insertImage(p, image('a.png'));
    const run = createRun(p, { method: 'na' }).id;
    const bad = { imageId: img, categoryId: null, box: { x: 0, y: 0, w: 9, h: 9 }, score: 0.5, dice: 0.9, windows: [{ x: 1, y: 1, w: 5, h: 5, score: Number.NaN }] };
    expect(() => saveDetections(p, run, 'cv', [bad])).toThrow(new RegExp(`image ${img} in run ${run}.*not a finite number`));
    expect(count(p, 'detections')).toBe(0);
  });
});

describe('run losses', () => {
  it('replace a network history on each save, keep networks apart, and go with their run', () => {
    const p = project();
    const run = createRun(p, { method: 'finetune' }).id;
    const other = createRun(p, { method: 'pa' }).id;
    const e = (epoch: number, trainLoss: number, valLoss: number | null) => ({ epoch, trainLoss, valLoss, valAccuracy: valLoss === null ? null : 0.8 });
    saveRunLosses(p, run, 'final', [e(1, 0.9, 0.8)]);
    // A resumed run saves its whole history again, epochs of the earlier session included.
    saveRunLosses(p, run, 'final', [e(1, 0.9, 0.8), e(2, 0.7, Number.NaN)]);
    for (const k of [10, 2, 1]) saveRunLosses(p, other, `fold-${k}`, [e(1, k, null)]);
    expect(listRunLosses(p, [run])).toEqual([{ runId: run, networks: [{ network: 'final', epochs: [{ epoch: 1, trainLoss: 0.9, valLoss: 0.8, valAccuracy: 0.8 }, { epoch: 2, trainLoss: 0.7, valLoss: null, valAccuracy: 0.8 }] }] }]);
    expect(listRunLosses(p, [other])[0].networks.map((n) => n.network)).toEqual(['fold-1', 'fold-2', 'fold-10']);
    expect(listRunLosses(p).map((l) => l.runId).sort()).toEqual([run, other].sort());

    expect(() => saveRunLosses(p, run, 'final', [e(0, 1, null)])).toThrow(/epoch 0 of network final/);
    expect(() => saveRunLosses(p, run, 'final', [e(3, Number.POSITIVE_INFINITY, null)])).toThrow(/training loss of epoch 3 .* not a finite number/);
    expect(listRunLosses(p, [run])[0].networks[0].epochs).toHaveLength(2);

    p.db.prepare('DELETE FROM runs WHERE id = ?').run(run);
    expect(listRunLosses(p).map((l) => l.runId)).toEqual([other]);
  });
});
