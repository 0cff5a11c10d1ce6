/**
 * A full disk and a read-only project, met while the user works through the API: every write must
 * answer DISK_FULL or PROJECT_READ_ONLY with a clear message, and nothing saved earlier may be damaged
 * (integrity_check ok, every earlier annotation exact, the edit log consistent). Once space or write
 * access is back, work continues without repair.
 *
 * Simulated in-process, so it runs everywhere: SQLite's own limits produce the real error codes
 * (max_page_count = the current size gives SQLITE_FULL; query_only gives SQLITE_READONLY), and the image
 * store's write is made to fail with ENOSPC / EROFS, as the kernel reports them. The same scenario on a
 * real full tmpfs and a read-only bind mount is in storage-mounts.test.ts.
 */
import fs, { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, type DispatchResult } from '../src-main/api/dispatch.js';
import { createService, type Service } from '../src-main/api/service.js';
import { Session } from '../src-main/api/session.js';
import type { Project } from '../src-main/core/project/index.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-storage-'));
const inputs = join(work, 'inputs');
let session: Session;
let service: Service;
let project: Project;
let imageIds: number[] = [];
let categoryId: number;

async function png(level: number): Promise<Buffer> {
  return sharp({ create: { width: 24, height: 16, channels: 3, background: { r: level, g: level, b: level } } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

async function call(method: string, input: unknown): Promise<DispatchResult> {
  return dispatch(service, method, input);
}

async function ok<T = unknown>(method: string, input: unknown): Promise<T> {
  const r = await call(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** Every annotation of every image as the API reports it, and the edit log's rows. */
async function saved(): Promise<{ annotations: unknown[]; log: number }> {
  const annotations: unknown[] = [];
  for (const imageId of imageIds) annotations.push(...(await ok<unknown[]>('annotations.list', { imageId })));
  const log = (project.db.prepare('SELECT count(*) AS n FROM edit_log').get() as { n: number }).n;
  return { annotations, log };
}

function integrity(): string {
  return String(project.db.pragma('integrity_check', { simple: true }));
}

/** The edit log agrees with the annotations: every live annotation's last logged state is its current one. */
function logConsistent(): boolean {
  const rows = project.db.prepare('SELECT id FROM annotations WHERE deleted = 0').all() as Array<{ id: number }>;
  const last = project.db.prepare('SELECT after FROM edit_log WHERE annotation_id = ? ORDER BY seq DESC LIMIT 1');
  return rows.every((r) => {
    const entry = last.get(r.id) as { after: string | null } | undefined;
    return entry !== undefined && entry.after !== null;
  });
}

function expectStorageError(r: DispatchResult, code: 'DISK_FULL' | 'PROJECT_READ_ONLY', method: string): void {
  expect(r.ok, `${method} should have failed with ${code}`).toBe(false);
  if (r.ok) return;
  expect(r.error.code, `${method}: ${r.error.message}`).toBe(code);
  expect(r.error.message).toMatch(code === 'DISK_FULL' ? /^disk full while writing .+; free some space/ : /^cannot write .+: the folder is read-only or not accessible/);
  expect(r.error.message).not.toMatch(/[\r\n]/);
}

/** Makes every fs.writeSync fail with `code` while `on` is set, as a full or read-only file system would. */
const injected = { code: null as null | 'ENOSPC' | 'EROFS' };
const realWriteSync = fs.writeSync;

beforeAll(async () => {
  mkdirSync(inputs);
  for (let i = 0; i < 4; i++) writeFileSync(join(inputs, `img${i}.png`), await png(40 + i * 30));
  session = new Session(join(work, 'recent.json'));
  project = session.open(join(work, 'p'), true);
  service = createService({ session, author: 'tester' });
  await ok('import.run', { paths: [join(inputs, 'img0.png'), join(inputs, 'img1.png')] });
  imageIds = (await ok<{ items: Array<{ id: number }> }>('images.list', { offset: 0, limit: 10 })).items.map((i) => i.id);
  categoryId = (await ok<{ id: number }>('categories.ensure', { name: 'kidney' })).id;
  for (const imageId of imageIds) {
    for (let k = 0; k < 3; k++) await ok('annotations.create', { imageId, categoryId, box: { x: k, y: 1, w: 5, h: 4 } });
  }
  (fs as { writeSync: unknown }).writeSync = function (this: unknown, ...args: unknown[]) {
    if (injected.code) throw Object.assign(new Error(`${injected.code}: simulated, write`), { code: injected.code });
    return (realWriteSync as (...a: unknown[]) => number).apply(this, args);
  };
  syncBuiltinESMExports();
});

afterAll(() => {
  (fs as { writeSync: unknown }).writeSync = realWriteSync;
  syncBuiltinESMExports();
  session?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a full disk', () => {
  it('answers DISK_FULL to annotation edits once the database cannot grow, and keeps everything saved before', async () => {
    const before = await saved();
    const pages = Number(project.db.pragma('page_count', { simple: true }));
    project.db.pragma(`max_page_count = ${pages}`);
    let refused: DispatchResult | null = null;
    let acknowledged = 0;
    try {
      // Free space inside the last pages takes a few rows; the first write that needs a new page fails.
      for (let k = 0; k < 2000 && !refused; k++) {
        const r = await call('annotations.create', { imageId: imageIds[0], categoryId, box: { x: 1 + (k % 10), y: 2, w: 3, h: 3 } });
        if (r.ok) acknowledged++;
        else refused = r;
      }
    } finally {
      project.db.pragma('max_page_count = 4294967294');
    }
    expect(refused).not.toBeNull();
    expectStorageError(refused!, 'DISK_FULL', 'annotations.create');
    const after = await saved();
    for (const a of before.annotations) expect(after.annotations).toContainEqual(a);
    expect(after.annotations.length).toBe(before.annotations.length + acknowledged);
    expect(after.log).toBe(before.log + acknowledged); // the refused edit left no log row either
    expect(integrity()).toBe('ok');
    expect(logConsistent()).toBe(true);
    // Space is back: the next edit works without repair.
    await ok('annotations.create', { imageId: imageIds[1], categoryId, box: { x: 9, y: 9, w: 2, h: 2 } });
  });

  it('answers DISK_FULL to updates, deletes, undos and new categories once the database is full', async () => {
    // Spare annotations to update and delete, made while there is room; the rest must stay untouched.
    const spare: number[] = [];
    for (let k = 0; k < 40; k++) spare.push((await ok<{ id: number }>('annotations.create', { imageId: imageIds[1], categoryId, box: { x: k % 20, y: 5, w: 2, h: 2 } })).id);
    const before = await saved();
    const untouched = before.annotations.filter((a) => !spare.includes((a as { id: number }).id));
    project.db.pragma(`max_page_count = ${Number(project.db.pragma('page_count', { simple: true }))}`);
    const refusedAfter: Record<string, number> = {};
    try {
      // Each kind of write is repeated until the full database refuses it (each needs its own pages).
      const writes: Array<[string, (k: number) => unknown]> = [
        ['categories.ensure', (k) => ({ name: `filler-${k}-${'x'.repeat(90)}` })],
        ['annotations.update', (k) => ({ annotationId: spare[k % spare.length], box: { x: k % 19, y: 3, w: 4, h: 4 } })],
        ['annotations.delete', (k) => ({ annotationId: spare[spare.length - 1 - k] })],
        ['edits.undo', () => ({ imageId: imageIds[1] })],
      ];
      for (const [method, input] of writes) {
        let r: DispatchResult = { ok: true, value: null };
        let k = 0;
        for (; r.ok && k < spare.length; k++) r = await call(method, input(k));
        expect(r.ok, `${method} was never refused`).toBe(false);
        expectStorageError(r, 'DISK_FULL', method);
        refusedAfter[method] = k;
      }
    } finally {
      project.db.pragma('max_page_count = 4294967294');
    }
    expect(integrity()).toBe('ok');
    expect(logConsistent()).toBe(true);
    const after = await saved();
    for (const a of untouched) expect(after.annotations).toContainEqual(a);
    expect(Object.keys(refusedAfter)).toEqual(['categories.ensure', 'annotations.update', 'annotations.delete', 'edits.undo']);
    // Room again: the refused kinds of write work without repair.
    await ok('annotations.update', { annotationId: spare[0], box: { x: 2, y: 2, w: 6, h: 6 } });
    await ok('edits.undo', { imageId: imageIds[1] });
  });

  it('stops an import with DISK_FULL when an image file cannot be written, storing no half image or row', async () => {
    const before = await saved();
    const images = (await ok<{ total: number }>('images.list', { offset: 0, limit: 1 })).total;
    injected.code = 'ENOSPC';
    let r: DispatchResult;
    try {
      r = await call('import.run', { paths: [join(inputs, 'img2.png'), join(inputs, 'img3.png')] });
    } finally {
      injected.code = null;
    }
    expectStorageError(r, 'DISK_FULL', 'import.run');
    expect((await ok<{ total: number }>('images.list', { offset: 0, limit: 1 })).total).toBe(images);
    expect(await saved()).toEqual(before);
    expect(integrity()).toBe('ok');
    const leftovers = readdirSync(join(project.dir, 'images'), { recursive: true }).map(String).filter((n) => n.includes('.tmp-'));
    expect(leftovers).toEqual([]);
    // Space is back: running the same import again completes it.
    expect(await ok('import.run', { paths: [join(inputs, 'img2.png'), join(inputs, 'img3.png')] })).toMatchObject({ imagesAdded: 2 });
  });

  it('answers DISK_FULL to an export that cannot be written, and leaves no partial file', async () => {
    const out = join(work, 'export.json');
    injected.code = 'ENOSPC';
    let r: DispatchResult;
    try {
      r = await call('export.run', { format: 'coco', out });
    } finally {
      injected.code = null;
    }
    expectStorageError(r, 'DISK_FULL', 'export.run');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('a read-only project', () => {
  it('answers PROJECT_READ_ONLY to every kind of edit, keeps reads working, and changes nothing', async () => {
    const before = await saved();
    const first = before.annotations[0] as { id: number };
    project.db.pragma('query_only = 1');
    try {
      const attempts: Array<[string, unknown]> = [
        ['annotations.create', { imageId: imageIds[0], categoryId, box: { x: 1, y: 1, w: 2, h: 2 } }],
        ['annotations.update', { annotationId: first.id, box: { x: 3, y: 3, w: 2, h: 2 } }],
        ['annotations.delete', { annotationId: first.id }],
        ['edits.undo', { imageId: imageIds[0] }],
        ['images.setSplit', { imageIds, split: 'val' }],
        ['categories.ensure', { name: 'spleen' }],
      ];
      for (const [method, input] of attempts) expectStorageError(await call(method, input), 'PROJECT_READ_ONLY', method);
      expect(await saved()).toEqual(before);
      expect(await ok('project.info', {})).toMatchObject({ images: 4 });
    } finally {
      project.db.pragma('query_only = 0');
    }
    expect(integrity()).toBe('ok');
    expect(logConsistent()).toBe(true);
    await ok('annotations.create', { imageId: imageIds[0], categoryId, box: { x: 1, y: 1, w: 2, h: 2 } });
  });

  it('stops an import with PROJECT_READ_ONLY when the image folder refuses writes', async () => {
    writeFileSync(join(inputs, 'img4.png'), await png(200));
    const before = await saved();
    injected.code = 'EROFS';
    let r: DispatchResult;
    try {
      r = await call('import.run', { paths: [join(inputs, 'img4.png')] });
    } finally {
      injected.code = null;
    }
    expectStorageError(r, 'PROJECT_READ_ONLY', 'import.run');
    expect(await saved()).toEqual(before);
    expect(integrity()).toBe('ok');
  });
});
