/**
 * A whole detection study on a project: one run per method (running -> done / failed / cancelled), the
 * computation (in a worker thread when available), metrics and detections stored in the project, and the
 * report folder written.
 */
import { errorMessage, isSonoError, SonoError } from '../errors.js';
import { ensureModelBackend, fromPlainModel } from '../adapt/artifacts.js';
import { createRun, saveRunModel, setRunStatus, type Project } from '../project/index.js';
import { nowIso } from '../util/time.js';
import type { StudyComputation } from './compute.js';
import { fusionFeatures, splitMethods, type AvailableMethod, type Method, type StudyConfig } from './config.js';
import { loadStudyInputs } from './inputs.js';
import type { ProgressListener } from './progress.js';
import { writeReport } from './report.js';
import { saveDetections, saveRunMetrics } from './store.js';
import { backboneOf, mcnemarTable, table1, type McNemarRow, type Table1Row } from './summary.js';
import { computeStudyAnywhere } from './worker-client.js';

export interface RunStudyOptions {
  config: StudyConfig;
  outDir: string;
  /** Evaluated after training on all of the study project; opened by the caller (read-only is enough). */
  testProject?: Project | null;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Folder holding `<backbone>/model.json`; default: SONOTL_MODELS or the user's model cache. */
  modelsDir?: string;
  /** Compute on the calling thread even when a worker is available. */
  inline?: boolean;
}

export interface StudyResult {
  rows: Table1Row[];
  mcnemar: McNemarRow[];
  /** Run id per method. */
  runs: Record<string, string>;
  unavailable: Array<{ method: Method; reason: string }>;
  reportFiles: string[];
  wallSeconds: number;
  computation: StudyComputation;
}

const METRIC_NAMES = ['n', 'failures', 'failureRate', 'successRate', 'accuracy', 'patches', 'meanDice', 'meanIoU', 'meanCoarseDice'] as const;

/** Table 1 row as run_metrics entries (name, value, interval). */
export function rowMetrics(r: Table1Row): Array<{ name: string; value: number; lo: number | null; hi: number | null }> {
  const ci: Partial<Record<(typeof METRIC_NAMES)[number], [number, number]>> = {
    failureRate: r.failureRateCI,
    successRate: r.successRateCI,
    accuracy: r.accuracyCI,
    meanDice: r.meanDiceCI,
  };
  return METRIC_NAMES.filter((name) => Number.isFinite(r[name])).map((name) => ({
    name,
    value: r[name],
    lo: ci[name]?.[0] ?? null,
    hi: ci[name]?.[1] ?? null,
  }));
}

/** Adaptation level of a method's CNN features; 'fusion' takes FA's when FA is in the study. */
function levelOf(method: AvailableMethod, methods: readonly AvailableMethod[]): 'na' | 'pa' | 'fa' | null {
  if (method === 'haar') return null;
  if (method === 'pa' || method === 'fa') return method;
  if (method === 'fusion') return fusionFeatures(methods);
  return 'na';
}

/**
 * Each fold's fine-tuned network is stored with its method's run ('fold-<k>'; the network trained on
 * every image for a test project is 'final'), and the run records the backend that trained it. The
 * fusion run (Haar + FA) reads FA's networks, which stay stored with the FA run.
 */
async function saveFinetuned(project: Project, computation: StudyComputation, runs: Record<string, string>): Promise<void> {
  for (const net of computation.finetuned) {
    const runId = runs[net.method];
    if (!runId) continue;
    await ensureModelBackend();
    const model = await fromPlainModel(net.model);
    try {
      const { model: _weights, ...meta } = net;
      await saveRunModel(project, runId, net.foldName === 'all-vs-test-project' ? 'final' : `fold-${net.fold}`, model, meta as unknown as Record<string, unknown>);
    } finally {
      model.dispose();
    }
    setRunStatus(project, runId, 'running', { backend: net.backend });
  }
}

export async function runStudy(project: Project, opts: RunStudyOptions): Promise<StudyResult> {
  const started = Date.now();
  const startedAt = nowIso();
  const { config } = opts;
  const { run: methods, unavailable } = splitMethods(config.methods, config.backbone);
  if (methods.length === 0) {
    throw new SonoError('BAD_INPUT', `none of the requested methods can run (${unavailable.map((u) => `${u.method}: ${u.reason}`).join('; ')})`);
  }
  opts.onProgress?.({ phase: 'load', done: 0, total: 1, overall: 0, etaSeconds: null });
  const main = loadStudyInputs(project, config.category);
  const test = opts.testProject ? loadStudyInputs(opts.testProject, main.category) : null;

  const runs: Record<string, string> = {};
  for (const m of methods) {
    const run = createRun(project, {
      method: m,
      backbone: backboneOf(m, config.backbone),
      level: levelOf(m, methods),
      config: { ...config, methods: [m], study: { methods, category: main.category, testProject: opts.testProject?.dir ?? null, fusionFeatures: fusionFeatures(methods) } },
    });
    setRunStatus(project, run.id, 'running', { backend: 'cpu' });
    runs[m] = run.id;
  }

  try {
    const computation = await computeStudyAnywhere(
      { main, test, config: { ...config, category: main.category }, methods, modelsDir: opts.modelsDir },
      { onProgress: opts.onProgress, signal: opts.signal, inline: opts.inline },
    );
    opts.onProgress?.({ phase: 'report', done: 0, total: 1, overall: 1, etaSeconds: 0 });
    await saveFinetuned(project, computation, runs);
    const rows = table1(computation, config.backbone, config.seed);
    const mcnemar = mcnemarTable(computation);
    const finishedAt = nowIso();
    const wallSeconds = (Date.now() - started) / 1000;
    const reportFiles = writeReport(opts.outDir, {
      project: project.dir,
      testProject: opts.testProject?.dir ?? null,
      category: main.category,
      config: { ...config, category: main.category, fusionFeatures: computation.fusionFeatures } as StudyConfig,
      rows,
      mcnemar,
      computation,
      unavailable,
      runs,
      startedAt,
      finishedAt,
      wallSeconds,
    });
    // Metrics, detections and the 'done' status in one transaction, after the report is on disk: a kill
    // at any point leaves either a finished run with all of them or an interrupted run with none.
    project.db.transaction(() => {
      for (const m of methods) {
        for (const r of rows.filter((x) => x.method === m)) saveRunMetrics(project, runs[m], r.set, rowMetrics(r));
        // Detections on a test project's images cannot be stored here: their image ids belong to that project.
        for (const set of ['cv', 'test'] as const) {
          const own = computation.detections.filter((d) => d.method === m && d.set === set && !d.fromTestProject);
          if (own.length === 0) continue;
          saveDetections(project, runs[m], set, own.map((d) => ({ imageId: d.imageId, categoryId: main.categoryId, box: d.box, score: d.score, dice: d.dice })));
        }
      }
      for (const m of methods) setRunStatus(project, runs[m], 'done');
    })();
    opts.onProgress?.({ phase: 'report', done: 1, total: 1, overall: 1, etaSeconds: 0 });
    return { rows, mcnemar, runs, unavailable, reportFiles, wallSeconds, computation };
  } catch (e) {
    const cancelled = isSonoError(e) && e.code === 'CANCELLED';
    for (const m of methods) setRunStatus(project, runs[m], cancelled ? 'cancelled' : 'failed', { error: errorMessage(e).split('\n')[0] });
    throw e;
  }
}
