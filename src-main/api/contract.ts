import { z } from 'zod';

/**
 * The one API contract between the UI and the backend. Electron IPC and the browser bridge both route
 * every call through `dispatch` (dispatch.ts), which validates the input against these schemas, so
 * no handler ever sees unchecked data. The renderer imports only the types below (`import type`), never
 * zod or the backend.
 */

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);
const path = text(4096).min(1);
const coord = z.number().finite().min(-1e7).max(1e7);

export const BoxSchema = z.object({ x: coord, y: coord, w: coord, h: coord }).strict();
export const SplitSchema = z.enum(['train', 'val', 'test']);
export const FormatSchema = z.enum(['coco', 'voc', 'yolo', 'csv']);

export const ImageFilterSchema = z
  .object({
    unannotated: z.boolean().optional(),
    split: z.enum(['train', 'val', 'test', 'none']).optional(),
    subject: text(200).optional(),
    search: text(500).optional(),
    failuresOfRun: text(100).optional(),
    failureBelow: z.number().min(0).max(1).optional(),
  })
  .strict();

const empty = z.object({}).strict();
const runId = text(100).min(1);

/** Methods the Runs page offers: Haar, CNN features at the three adaptation levels, and Haar+CNN fusion. */
export const RunMethodSchema = z.enum(['haar', 'na', 'pa', 'fa', 'fusion']);

export const StudyStartSchema = z
  .object({
    methods: z.array(RunMethodSchema).min(1).max(5),
    backbone: text(200).min(1).optional(),
    /** More backbones whose CNN methods also run, on the same folds (Haar once). */
    extraBackbones: z.array(text(200).min(1)).max(8).optional(),
    split: z.enum(['kfold', 'fixed']).optional(),
    folds: z.number().int().min(3).max(50).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    /** Smaller folds, windows and classifiers: a first look in a minute or two. */
    quick: z.boolean().optional(),
    category: text(200).min(1).optional(),
    hardNegativeMaxIter: z.number().int().min(1).max(5000).optional(),
    gbm: z
      .object({
        maxIter: z.number().int().min(1).max(5000).optional(),
        learningRate: z.number().gt(0).max(10).optional(),
        maxLeafNodes: z.number().int().min(2).max(1024).optional(),
      })
      .strict()
      .optional(),
    /** Fine-tuning of the PA and FA networks. */
    finetune: z
      .object({
        epochs: z.number().int().min(1).max(1000).optional(),
        learningRate: z.number().gt(0).max(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const contract = {
  'session.current': { input: empty },
  'session.open': { input: z.object({ dir: path }).strict() },
  'session.create': { input: z.object({ dir: path }).strict() },
  'session.close': { input: empty },
  'session.recent': { input: empty },
  'project.info': { input: empty },
  'images.list': {
    input: z
      .object({ offset: z.number().int().min(0).max(1e9), limit: z.number().int().min(1).max(1000), filter: ImageFilterSchema.optional() })
      .strict(),
  },
  'images.get': { input: z.object({ imageId: id }).strict() },
  'images.setSplit': { input: z.object({ imageIds: z.array(id).max(100_000), split: SplitSchema.nullable() }).strict() },
  'categories.list': { input: empty },
  'categories.ensure': { input: z.object({ name: text(100).min(1) }).strict() },
  'annotations.list': { input: z.object({ imageId: id }).strict() },
  'annotations.create': { input: z.object({ imageId: id, categoryId: id, box: BoxSchema }).strict() },
  'annotations.update': { input: z.object({ annotationId: id, box: BoxSchema.optional(), categoryId: id.optional() }).strict() },
  'annotations.delete': { input: z.object({ annotationId: id }).strict() },
  'edits.undo': { input: z.object({ imageId: id }).strict() },
  'edits.redo': { input: z.object({ imageId: id }).strict() },
  'edits.state': { input: z.object({ imageId: id }).strict() },
  'import.run': {
    input: z
      .object({ paths: z.array(path).min(1).max(10_000), annotations: z.object({ format: FormatSchema, path }).strict().optional() })
      .strict(),
  },
  'export.run': { input: z.object({ format: FormatSchema, out: path }).strict() },
  'runs.list': { input: empty },
  'runs.options': { input: empty },
  'runs.start': { input: StudyStartSchema },
  'runs.active': { input: empty },
  'runs.cancel': { input: z.object({ job: text(100).min(1).optional() }).strict() },
  'runs.restart': { input: z.object({ runId }).strict() },
  /** Goes on with a stopped study (any of its runs): stored fold networks reused, the rest computed again. */
  'runs.resume': { input: z.object({ runId }).strict() },
  'runs.detections': {
    input: z
      .object({
        runId,
        scope: z.enum(['cv', 'test']).optional(),
        below: z.number().min(0).max(1).optional(),
        sort: z.enum(['dice', '-dice', 'image']).optional(),
        offset: z.number().int().min(0).max(1e9),
        limit: z.number().int().min(1).max(1000),
      })
      .strict(),
  },
  'runs.table': { input: z.object({ runIds: z.array(runId).max(10_000).optional() }).strict() },
  /** The top-scoring candidate windows of one detection, for Review's inspector. */
  'runs.windows': { input: z.object({ detectionId: id }).strict() },
  /** Per-epoch training and validation losses of the runs' fine-tuned networks, for Compare. */
  'runs.losses': { input: z.object({ runIds: z.array(runId).max(10_000).optional() }).strict() },
  'analysis.run': {
    input: z
      .object({
        runId,
        imageId: id.optional(),
        model: text(100).min(1).optional(),
        threshold: z.number().finite().min(0).max(100).optional(),
        ridges: z.enum(['bright', 'dark']).optional(),
      })
      .strict(),
  },
} as const;

export type ApiMethod = keyof typeof contract;
export type ApiInput<M extends ApiMethod> = z.input<(typeof contract)[M]['input']>;

/** Errors cross the wire as data: a code to branch on and a message that names the object and the problem. */
export interface ApiErrorBody {
  code: string;
  message: string;
  subject?: string;
}

/** Progress of long work (imports, studies), pushed to the UI as events. */
export interface ProgressEvent {
  type: 'progress';
  job: string;
  phase: string;
  done: number;
  total: number;
  detail?: string;
  /** Studies: 'finished' events carry how the job ended (detail holds the error text). */
  state?: 'running' | 'done' | 'failed' | 'cancelled';
  fold?: number;
  method?: string;
  /** The whole job, 0..1, and the seconds it still needs (null until there is a rate). */
  overall?: number;
  etaSeconds?: number | null;
  /** Training steps, when the phase trains a network. */
  epoch?: number;
  batch?: number;
  loss?: number;
}

export const API_METHODS = Object.keys(contract) as ApiMethod[];
