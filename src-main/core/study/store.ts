/**
 * Repository for a run's results in the project: metrics with their intervals (`run_metrics`),
 * per-image detections with their Dice (`detections`) and each detection's top-scoring candidate windows
 * (`detection_windows`). Each save is one transaction, so a run's results are either all there or not at all.
 */
import { SonoError } from '../errors.js';
import type { Box } from '../metrics/index.js';
import type { ScoredWindow } from '../detect/detector.js';
import type { Project } from '../project/index.js';

export interface RunMetric {
  scope: string;
  name: string;
  value: number;
  lo: number | null;
  hi: number | null;
}

export interface StoredDetection {
  id: number;
  runId: string;
  imageId: number;
  categoryId: number | null;
  scope: string;
  box: Box;
  score: number;
  dice: number | null;
}

export type NewDetection = Omit<StoredDetection, 'id' | 'runId' | 'scope'> & {
  /** The top-scoring candidate windows, best first (rank 1 = the first). */
  windows?: readonly ScoredWindow[];
};

export interface StoredWindow extends Box {
  /** 1 = the highest-scoring candidate. */
  rank: number;
  score: number;
}

/** Saves metrics of one scope ('cv', 'test', ...), replacing earlier values of the same names. */
export function saveRunMetrics(project: Project, runId: string, scope: string, metrics: ReadonlyArray<Omit<RunMetric, 'scope'>>): void {
  for (const m of metrics) {
    // The column is NOT NULL REAL: a metric that could not be computed is left out rather than stored as NaN.
    if (!Number.isFinite(m.value)) throw new SonoError('BAD_INPUT', `metric ${m.name} of run ${runId} is not a finite number`);
  }
  const stmt = project.db.prepare(
    'INSERT INTO run_metrics (run_id, scope, name, value, lo, hi) VALUES (?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (run_id, scope, name) DO UPDATE SET value = excluded.value, lo = excluded.lo, hi = excluded.hi',
  );
  project.db.transaction(() => {
    for (const m of metrics) stmt.run(runId, scope, m.name, m.value, m.lo ?? null, m.hi ?? null);
  })();
}

export function listRunMetrics(project: Project, runId: string): RunMetric[] {
  return project.db
    .prepare('SELECT scope, name, value, lo, hi FROM run_metrics WHERE run_id = ? ORDER BY scope, name')
    .all(runId) as RunMetric[];
}

/** Replaces the run's detections of one scope (and their windows, by the cascade) with `detections`. */
export function saveDetections(project: Project, runId: string, scope: string, detections: readonly NewDetection[]): void {
  for (const d of detections) {
    for (const w of d.windows ?? []) {
      // NOT NULL REAL columns: NaN would be stored as NULL and refused with an unhelpful constraint error.
      if (![w.x, w.y, w.w, w.h, w.score].every(Number.isFinite)) {
        throw new SonoError('BAD_INPUT', `a candidate window of image ${d.imageId} in run ${runId} has a coordinate or score that is not a finite number`, runId);
      }
    }
  }
  const del = project.db.prepare('DELETE FROM detections WHERE run_id = ? AND scope = ?');
  const ins = project.db.prepare(
    'INSERT INTO detections (run_id, image_id, category_id, scope, x, y, w, h, score, dice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insWindow = project.db.prepare('INSERT INTO detection_windows (detection_id, rank, x, y, w, h, score) VALUES (?, ?, ?, ?, ?, ?, ?)');
  project.db.transaction(() => {
    del.run(runId, scope);
    for (const d of detections) {
      const id = ins.run(runId, d.imageId, d.categoryId, scope, d.box.x, d.box.y, d.box.w, d.box.h, d.score, d.dice).lastInsertRowid;
      d.windows?.forEach((w, i) => insWindow.run(id, i + 1, w.x, w.y, w.w, w.h, w.score));
    }
  })();
}

/**
 * The stored candidate windows of one detection, best first. Empty for a detection saved before windows
 * were kept, or in a project opened read-only at an older schema (which has no such table).
 */
export function listDetectionWindows(project: Project, detectionId: number): StoredWindow[] {
  if (!hasTable(project, 'detection_windows')) return [];
  return project.db
    .prepare('SELECT rank, x, y, w, h, score FROM detection_windows WHERE detection_id = ? ORDER BY rank')
    .all(detectionId) as StoredWindow[];
}

export function getDetection(project: Project, detectionId: number): StoredDetection {
  const r = project.db.prepare('SELECT * FROM detections WHERE id = ?').get(detectionId) as DetectionRow | undefined;
  if (!r) throw new SonoError('NOT_FOUND', `detection ${detectionId} is not in this project (its run may have been run again since)`, String(detectionId));
  return toStored(r);
}

function hasTable(project: Project, name: string): boolean {
  return project.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

interface DetectionRow {
  id: number;
  run_id: string;
  image_id: number;
  category_id: number | null;
  scope: string;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  dice: number | null;
}

export function listDetections(project: Project, runId: string, scope?: string): StoredDetection[] {
  const rows = (
    scope === undefined
      ? project.db.prepare('SELECT * FROM detections WHERE run_id = ? ORDER BY image_id, id').all(runId)
      : project.db.prepare('SELECT * FROM detections WHERE run_id = ? AND scope = ? ORDER BY image_id, id').all(runId, scope)
  ) as DetectionRow[];
  return rows.map(toStored);
}

function toStored(r: DetectionRow): StoredDetection {
  return {
    id: r.id,
    runId: r.run_id,
    imageId: r.image_id,
    categoryId: r.category_id,
    scope: r.scope,
    box: { x: r.x, y: r.y, w: r.w, h: r.h },
    score: r.score,
    dice: r.dice,
  };
}
