/**
 * A whole detection study on a project: one run per method and backbone (running -> done / failed /
 * cancelled), the computation (in a worker thread when available; one after the other for the main
 * backbone and each extra backbone, all on the same fold plan), metrics and detections stored in the
 * project, and the report folder written.
 */
import { errorMessage, isSonoError, SonoError } from '../errors.js';
import { ensureModelBackend, fromPlainModel } from '../adapt/artifacts.js';
import { createRun, saveRunLosses, saveRunModel, setRunStatus, type Project } from '../project/index.js';
import { getBackbone } from '../backbones/registry.js';
import { nowIso } from '../util/time.js';
import type { FinetunedNetwork, StudyComputation } from './compute.js';
import { combineBackbones, type BackboneComputation } from './combine-backbones.js';
import { backboneOf, checkStudyBackbones, entryName, fusionFeatures, levelOf, studyVariants, type Method, type StudyConfig } from './config.js';
import { loadStudyInputs } from './inputs.js';
import type { ProgressListener, StudyProgress } from './progress.js';
import { writeReport } from './report.js';
import { saveDetections, saveRunMetrics } from './store.js';
import { mcnemarTable, table1, type McNemarRow, type Table1Row } from './summary.js';
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
  /** Run id per method; an extra backbone's runs are under '<method>@<backbone>' (entryName). */
  runs: Record<string, string>;
  /** Methods that could not run; `backbone` names the extra backbone that could not run them. */
  unavailable: Array<{ method: Method; reason: string; backbone?: string }>;
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

/** Name of a fine-tuned network among its run's models and losses. */
const networkName = (net: FinetunedNetwork): string => (net.foldName === 'all-vs-test-project' ? 'final' : `fold-${net.fold}`);

/**
 * Each fold's fine-tuned network is stored with its method's run ('fold-<k>'; the network trained on
 * every image for a test project is 'final'), and the run records the backend that trained it. The
 * fusion run (Haar + FA) reads FA's networks, which stay stored with the FA run.
 */
