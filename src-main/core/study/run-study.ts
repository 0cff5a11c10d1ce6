/**
 * A whole detection study on a project: one run per method and backbone (running -> done / failed /
 * cancelled), the computation (in a worker thread when available; one after the other for the main
 * backbone and each extra backbone, all on the same fold plan), metrics and detections stored in the
 * project, and the report folder written.
 */
import { errorMessage, isSonoError, SonoError } from '../errors.js';
import { createRun, openProject, saveRunLosses, setRunStatus, type Project } from '../project/index.js';
import { getBackbone } from '../backbones/registry.js';
import { nowIso } from '../util/time.js';
import { networkName, type StudyComputation } from './compute.js';
import { combineBackbones, type BackboneComputation } from './combine-backbones.js';
import { backboneOf, checkStudyBackbones, entryName, fusionFeatures, levelOf, studyVariants, type Method, type StudyConfig } from './config.js';
import { loadStudyInputs } from './inputs.js';
import type { ProgressListener, StudyProgress } from './progress.js';
import { writeReport } from './report.js';
import { saveDetections, saveRunMetrics } from './store.js';
import { mcnemarTable, table1, type McNemarRow, type Table1Row } from './summary.js';
import { newStudyId, saveFoldCheckpoint, saveFoldNetwork, storedFinetuning, studyFingerprint, studyOfRun, type StudyToResume } from './resume.js';
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

export async function runStudy(project: Project, opts: RunStudyOptions): Promise<StudyResult> {
  return studyRuns(project, opts, null);
}

export interface ResumeStudyOptions extends Omit<RunStudyOptions, 'config'> {
  /** Any run of the study to resume. */
  runId: string;
}

/**
 * Goes on with a study that stopped, in its own runs and with its own settings: every fold network it
 * finished is used as stored, the one it was training goes on from its last epoch checkpoint, and the
 * rest (features, classifiers, detection) is computed again, so that the results are those of an
 * uninterrupted study. Refused when the project's images or boxes changed since the study started.
 * The test project the study was started with is opened read-only unless the caller passes it.
 */
export async function resumeStudy(project: Project, opts: ResumeStudyOptions): Promise<StudyResult> {
  const plan = studyOfRun(project, opts.runId);
  let own: Project | null = null;
  if (opts.testProject && plan.testProject && opts.testProject.dir !== plan.testProject) {
    throw new SonoError('BAD_INPUT', `run ${opts.runId}'s study was tested on ${plan.testProject}, not on ${opts.testProject.dir}`, opts.runId);
  }
  if (!opts.testProject && plan.testProject) own = openProject(plan.testProject, { readonly: true });
  try {
    return await studyRuns(project, { ...opts, config: plan.config, testProject: opts.testProject ?? own }, plan);
  } finally {
    own?.close();
  }
}

async function studyRuns(project: Project, opts: RunStudyOptions, resume: StudyToResume | null): Promise<StudyResult> {
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

  const fingerprint = studyFingerprint(main, test);
  if (resume && resume.identity.fingerprint !== fingerprint) {
    throw new SonoError(
      'BAD_INPUT',
      `cannot resume run ${resume.runs[0].id}'s study: the images or "${main.category}" boxes of ${project.dir}${test ? ` or of ${test.projectDir}` : ''} changed since it started; restart it to study them as they are now`,
      resume.runs[0].id,
    );
  }
  const studyId = resume?.identity.id ?? newStudyId();
  const runs: Record<string, string> = {};
  const runIds: string[] = [];
  for (const v of parts) {
    const fusionWith = fusionFeatures(v.methods);
    for (const m of v.methods) {
      const entry = entryName(m, backboneOf(m, v.backbone), config.backbone);
      if (resume) {
        const run = resume.runs.find((r) => r.method === m && entryName(r.method, r.backbone, config.backbone) === entry);
        if (!run) throw new SonoError('BAD_INPUT', `cannot resume run ${resume.runs[0].id}'s study: it has no run of ${entry}; restart it instead`, resume.runs[0].id);
        runs[entry] = run.id;
        runIds.push(run.id);
        continue;
      }
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
            id: studyId,
            fingerprint,
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
      runs[entry] = run.id;
      runIds.push(run.id);
    }
  }
  if (resume) {
    const extraRuns = resume.runs.filter((r) => !runIds.includes(r.id));
    if (extraRuns.length > 0) throw new SonoError('BAD_INPUT', `cannot resume run ${resume.runs[0].id}'s study: its run ${extraRuns[0].id} (${extraRuns[0].method}) has no place in it now; restart it instead`, extraRuns[0].id);
    for (const id of runIds) setRunStatus(project, id, 'running');
  }
  // The fine-tuned networks of each backbone live with its PA / FA runs (fusion reads FA's).
  const levelRuns = new Map<string, Partial<Record<'pa' | 'fa', string>>>();
  for (const v of parts) {
    const byLevel: Partial<Record<'pa' | 'fa', string>> = {};
    for (const level of ['pa', 'fa'] as const) {
      const id = runs[entryName(level, v.backbone, config.backbone)];
      if (id) byLevel[level] = id;
    }
    levelRuns.set(v.backbone, byLevel);
  }
  const runOfLevel = (backbone: string, level: 'pa' | 'fa'): string => {
    const id = levelRuns.get(backbone)?.[level];
    if (!id) throw new SonoError('INTERNAL', `a ${level} network of ${backbone} was trained, but the study has no ${level} run for it`);
    return id;
  };

  try {
    const stored = resume ? await storedFinetuning(project, levelRuns) : null;
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
        {
          onProgress,
          signal: opts.signal,
          inline: opts.inline,
          resume: stored?.get(v.backbone),
          // Stored as each is trained, so that a study that stops keeps them for a resume.
          onFinetuned: (net) => saveFoldNetwork(project, runOfLevel(net.backbone, net.method), net),
          onFoldCheckpoint: (c) => saveFoldCheckpoint(project, runOfLevel(v.backbone, c.method), c.name, c.checkpoint),
        },
      );
      computed.push({ backbone: v.backbone, computation });
    }
    const computation = combineBackbones(config.backbone, computed);
    opts.onProgress?.({ phase: 'report', done: 0, total: 1, overall: 1, etaSeconds: 0 });
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
