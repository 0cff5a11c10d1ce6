import { join } from 'node:path';
import { errorMessage, SonoError } from '../core/errors.js';
import { getRun, listRuns, type Project } from '../core/project/index.js';
import { listBackbones } from '../core/backbones/registry.js';
import { registerUserBackbones } from '../core/backbones/user-backbones.js';
import { DEFAULT_CONFIG, QUICK_OVERRIDES, resolveStudyConfig, splitMethods, studyVariants, UNAVAILABLE, type Method, type StudyConfig } from '../core/study/config.js';
import type { StudyProgress } from '../core/study/progress.js';
import { studyOfRun } from '../core/study/resume.js';
import { resumeStudy, runStudy } from '../core/study/run-study.js';
import type { ProgressEvent } from './contract.js';

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

/** What the UI asks for; everything left out takes the study's default (or the quick preset's). */
export interface StudyRequest {
  methods: Method[];
  backbone?: string;
  extraBackbones?: string[];
  split?: 'kfold' | 'fixed';
  folds?: number;
  seed?: number;
  quick?: boolean;
  category?: string;
  hardNegativeMaxIter?: number;
  gbm?: { maxIter?: number; learningRate?: number; maxLeafNodes?: number };
  finetune?: { epochs?: number; learningRate?: number };
}

export interface LossPoint {
  /** Position in the job's stream of loss reports (x of the curve). */
  step: number;
  loss: number;
  method?: string;
  fold?: number;
  epoch?: number;
}

/** The last progress report of a job, as it is sent to the UI. */
export interface JobProgress extends Omit<StudyProgress, 'phase'> {
  /** A study phase, or the job's own ('queued', 'finished'). */
  phase: string;
  epoch?: number;
  batch?: number;
  loss?: number;
}

export interface StudyJobView {
  job: string;
  project: string;
  state: JobState;
  methods: Method[];
  /** Requested methods this build cannot run, with the reason (shown, not silently dropped); `backbone` names an extra backbone. */
  unavailable: Array<{ method: Method; reason: string; backbone?: string }>;
  config: StudyConfig;
  quick: boolean;
  /** The run this job re-started from the beginning, if any. */
  restartOf: string | null;
  /** The run whose stopped study this job goes on with (its fold networks reused), if any. */
  resumeOf: string | null;
  runIds: string[];
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress | null;
  loss: LossPoint[];
  error: string | null;
  reportDir: string;
}

/** Loss points kept per job; older halves are thinned so a long fine-tune still draws a whole curve. */
const MAX_LOSS_POINTS = 2000;

const finiteOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Study progress plus the training fields (epoch, batch, loss) that fine-tuning reports when it has them. */
function toJobProgress(p: StudyProgress): JobProgress {
  const extra = p as StudyProgress & { epoch?: unknown; batch?: unknown; loss?: unknown };
  return {
    phase: p.phase,
    fold: p.fold,
    method: p.method,
    done: p.done,
    total: p.total,
    overall: p.overall,
    etaSeconds: p.etaSeconds,
    detail: p.detail,
    epoch: finiteOrUndefined(extra.epoch),
    batch: finiteOrUndefined(extra.batch),
    loss: finiteOrUndefined(extra.loss),
  };
}

/** A full study configuration from a UI request: the quick preset (when asked) under the user's values. */
export function configFromRequest(req: StudyRequest): StudyConfig {
  // A backbone added with `sonotl backbones add` while the app runs is usable without a restart.
  registerUserBackbones();
  const base = req.quick ? resolveStudyConfig(QUICK_OVERRIDES, DEFAULT_CONFIG) : DEFAULT_CONFIG;
  const input: Record<string, unknown> = { methods: req.methods };
  for (const key of ['backbone', 'extraBackbones', 'split', 'folds', 'seed', 'category', 'hardNegativeMaxIter'] as const) {
    if (req[key] !== undefined) input[key] = req[key];
  }
  if (req.gbm && Object.keys(req.gbm).length > 0) input.gbm = req.gbm;
  if (req.finetune && Object.keys(req.finetune).length > 0) input.finetune = req.finetune;
  return resolveStudyConfig(input, base);
}

/** The methods the Runs page offers, in the paper's order. */
export const OFFERED_METHODS = ['haar', 'na', 'pa', 'fa', 'fusion'] as const satisfies readonly Method[];

