import { SonoError } from '../core/errors.js';
import { FAILURE_DICE } from '../core/metrics/index.js';
import { getImage, getRun, listAnnotations, listRunLosses, listRuns, type Box, type NetworkLosses, type Project, type RunRecord } from '../core/project/index.js';
import { getDetection, listDetections, listDetectionWindows, listRunMetrics, type RunMetric, type StoredWindow } from '../core/study/store.js';

export interface RunWithMetrics extends RunRecord {
  metrics: RunMetric[];
}

export function runsWithMetrics(project: Project): RunWithMetrics[] {
  return listRuns(project).map((r) => ({ ...r, metrics: listRunMetrics(project, r.id) }));
}

export interface Estimate {
  value: number;
  lo: number | null;
  hi: number | null;
}

/** What Table 1 and the loss curves show of a run to label and colour it. */
export interface RunLabel {
  runId: string;
  method: string;
  backbone: string | null;
  level: RunRecord['level'];
  status: RunRecord['status'];
  createdAt: string;
}

function runLabel(run: RunRecord): RunLabel {
  return { runId: run.id, method: run.method, backbone: run.backbone, level: run.level, status: run.status, createdAt: run.createdAt };
}

/** One row of the paper's Table 1: one run (method) on one evaluation set, with its intervals. */
export interface Table1Entry extends RunLabel {
  scope: string;
  n: number;
  failures: number;
  failureRate: Estimate | null;
  accuracy: Estimate | null;
  meanDice: Estimate | null;
  meanIoU: number | null;
  patches: number | null;
  /** Every image's Dice in this scope, ascending: the distribution behind the mean. */
  dice: number[];
}

/**
 * Table 1 rows of the finished runs (all of them, or those of `runIds`). A run that was cancelled,
 * interrupted or failed may have saved the metrics of some scopes or folds before it stopped; those
 * partial numbers would read as a complete result, so only runs with status 'done' are listed.
 */
export function table1Entries(project: Project, runIds?: readonly string[]): Table1Entry[] {
  const wanted = runIds ? new Set(runIds) : null;
  const out: Table1Entry[] = [];
  for (const run of listRuns(project)) {
    if (wanted && !wanted.has(run.id)) continue;
    if (run.status !== 'done') continue;
    const byScope = new Map<string, Map<string, RunMetric>>();
    for (const m of listRunMetrics(project, run.id)) {
      if (!byScope.has(m.scope)) byScope.set(m.scope, new Map());
      byScope.get(m.scope)!.set(m.name, m);
    }
    for (const [scope, metrics] of byScope) {
      const est = (name: string): Estimate | null => {
        const m = metrics.get(name);
        return m ? { value: m.value, lo: m.lo, hi: m.hi } : null;
      };
      const dice = listDetections(project, run.id, scope)
        .map((d) => d.dice)
        .filter((d): d is number => d !== null)
        .sort((a, b) => a - b);
      out.push({
        ...runLabel(run),
        scope,
        n: metrics.get('n')?.value ?? dice.length,
        failures: metrics.get('failures')?.value ?? dice.filter((d) => d < FAILURE_DICE).length,
        failureRate: est('failureRate'),
        accuracy: est('accuracy'),
        meanDice: est('meanDice'),
        meanIoU: metrics.get('meanIoU')?.value ?? null,
        patches: metrics.get('patches')?.value ?? null,
        dice,
      });
    }
  }
  return out;
}

export interface ReviewItem {
  detectionId: number;
  imageId: number;
  imageName: string;
  relPath: string;
  width: number;
  height: number;
  subject: string | null;
  categoryId: number | null;
  box: Box;
  score: number;
  dice: number | null;
  /** The image's current ground-truth boxes of the run's category (they may have been edited since). */
  truths: Array<Box & { id: number }>;
}

export interface ReviewQuery {
  runId: string;
  scope?: string;
  below?: number;
  sort?: 'dice' | '-dice' | 'image';
  offset: number;
  limit: number;
}

export interface ReviewPage {
  run: RunRecord;
  scope: string | null;
  /** Scopes the run has detections in ('cv' = cross-validation folds, 'test' = the test project). */
  scopes: string[];
  /** Detections of the run in the scope, and how many are failures at the standard 0.80. */
  evaluated: number;
  failures: number;
  /** Detections under the threshold (all of them without one). */
  total: number;
  items: ReviewItem[];
}

/** A run's detections for the Review gallery, worst first by default, with each image's ground truth. */
export function reviewPage(project: Project, q: ReviewQuery): ReviewPage {
  const run = getRun(project, q.runId);
  const all = listDetections(project, run.id);
  const scopes = [...new Set(all.map((d) => d.scope))].sort();
  const scope = q.scope ?? (scopes.includes('cv') ? 'cv' : (scopes[0] ?? null));
  if (q.scope && !scopes.includes(q.scope)) {
    throw new SonoError('NOT_FOUND', `run ${run.id} has no detections in scope "${q.scope}" (it has: ${scopes.join(', ') || 'none'})`, run.id);
  }
  const inScope = all.filter((d) => d.scope === scope);
  const shown = q.below === undefined ? inScope : inScope.filter((d) => d.dice !== null && d.dice < q.below!);
  const sort = q.sort ?? 'dice';
  shown.sort((a, b) =>
    sort === 'image' ? a.imageId - b.imageId : (sort === 'dice' ? 1 : -1) * ((a.dice ?? -1) - (b.dice ?? -1)) || a.imageId - b.imageId,
  );
  const items = shown.slice(q.offset, q.offset + q.limit).map((d): ReviewItem => {
    const img = getImage(project, d.imageId);
    return {
      detectionId: d.id,
      imageId: d.imageId,
      imageName: img.originalName,
      relPath: img.relPath,
      width: img.width,
      height: img.height,
      subject: img.subject,
      categoryId: d.categoryId,
      box: d.box,
      score: d.score,
      dice: d.dice,
      truths: listAnnotations(project, d.imageId)
        .filter((a) => d.categoryId === null || a.categoryId === d.categoryId)
        .map((a) => ({ id: a.id, x: a.x, y: a.y, w: a.w, h: a.h })),
    };
  });
  return {
    run,
    scope,
    scopes,
    evaluated: inScope.length,
    failures: inScope.filter((d) => d.dice !== null && d.dice < FAILURE_DICE).length,
    total: shown.length,
    items,
  };
}

export interface DetectionWindows {
  detectionId: number;
  runId: string;
  imageId: number;
  /** The top-scoring candidate windows, best first; empty for a run that stored none (older versions). */
  windows: StoredWindow[];
}

/** What Review's inspector draws besides the detection: where the classifier scored highest. */
export function detectionWindows(project: Project, detectionId: number): DetectionWindows {
  const d = getDetection(project, detectionId);
  return { detectionId: d.id, runId: d.runId, imageId: d.imageId, windows: listDetectionWindows(project, d.id) };
}

/** A run's stored per-epoch losses, with what Compare needs to label and colour its curves. */
export interface LossCurves extends RunLabel {
  networks: NetworkLosses[];
}

/**
 * Loss histories of the runs that fine-tuned a network (all of them, or those of `runIds`), whatever
 * their status: a stopped run's curve up to its last checkpoint is what shows why it was stopped.
 */
export function lossCurves(project: Project, runIds?: readonly string[]): LossCurves[] {
  const runs = new Map(listRuns(project).map((r) => [r.id, r]));
  return listRunLosses(project, runIds)
    .filter((l) => runs.has(l.runId))
    .map((l) => {
      return { ...runLabel(runs.get(l.runId)!), networks: l.networks };
    })
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
}