async function saveFinetuned(project: Project, computation: StudyComputation, runs: Record<string, string>, mainBackbone: string): Promise<void> {
  for (const net of computation.finetuned) {
    const runId = runs[entryName(net.method, net.backbone, mainBackbone)];
    if (!runId) continue;
    await ensureModelBackend();
    const model = await fromPlainModel(net.model);
    try {
      const { model: _weights, ...meta } = net;
      await saveRunModel(project, runId, networkName(net), model, meta as unknown as Record<string, unknown>);
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
  checkStudyBackbones(config);
  const variants = studyVariants(config);
  const [mainVariant, ...extras] = variants;
  const methods = mainVariant.methods;
  // The main backbone's limits are reported as before (method and reason); an extra's name their backbone.
  const unavailable = [...mainVariant.unavailable.map(({ method, reason }) => ({ method, reason })), ...extras.flatMap((v) => v.unavailable)];
  if (methods.length === 0) {
    throw new SonoError('BAD_INPUT', `none of the requested methods can run (${mainVariant.unavailable.map((u) => `${u.method}: ${u.reason}`).join('; ')})`);
  }
  // An extra backbone that can run none of the CNN methods (only PA / FA asked, and it cannot be fine-tuned) adds nothing.
  const parts = variants.filter((v) => v.methods.length > 0);
  opts.onProgress?.({ phase: 'load', done: 0, total: 1, overall: 0, etaSeconds: null });
  const main = loadStudyInputs(project, config.category);
  const test = opts.testProject ? loadStudyInputs(opts.testProject, main.category) : null;

  const runs: Record<string, string> = {};
  const runIds: string[] = [];
  for (const v of parts) {
    const fusionWith = fusionFeatures(v.methods);
    for (const m of v.methods) {
      const run = createRun(project, {
        method: m,
        backbone: backboneOf(m, v.backbone),
        level: levelOf(m, fusionWith),
        config: {
          ...config,
          backbone: v.backbone,
          methods: [m],
          // The whole study, so that any one of its runs can start all of it again (configOfRun).
          study: {
            methods,
            backbone: config.backbone,
            extraBackbones: config.extraBackbones,
            category: main.category,
            testProject: opts.testProject?.dir ?? null,
            fusionFeatures: fusionWith,
          },
        },
      });
      setRunStatus(project, run.id, 'running', { backend: 'cpu' });
      runs[entryName(m, backboneOf(m, v.backbone), config.backbone)] = run.id;
      runIds.push(run.id);
    }
  }

  try {
    const computed: BackboneComputation[] = [];
    // Each backbone's share of the overall fraction, by the number of methods it reports: rough (the
    // shares differ in cost), but the fraction rises steadily through all of them.
    const weights = parts.map((v) => v.methods.length);
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    for (const [k, v] of parts.entries()) {
      const offset = weights.slice(0, k).reduce((a, b) => a + b, 0) / totalWeight;
      const onProgress = parts.length === 1 ? opts.onProgress : opts.onProgress && scaledProgress(opts.onProgress, offset, weights[k] / totalWeight, v.main ? null : v.backbone, started);
      const computation = await computeStudyAnywhere(
        {
          main,
          test,
          config: { ...config, backbone: v.backbone, category: main.category },
          methods: v.methods,
          modelsDir: opts.modelsDir,
          backbones: v.methods.some((m) => m !== 'haar') ? [getBackbone(v.backbone)] : [],
        },
        { onProgress, signal: opts.signal, inline: opts.inline },
      );
      computed.push({ backbone: v.backbone, computation });
    }
    const computation = combineBackbones(config.backbone, computed);
    opts.onProgress?.({ phase: 'report', done: 0, total: 1, overall: 1, etaSeconds: 0 });
    await saveFinetuned(project, computation, runs, config.backbone);
    const rows = table1(computation, config.seed);
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
      for (const { method, backbone } of computation.entries) {
        const runId = runs[entryName(method, backbone, config.backbone)];
        for (const r of rows.filter((x) => x.method === method && x.backbone === backbone)) saveRunMetrics(project, runId, r.set, rowMetrics(r));
        // Detections on a test project's images cannot be stored here: their image ids belong to that project.
        for (const set of ['cv', 'test'] as const) {
          const own = computation.detections.filter((d) => d.method === method && d.backbone === backbone && d.set === set && !d.fromTestProject);
          if (own.length === 0) continue;
          saveDetections(project, runId, set, own.map((d) => ({ imageId: d.imageId, categoryId: main.categoryId, box: d.box, score: d.score, dice: d.dice, windows: d.windows })));
        }
      }
      for (const net of computation.finetuned) {
        const runId = runs[entryName(net.method, net.backbone, config.backbone)];
        if (runId) saveRunLosses(project, runId, networkName(net), net.history);
      }
      for (const id of runIds) setRunStatus(project, id, 'done');
    })();
    opts.onProgress?.({ phase: 'report', done: 1, total: 1, overall: 1, etaSeconds: 0 });
    return { rows, mcnemar, runs, unavailable, reportFiles, wallSeconds, computation };
  } catch (e) {
    const cancelled = isSonoError(e) && e.code === 'CANCELLED';
    for (const id of runIds) setRunStatus(project, id, cancelled ? 'cancelled' : 'failed', { error: errorMessage(e).split('\n')[0] });
    throw e;
  }
}

/**
 * One backbone's progress as part of the whole study: its fraction mapped into [offset, offset + share],
 * the ETA from the whole study's rate, and an extra backbone named in the step's detail.
 */
function scaledProgress(listener: ProgressListener, offset: number, share: number, backbone: string | null, started: number): ProgressListener {
  return (p: StudyProgress) => {
    const overall = Math.min(1, offset + share * p.overall);
    const elapsed = (Date.now() - started) / 1000;
    const etaSeconds = overall >= 1 ? 0 : overall > 0.01 ? (elapsed / overall) * (1 - overall) : null;
    const detail = backbone ? [backbone, p.detail].filter(Boolean).join(': ') : p.detail;
    listener({ ...p, overall, etaSeconds, ...(detail !== undefined ? { detail } : {}) });
  };
}
