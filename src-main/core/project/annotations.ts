import { SonoError } from '../errors.js';
import { roundCoord } from '../io/types.js';
import { nowIso } from '../util/time.js';
import { appendEdit, type AnnotationState } from './edit-log.js';
import type { Project } from './open.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Annotation extends Box {
  id: number;
  imageId: number;
  categoryId: number;
  category: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

interface AnnotationRow {
  id: number;
  image_id: number;
  category_id: number;
  category: string;
  x: number;
  y: number;
  w: number;
  h: number;
  author: string;
  created_at: string;
  updated_at: string;
  deleted: number;
}

const SELECT = `SELECT a.*, c.name AS category FROM annotations a JOIN categories c ON c.id = a.category_id`;

function fromRow(r: AnnotationRow): Annotation {
  return {
    id: r.id,
    imageId: r.image_id,
    categoryId: r.category_id,
    category: r.category,
    x: r.x,
    y: r.y,
    w: r.w,
    h: r.h,
    author: r.author,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function listAnnotations(project: Project, imageId: number): Annotation[] {
  assertImage(project, imageId);
  const rows = project.db.prepare(`${SELECT} WHERE a.image_id = ? AND a.deleted = 0 ORDER BY a.id`).all(imageId) as AnnotationRow[];
  return rows.map(fromRow);
}

export function getAnnotation(project: Project, id: number): Annotation {
  const row = project.db.prepare(`${SELECT} WHERE a.id = ? AND a.deleted = 0`).get(id) as AnnotationRow | undefined;
  if (!row) throw new SonoError('NOT_FOUND', `annotation ${id} does not exist (deleted or never saved)`, String(id));
  return fromRow(row);
}

/** Every live box of the project with its image's name: the input of exports and studies. */
export function allAnnotations(project: Project): Array<Annotation & { imageName: string }> {
  const rows = project.db
    .prepare(`${SELECT.replace('FROM annotations a', ', i.original_name AS image_name FROM annotations a JOIN images i ON i.id = a.image_id')} WHERE a.deleted = 0 ORDER BY a.image_id, a.id`)
    .all() as Array<AnnotationRow & { image_name: string }>;
  return rows.map((r) => ({ ...fromRow(r), imageName: r.image_name }));
}

/** Rounds to the stored grid and checks the box lies on the image (half a pixel of slack for rounding). */
export function normaliseBox(box: Box, image: { width: number; height: number; id: number }): Box {
  const b = { x: roundCoord(box.x), y: roundCoord(box.y), w: roundCoord(box.w), h: roundCoord(box.h) };
  if (![b.x, b.y, b.w, b.h].every(Number.isFinite)) throw new SonoError('BAD_INPUT', `box on image ${image.id} has a non-numeric coordinate`);
  if (b.w <= 0 || b.h <= 0) throw new SonoError('BAD_INPUT', `box on image ${image.id} has zero or negative size (${b.w}x${b.h})`);
  const slack = 0.5;
  if (b.x < -slack || b.y < -slack || b.x + b.w > image.width + slack || b.y + b.h > image.height + slack) {
    throw new SonoError('BAD_INPUT', `box (${b.x}, ${b.y}, ${b.w}x${b.h}) lies outside the ${image.width}x${image.height} image ${image.id}`);
  }
  return b;
}

/** An unknown image id is an error, not an empty answer: the caller asked about something that is not there. */
export function assertImage(project: Project, imageId: number): void {
  imageSize(project, imageId);
}

function imageSize(project: Project, imageId: number): { width: number; height: number; id: number } {
  const row = project.db.prepare('SELECT id, width, height FROM images WHERE id = ?').get(imageId) as
    | { id: number; width: number; height: number }
    | undefined;
  if (!row) throw new SonoError('NOT_FOUND', `image ${imageId} is not in this project`, String(imageId));
  return row;
}

function assertCategory(project: Project, categoryId: number): void {
  if (!project.db.prepare('SELECT 1 FROM categories WHERE id = ?').get(categoryId)) {
    throw new SonoError('NOT_FOUND', `category ${categoryId} does not exist`, String(categoryId));
  }
}

function stateOf(a: { categoryId: number } & Box): AnnotationState {
  return { categoryId: a.categoryId, x: a.x, y: a.y, w: a.w, h: a.h };
}

/** Creates a box and its edit-log entry in one transaction: when this returns, both are on disk. */
export function createAnnotation(project: Project, input: { imageId: number; categoryId: number; box: Box; author: string }): Annotation {
  const box = normaliseBox(input.box, imageSize(project, input.imageId));
  assertCategory(project, input.categoryId);
  const id = project.db.transaction(() => {
    const at = nowIso();
    const info = project.db
      .prepare(
        'INSERT INTO annotations (image_id, category_id, x, y, w, h, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(input.imageId, input.categoryId, box.x, box.y, box.w, box.h, input.author, at, at);
    const newId = Number(info.lastInsertRowid);
    appendEdit(project, {
      author: input.author,
      imageId: input.imageId,
      annotationId: newId,
      kind: 'do',
      op: 'create',
      before: null,
      after: stateOf({ categoryId: input.categoryId, ...box }),
    });
    return newId;
  })();
  return getAnnotation(project, id);
}

export function updateAnnotation(
  project: Project,
  id: number,
  change: { box?: Box; categoryId?: number },
  author: string,
): Annotation {
  const before = getAnnotation(project, id);
  const box = change.box ? normaliseBox(change.box, imageSize(project, before.imageId)) : before;
  const categoryId = change.categoryId ?? before.categoryId;
  if (change.categoryId !== undefined) assertCategory(project, categoryId);
  project.db.transaction(() => {
    writeState(project, id, { categoryId, x: box.x, y: box.y, w: box.w, h: box.h }, author);
    appendEdit(project, {
      author,
      imageId: before.imageId,
      annotationId: id,
      kind: 'do',
      op: 'update',
      before: stateOf(before),
      after: { categoryId, x: box.x, y: box.y, w: box.w, h: box.h },
    });
  })();
  return getAnnotation(project, id);
}

/** Soft delete, so that undo brings back the same annotation id. */
export function deleteAnnotation(project: Project, id: number, author: string): void {
  const before = getAnnotation(project, id);
  project.db.transaction(() => {
    project.db.prepare('UPDATE annotations SET deleted = 1, updated_at = ? WHERE id = ?').run(nowIso(), id);
    appendEdit(project, {
      author,
      imageId: before.imageId,
      annotationId: id,
      kind: 'do',
      op: 'delete',
      before: stateOf(before),
      after: null,
    });
  })();
}

/** Sets an annotation to a state (null = deleted); used by edits and by undo/redo. */
export function writeState(project: Project, id: number, state: AnnotationState | null, author: string): void {
  const at = nowIso();
  if (state === null) {
    project.db.prepare('UPDATE annotations SET deleted = 1, updated_at = ? WHERE id = ?').run(at, id);
    return;
  }
  project.db
    .prepare('UPDATE annotations SET category_id = ?, x = ?, y = ?, w = ?, h = ?, author = ?, updated_at = ?, deleted = 0 WHERE id = ?')
    .run(state.categoryId, state.x, state.y, state.w, state.h, author, at, id);
}

/**
 * Adds an imported box unless the image already has the identical box (same category and coordinates):
 * this is what makes re-importing the same annotation file a no-op. Imports are not edits, so they are
 * not in the edit log. Returns whether a row was added.
 */
export function insertImportedBox(project: Project, imageId: number, categoryId: number, box: Box, author: string): boolean {
  const dup = project.db
    .prepare('SELECT 1 FROM annotations WHERE image_id = ? AND category_id = ? AND x = ? AND y = ? AND w = ? AND h = ? AND deleted = 0')
    .get(imageId, categoryId, box.x, box.y, box.w, box.h);
  if (dup) return false;
  const at = nowIso();
  project.db
    .prepare('INSERT INTO annotations (image_id, category_id, x, y, w, h, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(imageId, categoryId, box.x, box.y, box.w, box.h, author, at, at);
  return true;
}
