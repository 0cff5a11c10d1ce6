import type { z } from 'zod';
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
  listRuns,
  projectInfo,
  redo,
  setSplit,
  undo,
  undoState,
  updateAnnotation,
  type Project,
} from '../core/project/index.js';
import type { ApiMethod, contract, ProgressEvent } from './contract.js';
import type { Session } from './session.js';

type Input<M extends ApiMethod> = z.output<(typeof contract)[M]['input']>;

export interface ServiceContext {
  session: Session;
  /** Recorded as the author of edits (the workstation user, or the bridge's configured user). */
  author: string;
  emit?: (event: ProgressEvent) => void;
}

/**
 * The backend behind the contract: thin calls into the core. Each write returns only after its
 * transaction committed, so a response of "saved" means it is on disk.
 */
export function createService(ctx: ServiceContext) {
  const { session, author } = ctx;
  const describe = (project: Project | null) => (project ? { dir: project.dir } : null);
  const service = {
    'session.current': async (_: Input<'session.current'>) => describe(session.current),
    'session.open': async (i: Input<'session.open'>) => describe(session.open(i.dir)),
    'session.create': async (i: Input<'session.create'>) => describe(session.open(i.dir, true)),
    'session.close': async (_: Input<'session.close'>) => {
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
    'runs.list': async (_: Input<'runs.list'>) => listRuns(session.require()),
  } satisfies { [M in ApiMethod]: (input: Input<M>) => Promise<unknown> };
  return service;
}

export type Service = ReturnType<typeof createService>;
/** What each method resolves to: the renderer's view of the backend. */
export type ApiOutput<M extends ApiMethod> = Awaited<ReturnType<Service[M]>>;
export type Api = { [M in ApiMethod]: (input: z.input<(typeof contract)[M]['input']>) => Promise<ApiOutput<M>> };
