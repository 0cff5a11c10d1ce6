import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAnnotation,
  createRun,
  deleteAnnotation,
  editHistory,
  ensureCategory,
  getRun,
  insertImage,
  listAnnotations,
  listImages,
  openProject,
  projectInfo,
  redo,
  setRunStatus,
  undo,
  undoState,
  updateAnnotation,
  type Project,
} from './index.js';
import { SCHEMA_VERSION } from './schema.js';
import { newImage as image } from './new-image.test-util.js';

const dirs: string[] = [];
const open: Project[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sonotl-project-'));
  dirs.push(d);
  return d;
}

function newProject(dir = join(tempDir(), 'p')): Project {
  const p = openProject(dir, { create: true });
  open.push(p);
  return p;
}

function reopen(p: Project): Project {
  p.close();
  const q = openProject(p.dir);
  open.push(q);
  return q;
}


afterEach(() => {
  for (const p of open.splice(0)) p.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openProject', () => {
  it('creates the schema at the current version with foreign keys and WAL', () => {
    const p = newProject();
    expect(p.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(p.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(p.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(p.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(readdirSync(p.dir)).toContain('images');
  });

  it('keeps the salt across reopen', () => {
    const p = newProject();
    const salt = p.salt;
    expect(reopen(p).salt).toBe(salt);
  });

  it('refuses a folder without a project, a non-empty folder for a new one, and a second create', () => {
    const d = tempDir();
    expect(() => openProject(join(d, 'nothing'))).toThrow(/is not a SonoTL project/);
    writeFileSync(join(d, 'notes.txt'), 'x');
    expect(() => openProject(d, { create: true })).toThrow(/is not empty/);
    const p = newProject(join(d, 'q'));
    p.close();
    expect(() => openProject(join(d, 'q'), { create: true })).toThrow(/already holds a SonoTL project/);
  });

  it('refuses a second opener in the same process with the locked message', () => {
    const p = newProject();
    expect(() => openProject(p.dir)).toThrow(/open in another window or process/);
  });

  it('opens a cleanly closed project read-only, and refuses a reader while a writer holds it', () => {
    const p = newProject();
    insertImage(p, image('a.png'));
    p.close();
    const r = openProject(p.dir, { readonly: true });
    open.push(r);
    expect(listImages(r, { offset: 0, limit: 10 }).total).toBe(1);
    expect(() => r.db.prepare('DELETE FROM images').run()).toThrow(/readonly/);
    r.close();
    const w = openProject(p.dir);
    open.push(w);
    expect(() => openProject(p.dir, { readonly: true })).toThrow(/open in another window or process/);
  });

  it('refuses a project written by a newer schema', () => {
    const p = newProject();
    p.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    p.close();
    expect(() => openProject(p.dir)).toThrow(/newer SonoTL/);
  });

  it('marks runs left running by a dead process as interrupted', () => {
    const p = newProject();
    const run = createRun(p, { method: 'haar' });
    setRunStatus(p, run.id, 'running');
    const q = reopen(p);
    expect(getRun(q, run.id).status).toBe('interrupted');
  });
});

describe('annotations and the edit log', () => {
  function setup(): { p: Project; imageId: number; cat: number } {
    const p = newProject();
    const imageId = insertImage(p, image('a.png'));
    const cat = ensureCategory(p, 'kidney');
    return { p, imageId, cat };
  }

  it('creates, updates and deletes boxes, rounding to the 1/1000 px grid', () => {
    const { p, imageId, cat } = setup();
    const a = createAnnotation(p, { imageId, categoryId: cat, box: { x: 1.23456, y: 2, w: 10, h: 20 }, author: 'ana' });
    expect(a).toMatchObject({ x: 1.235, y: 2, w: 10, h: 20, category: 'kidney', author: 'ana' });
    updateAnnotation(p, a.id, { box: { x: 5, y: 6, w: 7, h: 8 } }, 'ben');
    expect(listAnnotations(p, imageId)).toMatchObject([{ id: a.id, x: 5, y: 6, w: 7, h: 8, author: 'ben' }]);
    deleteAnnotation(p, a.id, 'ben');
    expect(listAnnotations(p, imageId)).toEqual([]);
  });

  it('rejects boxes outside the image, of zero size, or on unknown images and categories', () => {
    const { p, imageId, cat } = setup();
    expect(() => createAnnotation(p, { imageId, categoryId: cat, box: { x: 90, y: 0, w: 20, h: 10 }, author: 'a' })).toThrow(
      /outside the 100x80 image/,
    );
    expect(() => createAnnotation(p, { imageId, categoryId: cat, box: { x: 0, y: 0, w: 0, h: 10 }, author: 'a' })).toThrow(/zero or negative/);
    expect(() => createAnnotation(p, { imageId: 999, categoryId: cat, box: { x: 0, y: 0, w: 5, h: 5 }, author: 'a' })).toThrow(
      /image 999 is not in this project/,
    );
    expect(() => createAnnotation(p, { imageId, categoryId: 77, box: { x: 0, y: 0, w: 5, h: 5 }, author: 'a' })).toThrow(/category 77/);
    expect(listAnnotations(p, imageId)).toEqual([]);
  });

  it('undoes and redoes create, update and delete, and the stacks survive a restart', () => {
    const { p, imageId, cat } = setup();
    const a = createAnnotation(p, { imageId, categoryId: cat, box: { x: 1, y: 1, w: 10, h: 10 }, author: 'a' });
    updateAnnotation(p, a.id, { box: { x: 2, y: 2, w: 10, h: 10 } }, 'a');
    deleteAnnotation(p, a.id, 'a');

    let q = reopen(p);
    expect(undo(q, imageId, 'a').entry?.op).toBe('delete');
    expect(listAnnotations(q, imageId)).toMatchObject([{ id: a.id, x: 2 }]);
    q = reopen(q);
    expect(undo(q, imageId, 'a').entry?.op).toBe('update');
    expect(listAnnotations(q, imageId)).toMatchObject([{ id: a.id, x: 1 }]);
    expect(undo(q, imageId, 'a').entry?.op).toBe('create');
    expect(listAnnotations(q, imageId)).toEqual([]);
    expect(undo(q, imageId, 'a')).toMatchObject({ entry: null, canUndo: false, canRedo: true });

    q = reopen(q);
    expect(redo(q, imageId, 'a').entry?.op).toBe('create');
    expect(redo(q, imageId, 'a').entry?.op).toBe('update');
    expect(listAnnotations(q, imageId)).toMatchObject([{ id: a.id, x: 2 }]);
    expect(undoState(q, imageId)).toEqual({ canUndo: true, canRedo: true });
    // A new edit after undo drops what could have been redone.
    updateAnnotation(q, a.id, { box: { x: 3, y: 3, w: 10, h: 10 } }, 'a');
    expect(undoState(q, imageId)).toEqual({ canUndo: true, canRedo: false });
  });

  it('keeps undo per image', () => {
    const { p, imageId, cat } = setup();
    const other = insertImage(p, image('b.png'));
    createAnnotation(p, { imageId, categoryId: cat, box: { x: 1, y: 1, w: 5, h: 5 }, author: 'a' });
    createAnnotation(p, { imageId: other, categoryId: cat, box: { x: 1, y: 1, w: 5, h: 5 }, author: 'a' });
    undo(p, imageId, 'a');
    expect(listAnnotations(p, imageId)).toHaveLength(0);
    expect(listAnnotations(p, other)).toHaveLength(1);
  });

  it('refuses to rewrite or delete history', () => {
    const { p, imageId, cat } = setup();
    createAnnotation(p, { imageId, categoryId: cat, box: { x: 1, y: 1, w: 5, h: 5 }, author: 'a' });
    expect(() => p.db.prepare("UPDATE edit_log SET author = 'x'").run()).toThrow(/append-only/);
    expect(() => p.db.prepare('DELETE FROM edit_log').run()).toThrow(/append-only/);
    expect(editHistory(p, imageId)).toHaveLength(1);
  });
});

describe('listImages and projectInfo', () => {
  it('pages in import order and filters by annotation, split, subject and name', () => {
    const p = newProject();
    const cat = ensureCategory(p, 'kidney');
    for (let i = 0; i < 25; i++) {
      const id = insertImage(p, image(`img_${String(i).padStart(2, '0')}.png`, { subject: `s${i % 5}`, split: i < 5 ? 'val' : 'train' }));
      if (i % 2 === 0) createAnnotation(p, { imageId: id, categoryId: cat, box: { x: 0, y: 0, w: 5, h: 5 }, author: 'a' });
    }
    const page = listImages(p, { offset: 10, limit: 10 });
    expect(page.total).toBe(25);
    expect(page.items.map((i) => i.originalName)[0]).toBe('img_10.png');
    expect(listImages(p, { offset: 0, limit: 100 }, { unannotated: true }).total).toBe(12);
    expect(listImages(p, { offset: 0, limit: 100 }, { split: 'val' }).total).toBe(5);
    expect(listImages(p, { offset: 0, limit: 100 }, { subject: 's3' }).total).toBe(5);
    expect(listImages(p, { offset: 0, limit: 100 }, { search: 'IMG_2' }).items.map((i) => i.originalName)).toEqual([
      'img_20.png',
      'img_21.png',
      'img_22.png',
      'img_23.png',
      'img_24.png',
    ]);
    expect(listImages(p, { offset: 0, limit: 100 }, { search: '%' }).total).toBe(0);

    const info = projectInfo(p);
    expect(info).toMatchObject({ images: 25, annotatedImages: 13, boxes: 13, boxesPerCategory: { kidney: 13 }, subjects: 5 });
    expect(info.splits).toEqual({ train: 20, val: 5, test: 0, none: 0 });
  });
});
