import type { DispatchResult, Platform, ProgressEvent } from '../platform/types';
import type { Annotation, Box, Category, ImageSummary, LossCurves, ReviewItem, ReviewWindow, RunRow, StudyJob, Table1Row } from '../lib/types';

/**
 * An in-memory stand-in for the backend, for store and component tests: the same method names and
 * result shapes as the real service, with a simple per-image undo log and switches to make a method
 * fail or hang.
 */
export interface FakeBackend extends Platform {
  calls: Array<{ method: string; input: any }>;
  images: ImageSummary[];
  annotations: Annotation[];
  categories: Category[];
  /** Methods that answer with this error until cleared. */
  failing: Map<string, { code: string; message: string }>;
  /** Methods whose answers wait until `release()`. */
  holding: Set<string>;
  release(): void;
  emit(e: ProgressEvent): void;
  callsOf(method: string): any[];
  /** Studies: the project's runs, the current job, stored detections per run, Table 1 rows. */
  runs: RunRow[];
  job: StudyJob | null;
  detections: Map<string, ReviewItem[]>;
  /** Candidate windows per detection id (a detection without an entry has none stored). */
  windows: Map<number, ReviewWindow[]>;
  table: Table1Row[];
  /** What runs.losses answers (filtered by runIds). */
  losses: LossCurves[];
  unavailable: Record<string, string>;
  /** Ends the current job the way the real backend does: run statuses, then a 'finished' event. */
  finishJob(state: 'done' | 'failed' | 'cancelled', error?: string): void;
}

export function makeRun(id: string, over: Partial<RunRow> = {}): RunRow {
  return {
    id,
    method: 'na',
    backbone: 'mobilenet_v2_0.35_224',
    level: 'na',
    status: 'done',
    config: {},
    backend: 'cpu',
    error: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    metrics: [],
    ...over,
  };
}

/** `n` windows around a box, best first, with falling scores. */
export function makeWindows(n: number, around: Box = { x: 100, y: 100, w: 200, h: 150 }): ReviewWindow[] {
  return Array.from({ length: n }, (_, i) => ({ rank: i + 1, x: around.x + 8 * i, y: around.y - 4 * i, w: around.w, h: around.h, score: 0.95 - 0.05 * i }));
}

export function makeReviewItem(detectionId: number, imageId: number, dice: number | null, over: Partial<ReviewItem> = {}): ReviewItem {
  return {
    detectionId,
    imageId,
    imageName: `scan_${imageId}.png`,
    relPath: `images/${imageId}.png`,
    width: 800,
    height: 540,
    subject: null,
    categoryId: 1,
    box: { x: 100, y: 100, w: 200, h: 150 },
    score: 0.9,
    dice,
    truths: [{ id: 9000 + imageId, x: 120, y: 110, w: 220, h: 160 }],
    ...over,
  };
}

type Edit = { annotationId: number; before: Annotation | null; after: Annotation | null };

export function makeImage(id: number, over: Partial<ImageSummary> = {}): ImageSummary {
  const sha = id.toString(16).padStart(64, '0');
  return {
    id,
    sourceSha256: sha,
    sourceName: `scan_${id}.png`,
    frame: 0,
    fileSha256: sha,
    fileExt: 'png',
    originalName: `scan_${id}.png`,
    width: 800,
    height: 540,
    channels: 1,
    bitDepth: 8,
    subject: null,
    split: null,
    modality: 'US',
    metadata: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    relPath: `images/${sha.slice(0, 2)}/${sha}.png`,
    boxCount: 0,
    ...over,
  };
}

/** A study job the fake has just started: the fields every start, restart and resume shares. */
function runningJob(fields: Pick<StudyJob, 'job' | 'methods' | 'unavailable' | 'config' | 'quick' | 'restartOf' | 'resumeOf' | 'runIds'>): StudyJob {
  return {
    ...fields,
    project: '/fake/project',
    state: 'running',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: null,
    progress: null,
    loss: [],
    error: null,
    reportDir: '/fake/project/reports/x',
  };
}