/** What the Runs form can offer: methods (with why one cannot run), backbones, and the two presets. */
export function studyOptions() {
  registerUserBackbones();
  const preset = (c: StudyConfig) => {
    // Present once fine-tuning (PA/FA) is part of the study configuration.
    const ft = (c as { finetune?: { epochs?: number; learningRate?: number } }).finetune;
    return {
      backbone: c.backbone,
      split: c.split,
      folds: c.folds,
      seed: c.seed,
      hardNegativeMaxIter: c.hardNegativeMaxIter,
      gbm: { maxIter: c.gbm.maxIter, learningRate: c.gbm.learningRate, maxLeafNodes: c.gbm.maxLeafNodes },
      finetune: ft ? { epochs: ft.epochs ?? null, learningRate: ft.learningRate ?? null } : null,
    };
  };
  return {
    methods: OFFERED_METHODS.map((method) => ({ method, available: !UNAVAILABLE[method], reason: UNAVAILABLE[method] ?? null })),
    backbones: listBackbones().map((b) => b.id),
    defaults: preset(DEFAULT_CONFIG),
    quick: preset(resolveStudyConfig(QUICK_OVERRIDES, DEFAULT_CONFIG)),
  };
}

/** The configuration a run was started with, for starting it again. */
export function configOfRun(project: Project, runId: string): StudyConfig {
  const run = getRun(project, runId);
  // Runs of one study were computed together (shared folds and features), so they are started again
  // together: with every backbone of the study, whichever backbone's run is restarted.
  const { study, ...stored } = run.config as Record<string, unknown> & { study?: { methods?: unknown; backbone?: unknown; extraBackbones?: unknown } };
  const groupMethods = Array.isArray(study?.methods) ? (study.methods as Method[]) : [run.method as Method];
  const group: Record<string, unknown> = { methods: groupMethods };
  if (typeof study?.backbone === 'string') group.backbone = study.backbone;
  if (Array.isArray(study?.extraBackbones)) group.extraBackbones = study.extraBackbones;
  try {
    return resolveStudyConfig({ ...stored, ...group });
  } catch (e) {
    throw new SonoError('BAD_INPUT', `run ${runId} cannot be restarted: its stored settings do not fit this version (${errorMessage(e)}); start a new run instead`, runId);
  }
}

interface Job {
  view: StudyJobView;
  controller: AbortController;
  before: Set<string>;
  resumed: string[] | null;
  project: Project;
  done: Promise<void>;
}

/**
 * Studies started from the UI: at most one at a time (the project has one writer, and two studies would
 * share two cores), each in the background — runStudy computes in a worker thread, so the process that
 * serves the UI keeps answering while it works. Progress goes out through `emit` as it arrives.
 */
export class StudyJobs {
  private current: Job | null = null;
  private last: Job | null = null;
  private counter = 0;

  constructor(
    private readonly emit: (e: ProgressEvent) => void,
    private readonly modelsDir?: string,
  ) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** Refuses work that would pull the project away from a running study (open, create, close). */
  assertIdle(action: string): void {
    const job = this.current;
    if (job) {
      throw new SonoError(
        'PROJECT_LOCKED',
        `cannot ${action}: study ${job.view.job} (${job.view.methods.join(', ')}) is running in ${job.view.project}; cancel it on the Runs page or wait for it to finish`,
        job.view.job,
      );
    }
  }

