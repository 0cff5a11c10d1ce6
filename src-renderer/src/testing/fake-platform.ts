import type { DispatchResult, Platform, ProgressEvent } from '../platform/types';
import type { Annotation, Box, Category, ImageSummary } from '../lib/types';

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
      default:
        throw new Error(`the fake backend has no ${method}`);
    }
  }

  return fake;
}
