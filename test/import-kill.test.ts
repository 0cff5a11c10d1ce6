import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sonotl, sonotlAsync } from './helpers/cli.js';
import { HC18 } from './helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function storedFiles(dir: string): number {
  const images = join(dir, 'images');
  if (!existsSync(images)) return 0;
  return readdirSync(images).reduce((n, sub) => n + readdirSync(join(images, sub)).filter((f) => !f.startsWith('.')).length, 0);
}

function dbState(dir: string): { integrity: string; images: number; boxes: number; duplicateBoxes: number } {
  const db = new Database(join(dir, 'project.sqlite'));
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      images: (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n,
      boxes: (db.prepare('SELECT count(*) AS n FROM annotations').get() as { n: number }).n,
      duplicateBoxes: (
        db
          .prepare('SELECT count(*) AS n FROM (SELECT image_id, x, y, w, h FROM annotations GROUP BY image_id, category_id, x, y, w, h HAVING count(*) > 1)')
          .get() as { n: number }
      ).n,
    };
  } finally {
    db.close();
  }
}

async function killWhenStored(dir: string, atLeast: number): Promise<void> {
  const child = sonotlAsync(['import', dir, HC18, '--coco', join(HC18, 'annotations.coco.json')]);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (storedFiles(dir) < atLeast && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(child.exitCode, 'the import finished before it could be killed').toBeNull();
  child.kill('SIGKILL');
  await exited;
}

describe('an import killed with SIGKILL', () => {
  it('leaves a consistent project that a rerun completes, at several kill points', async () => {
    const dir = join(work, 'p');
    expect(sonotl(['init', dir]).status).toBe(0);
    for (const atLeast of [5, 60, 120]) {
      await killWhenStored(dir, atLeast);
      const state = dbState(dir);
      expect(state.integrity).toBe('ok');
      expect(state.images).toBeLessThan(191);
      expect(state.boxes).toBe(state.images);
      expect(state.duplicateBoxes).toBe(0);
    }
    const rerun = sonotl(['import', dir, HC18, '--coco', join(HC18, 'annotations.coco.json')]);
    expect(rerun.status).toBe(0);
    const done = dbState(dir);
    expect(done).toEqual({ integrity: 'ok', images: 191, boxes: 191, duplicateBoxes: 0 });
    expect(storedFiles(dir)).toBe(191);
  });
});