  /** Starts a study; resolves once its runs exist (or throws what made it impossible to start). */
  async start(project: Project, config: StudyConfig, opts: { quick?: boolean; restartOf?: string | null; resumeOf?: string | null } = {}): Promise<StudyJobView> {
    this.assertIdle('start another study');
    const { run, unavailable: mainUnavailable } = splitMethods(config.methods);
    if (run.length === 0) {
      throw new SonoError('BAD_INPUT', `none of the chosen methods can run here: ${mainUnavailable.map((u) => `${u.method.toUpperCase()} ${u.reason}`).join('; ')}`);
    }
    // What an extra backbone cannot run (PA / FA on one that cannot be fine-tuned) is shown with its name.
    const unavailable = [...mainUnavailable, ...studyVariants(config).slice(1).flatMap((v) => v.unavailable)];
    const job = `study-${Date.now().toString(36)}-${++this.counter}`;
    const controller = new AbortController();
    const view: StudyJobView = {
      job,
      project: project.dir,
      state: 'running',
      methods: config.methods,
      unavailable,
      config,
      quick: opts.quick ?? false,
      restartOf: opts.restartOf ?? null,
      resumeOf: opts.resumeOf ?? null,
      runIds: [],
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: null,
      loss: [],
      error: null,
      reportDir: join(project.dir, 'reports', job),
    };
    // A resumed study goes on in its own runs; they are the job's runs from the start.
    const resumed = opts.resumeOf ? studyOfRun(project, opts.resumeOf).runs.map((r) => r.id) : null;
    const statusBefore = new Map(listRuns(project).map((r) => [r.id, r.status]));
    const entry: Job = { view, controller, before: new Set(statusBefore.keys()), resumed, project, done: Promise.resolve() };
    this.current = entry;

    let lossStep = 0;
    const onProgress = (p: StudyProgress): void => {
      const progress = toJobProgress(p);
      view.progress = progress;
      if (progress.loss !== undefined) {
        view.loss.push({ step: lossStep++, loss: progress.loss, method: progress.method, fold: progress.fold, epoch: progress.epoch });
        if (view.loss.length > MAX_LOSS_POINTS) view.loss = view.loss.filter((_, i) => i % 2 === 1 || i >= MAX_LOSS_POINTS / 2);
      }
      this.emit({ type: 'progress', job, state: 'running', ...progress });
    };

    const common = { outDir: view.reportDir, onProgress, signal: controller.signal, modelsDir: this.modelsDir };
    const promise = opts.resumeOf ? resumeStudy(project, { ...common, runId: opts.resumeOf }) : runStudy(project, { ...common, config });
    // runStudy checks its inputs and creates its runs before its first await: a study that cannot
    // start (no boxes, unknown category) has already rejected by the next turn of the event loop.
    const early = await Promise.race([promise.then(() => null, (e: unknown) => ({ e })), new Promise<null>((r) => setImmediate(() => r(null)))]);
    this.refreshRunIds(entry);
    // A resume refused before it touched its runs (settings, changed images) is an error of the call, as a start's.
    const untouched = resumed !== null && listRuns(project).every((r) => !resumed.includes(r.id) || r.status === statusBefore.get(r.id));
    if (early && (view.runIds.length === 0 || untouched)) {
      this.current = null;
      throw early.e;
    }
    entry.done = promise.then(
      () => this.finish(entry, 'done', null),
      (e: unknown) => this.finish(entry, controller.signal.aborted ? 'cancelled' : 'failed', errorMessage(e).split('\n')[0]),
    );
    return this.snapshot(entry);
  }

  /** Goes on with the stopped study of run `runId`, in its runs and with its settings (see resumeStudy). */
  async resume(project: Project, runId: string): Promise<StudyJobView> {
    this.assertIdle('resume a study');
    const { config } = studyOfRun(project, runId);
    return this.start(project, config, { resumeOf: runId });
  }

  private finish(entry: Job, state: JobState, error: string | null): void {
    const { view } = entry;
    this.refreshRunIds(entry);
    view.state = state;
    view.error = error;
    view.finishedAt = new Date().toISOString();
    if (this.current === entry) this.current = null;
    this.last = entry;
    this.emit({
      type: 'progress',
      job: view.job,
      phase: 'finished',
      state,
      done: 1,
      total: 1,
      overall: state === 'done' ? 1 : (view.progress?.overall ?? 0),
      etaSeconds: 0,
      detail: error ?? undefined,
    });
  }

  /** The study's runs are the ones that appeared in the project after it started (one study at a time). */
  private refreshRunIds(entry: Job): void {
    if (!entry.project.db.open) return;
    entry.view.runIds = listRuns(entry.project)
      .filter((r) => (entry.resumed ? entry.resumed.includes(r.id) : !entry.before.has(r.id)))
      .map((r) => r.id);
  }

  private snapshot(entry: Job): StudyJobView {
    if (entry.view.runIds.length === 0 && entry.view.state === 'running') this.refreshRunIds(entry);
    return { ...entry.view, loss: [...entry.view.loss], runIds: [...entry.view.runIds] };
  }

  /** The running study, else the last one that finished in this project (so a reloaded page sees it). */
  active(project: Project | null): StudyJobView | null {
    const entry = this.current ?? this.last;
    if (!entry || !project || entry.view.project !== project.dir) return null;
    return this.snapshot(entry);
  }

  /** Asks the running study to stop; it ends as 'cancelled' once the worker has stopped. */
  cancel(job?: string): { cancelled: string | null } {
    const entry = this.current;
    if (!entry || (job && entry.view.job !== job)) return { cancelled: null };
    entry.controller.abort();
    return { cancelled: entry.view.job };
  }

  /** Resolves when the running study (if any) has ended and its runs are stored. */
  async settled(): Promise<void> {
    await this.current?.done;
  }
}
