import type { z } from 'zod';
import { analysisViewData } from '../core/analysis/analysis-view-data.js';
import { analyzeRun } from '../core/analysis/run-analysis.js';
import { exportAnnotations } from '../core/export/export-annotations.js';
import { importInputs } from '../core/import/run-import.js';
import {
  createAnnotation,
  deleteAnnotation,
  ensureCategory,
  getImage,
  listAnnotations,
  listCategories,
  listImages,
  projectInfo,
  redo,
  setSplit,
  undo,
  undoState,
  updateAnnotation,
  type Project,
} from '../core/project/index.js';
import type { ApiMethod, contract, ProgressEvent } from './contract.js';
import { detectionWindows, lossCurves, reviewPage, runsWithMetrics, table1Entries } from './run-results.js';
import type { Session } from './session.js';
import { configFromRequest, configOfRun, StudyJobs, studyOptions } from './study-jobs.js';

type Input<M extends ApiMethod> = z.output<(typeof contract)[M]['input']>;

export interface ServiceContext {
  session: Session;
  /** Recorded as the author of edits (the workstation user, or the bridge's configured user). */
  author: string;
  emit?: (event: ProgressEvent) => void;
  /** Folder holding `<backbone>/model.json` for studies; default: SONOTL_MODELS or the user's model cache. */
  modelsDir?: string;
}

/**
 * The backend behind the contract: thin calls into the core. Each write returns only after its
 * transaction committed, so a response of "saved" means it is on disk.
 */
export function createService(ctx: ServiceContext) {
  const { session, author } = ctx;
  const describe = (project: Project | null) => (project ? { dir: project.dir } : null);
  const jobs = new StudyJobs((e) => ctx.emit?.(e), ctx.modelsDir);
  const service = {
    'session.current': async (_: Input<'session.current'>) => describe(session.current),
    'session.open': async (i: Input<'session.open'>) => {
      jobs.assertIdle(`open ${i.dir}`);
      return describe(session.open(i.dir));
    },
    'session.create': async (i: Input<'session.create'>) => {
      jobs.assertIdle(`create ${i.dir}`);
      return describe(session.open(i.dir, true));
    },
    'session.close': async (_: Input<'session.close'>) => {
      jobs.assertIdle('close the project');
      session.close();
      return null;
    },
    'session.recent': async (_: Input<'session.recent'>) => session.recent(),
    'project.info': async (_: Input<'project.info'>) => projectInfo(session.require()),
    'images.list': async (i: Input<'images.list'>) => listImages(session.require(), { offset: i.offset, limit: i.limit }, i.filter),
    'images.get': async (i: Input<'images.get'>) => getImage(session.require(), i.imageId),
    'images.setSplit': async (i: Input<'images.setSplit'>) => {
      setSplit(session.require(), i.imageIds, i.split);
      return { updated: i.imageIds.length };
    },
    'categories.list': async (_: Input<'categories.list'>) => listCategories(session.require()),
    'categories.ensure': async (i: Input<'categories.ensure'>) => {
      const categoryId = ensureCategory(session.require(), i.name.trim());
      return listCategories(session.require()).find((c) => c.id === categoryId)!;
    },
    'annotations.list': async (i: Input<'annotations.list'>) => listAnnotations(session.require(), i.imageId),
    'annotations.create': async (i: Input<'annotations.create'>) => createAnnotation(session.require(), { ...i, author }),
    'annotations.update': async (i: Input<'annotations.update'>) =>
      updateAnnotation(session.require(), i.annotationId, { box: i.box, categoryId: i.categoryId }, author),
    'annotations.delete': async (i: Input<'annotations.delete'>) => {
      deleteAnnotation(session.require(), i.annotationId, author);
      return { deleted: i.annotationId };
    },
    'edits.undo': async (i: Input<'edits.undo'>) => undo(session.require(), i.imageId, author),
    'edits.redo': async (i: Input<'edits.redo'>) => redo(session.require(), i.imageId, author),
    'edits.state': async (i: Input<'edits.state'>) => undoState(session.require(), i.imageId),
    'import.run': async (i: Input<'import.run'>) => {
      const job = `import-${Date.now()}`;
      return importInputs(session.require(), i.paths, {
        annotations: i.annotations,
        author,
        onProgress: (p) => ctx.emit?.({ type: 'progress', job, phase: 'import', done: p.done, total: p.total, detail: p.file }),
      });
    },
    'export.run': async (i: Input<'export.run'>) => exportAnnotations(session.require(), i.format, i.out),
    'runs.list': async (_: Input<'runs.list'>) => runsWithMetrics(session.require()),
    'runs.options': async (_: Input<'runs.options'>) => studyOptions(),
    'runs.start': async (i: Input<'runs.start'>) => jobs.start(session.require(), configFromRequest(i), { quick: i.quick }),
    'runs.active': async (_: Input<'runs.active'>) => jobs.active(session.current),
    'runs.cancel': async (i: Input<'runs.cancel'>) => jobs.cancel(i.job),
    'runs.restart': async (i: Input<'runs.restart'>) => {
      const project = session.require();
      return jobs.start(project, configOfRun(project, i.runId), { restartOf: i.runId });
    },
    'runs.resume': async (i: Input<'runs.resume'>) => jobs.resume(session.require(), i.runId),
    'runs.detections': async (i: Input<'runs.detections'>) => reviewPage(session.require(), i),
    'runs.table': async (i: Input<'runs.table'>) => table1Entries(session.require(), i.runIds),
    'runs.windows': async (i: Input<'runs.windows'>) => detectionWindows(session.require(), i.detectionId),
    'runs.losses': async (i: Input<'runs.losses'>) => lossCurves(session.require(), i.runIds),
    'analysis.run': async (i: Input<'analysis.run'>) =>
      analysisViewData(
        await analyzeRun(session.require(), i.runId, {
          image: i.imageId,
          model: i.model,
          threshold: i.threshold,
          ridges: i.ridges,
          locate: ctx.modelsDir ? { env: { SONOTL_MODELS: ctx.modelsDir } } : undefined,
        }),
      ),
  } satisfies { [M in ApiMethod]: (input: Input<M>) => Promise<unknown> };
  return Object.assign(service, { [STUDY_JOBS]: jobs });
}

/** The service's study runner, for doors that must wait for or stop a study (shutdown, tests). */
export const STUDY_JOBS = Symbol('studyJobs');
export function studyJobsOf(service: Service): StudyJobs {
  return service[STUDY_JOBS];
}

export type Service = ReturnType<typeof createService>;
/** What each method resolves to: the renderer's view of the backend. */
export type ApiOutput<M extends ApiMethod> = Awaited<ReturnType<Service[M]>>;
export type Api = { [M in ApiMethod]: (input: z.input<(typeof contract)[M]['input']>) => Promise<ApiOutput<M>> };