export function createFakeBackend(imageCount = 3): FakeBackend {
  const listeners = new Set<(e: ProgressEvent) => void>();
  const done = new Map<number, Edit[]>();
  const undone = new Map<number, Edit[]>();
  let nextId = 1000;
  let waiting: Array<() => void> = [];
  const stackOf = (m: Map<number, Edit[]>, imageId: number) => {
    if (!m.has(imageId)) m.set(imageId, []);
    return m.get(imageId)!;
  };

  const fake: FakeBackend = {
    calls: [],
    runs: [],
    job: null,
    detections: new Map(),
    windows: new Map(),
    table: [],
    losses: [],
    unavailable: { pa: 'not available: fine-tuning is not built yet', fa: 'not available: fine-tuning is not built yet' },
    finishJob(state, error) {
      const job = fake.job;
      if (!job) throw new Error('the fake backend has no job to finish');
      job.state = state;
      job.error = error ?? null;
      for (const r of fake.runs) if (job.runIds.includes(r.id)) Object.assign(r, { status: state, error: error ?? null });
      fake.emit({ type: 'progress', job: job.job, phase: 'finished', state, done: 1, total: 1, overall: state === 'done' ? 1 : (job.progress?.overall ?? 0), etaSeconds: 0, detail: error });
    },
    images: Array.from({ length: imageCount }, (_, i) => makeImage(i + 1)),
    annotations: [],
    categories: [{ id: 1, name: 'kidney', color: '#E69F00' }],
    failing: new Map(),
    holding: new Set(),
    release() {
      const w = waiting;
      waiting = [];
      for (const r of w) r();
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
    callsOf(method) {
      return fake.calls.filter((c) => c.method === method).map((c) => c.input);
    },
    async call(method: string, input: any): Promise<DispatchResult> {
      fake.calls.push({ method, input });
      if (fake.holding.has(method)) await new Promise<void>((r) => waiting.push(r));
      const failure = fake.failing.get(method);
      if (failure) return { ok: false, error: failure };
      try {
        return { ok: true, value: handle(method, input) };
      } catch (e) {
        return { ok: false, error: { code: 'NOT_FOUND', message: (e as Error).message } };
      }
    },
    onEvent(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    fileUrl: (rel) => `fake://files/${rel}`,
    thumbUrl: (id, size) => `fake://thumbs/${id}?size=${size}`,
  };

  const live = (imageId: number) => fake.annotations.filter((a) => a.imageId === imageId);
  const boxCount = (img: ImageSummary) => ({ ...img, boxCount: live(img.id).length });
  function filtered(filter: any = {}): ImageSummary[] {
    return fake.images
      .map(boxCount)
      .filter((i) => !filter.unannotated || i.boxCount === 0)
      .filter((i) => !filter.search || i.originalName.toLowerCase().includes(String(filter.search).toLowerCase()))
      .filter((i) => !filter.subject || i.subject === filter.subject)
      .filter((i) => !filter.split || (filter.split === 'none' ? i.split === null : i.split === filter.split));
  }
  function setState(id: number, state: Annotation | null): void {
    fake.annotations = fake.annotations.filter((a) => a.id !== id);
    if (state) fake.annotations.push({ ...state });
    fake.annotations.sort((a, b) => a.id - b.id);
  }
  function record(imageId: number, edit: Edit): void {
    stackOf(done, imageId).push(edit);
    stackOf(undone, imageId).length = 0;
  }
  function getAnn(id: number): Annotation {
    const a = fake.annotations.find((x) => x.id === id);
    if (!a) throw new Error(`annotation ${id} does not exist (deleted or never saved)`);
    return a;
  }
  function step(imageId: number, from: Map<number, Edit[]>, to: Map<number, Edit[]>, undo: boolean) {
    const edit = stackOf(from, imageId).pop();
    if (edit) {
      setState(edit.annotationId, undo ? edit.before : edit.after);
      stackOf(to, imageId).push(edit);
    }
    return { entry: edit ? { annotationId: edit.annotationId } : null, canUndo: stackOf(done, imageId).length > 0, canRedo: stackOf(undone, imageId).length > 0 };
  }

  function handle(method: string, i: any): unknown {
    switch (method) {
      case 'session.current':
        return { dir: '/fake/project' };
      case 'session.recent':
        return ['/fake/project'];
      case 'project.info':
        return { dir: '/fake/project', images: fake.images.length, annotatedImages: 0, boxes: fake.annotations.length, boxesPerCategory: {}, subjects: 0, imagesWithoutSubject: fake.images.length, splits: { train: 0, val: 0, test: 0, none: fake.images.length }, runs: [] };
      case 'images.list': {
        const all = filtered(i.filter);
        return { total: all.length, items: all.slice(i.offset, i.offset + i.limit) };
      }
      case 'images.get': {
        const img = fake.images.find((x) => x.id === i.imageId);
        if (!img) throw new Error(`image ${i.imageId} is not in this project`);
        return boxCount(img);
      }
      case 'categories.list':
        return fake.categories;
      case 'categories.ensure': {
        let c = fake.categories.find((x) => x.name === i.name);
        if (!c) fake.categories.push((c = { id: fake.categories.length + 1, name: i.name, color: '#56B4E9' }));
        return c;
      }
      case 'annotations.list':
        return live(i.imageId);
      case 'annotations.create': {
        const cat = fake.categories.find((c) => c.id === i.categoryId)!;
        const a: Annotation = { id: nextId++, imageId: i.imageId, categoryId: i.categoryId, category: cat.name, ...(i.box as Box), author: 'test', createdAt: '', updatedAt: '' };
        fake.annotations.push(a);
        record(i.imageId, { annotationId: a.id, before: null, after: { ...a } });
        return a;
      }
      case 'annotations.update': {
        const before = { ...getAnn(i.annotationId) };
        const after = { ...before, ...(i.box ?? {}), categoryId: i.categoryId ?? before.categoryId };
        setState(before.id, after);
        record(before.imageId, { annotationId: before.id, before, after: { ...after } });
        return after;
      }
      case 'annotations.delete': {
        const before = { ...getAnn(i.annotationId) };
        setState(before.id, null);
        record(before.imageId, { annotationId: before.id, before, after: null });
        return { deleted: before.id };
      }
      case 'edits.undo':
        return step(i.imageId, done, undone, true);
      case 'edits.redo':
        return step(i.imageId, undone, done, false);
      case 'edits.state':
        return { canUndo: stackOf(done, i.imageId).length > 0, canRedo: stackOf(undone, i.imageId).length > 0 };
      case 'runs.options': {
        const preset = (folds: number, maxIter: number) => ({ backbone: 'mobilenet_v2_0.35_224', split: 'kfold', folds, seed: 1, hardNegativeMaxIter: 40, gbm: { maxIter, learningRate: 0.1, maxLeafNodes: 15 }, finetune: { epochs: 3, learningRate: 1e-4 } });
        return {
          methods: ['haar', 'na', 'pa', 'fa', 'fusion'].map((m) => ({ method: m, available: !fake.unavailable[m], reason: fake.unavailable[m] ?? null })),
          backbones: ['mobilenet_v2_0.35_224', 'caffenet'],
          defaults: preset(5, 100),
          quick: preset(3, 40),
        };
      }
      case 'runs.list':
        return fake.runs.map((r) => ({ ...r }));
      case 'runs.active':
        return fake.job ? { ...fake.job, loss: [...fake.job.loss] } : null;
      case 'runs.start':
      case 'runs.restart': {
        if (fake.job?.state === 'running') throw new Error(`cannot start another study: study ${fake.job.job} is running`);
        const methods = method === 'runs.start' ? i.methods : [fake.runs.find((r) => r.id === i.runId)?.method ?? 'na'];
        const n = fake.runs.length;
        const runIds = methods.filter((m: string) => !fake.unavailable[m]).map((_: string, k: number) => `r-fake-${n + k + 1}`);
        for (const [k, id] of runIds.entries()) fake.runs.push(makeRun(id, { method: methods[k], status: 'running', finishedAt: null }));
        fake.job = runningJob({
          job: `study-fake-${n + 1}`,
          methods,
          unavailable: methods.filter((m: string) => fake.unavailable[m]).map((m: string) => ({ method: m, reason: fake.unavailable[m] })),
          config: { folds: i.folds ?? 3, split: i.split ?? 'kfold', backbone: i.backbone ?? 'mobilenet_v2_0.35_224' } as StudyJob['config'],
          quick: i.quick ?? false,
          restartOf: method === 'runs.restart' ? i.runId : null,
          resumeOf: null,
          runIds,
        });
        return { ...fake.job };
      }
      case 'runs.resume': {
        if (fake.job?.state === 'running') throw new Error(`cannot resume a study: study ${fake.job.job} is running`);
        const run = fake.runs.find((r) => r.id === i.runId);
        if (!run) throw new Error(`run ${i.runId} is not in this project`);
        if (run.status !== 'cancelled' && run.status !== 'interrupted' && run.status !== 'failed') throw new Error(`the study of run ${i.runId} cannot be resumed (${run.status})`);
        run.status = 'running';
        run.error = null;
        fake.job = runningJob({
          job: `study-fake-${fake.runs.length + 1}`,
          methods: [run.method] as StudyJob['methods'],
          unavailable: [],
          config: { folds: 3, split: 'kfold', backbone: run.backbone ?? 'mobilenet_v2_0.35_224' } as StudyJob['config'],
          quick: false,
          restartOf: null,
          resumeOf: i.runId,
          runIds: [run.id],
        });
        return { ...fake.job };
      }
      case 'runs.cancel':
        return { cancelled: fake.job?.state === 'running' ? fake.job.job : null };
      case 'runs.detections': {
        const run = fake.runs.find((r) => r.id === i.runId);
        if (!run) throw new Error(`run ${i.runId} is not in this project`);
        const all = fake.detections.get(i.runId) ?? [];
        const shown = all.filter((d) => i.below === undefined || (d.dice !== null && d.dice < i.below));
        const dir = i.sort === '-dice' ? -1 : 1;
        shown.sort((a, b) => (i.sort === 'image' ? a.imageId - b.imageId : dir * ((a.dice ?? -1) - (b.dice ?? -1))));
        return {
          run,
          scope: 'cv',
          scopes: ['cv'],
          evaluated: all.length,
          failures: all.filter((d) => d.dice !== null && d.dice < 0.8).length,
          total: shown.length,
          items: shown.slice(i.offset, i.offset + i.limit).map((d) => ({ ...d, truths: fake.annotations.filter((a) => a.imageId === d.imageId).map((a) => ({ id: a.id, x: a.x, y: a.y, w: a.w, h: a.h })).concat(d.truths) })),
        };
      }
      case 'runs.table':
        return fake.table;
      case 'runs.windows': {
        const d = [...fake.detections.values()].flat().find((x) => x.detectionId === i.detectionId);
        if (!d) throw new Error(`detection ${i.detectionId} is not in this project (its run may have been run again since)`);
        const runId = [...fake.detections].find(([, ds]) => ds.includes(d))![0];
        return { detectionId: d.detectionId, runId, imageId: d.imageId, windows: (fake.windows.get(d.detectionId) ?? []).map((w) => ({ ...w })) };
      }
      case 'runs.losses':
        return fake.losses.filter((l) => !i.runIds || i.runIds.includes(l.runId));
      default:
        throw new Error(`the fake backend has no ${method}`);
    }
  }

  return fake;
}
