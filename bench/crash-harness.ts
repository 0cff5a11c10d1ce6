import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../src-main/core/metrics/prng.js';
import { openProject } from '../src-main/core/project/open.js';
import { packageRoot } from '../src-main/core/util/package-root.js';

/**
 * Crash safety, measured: a real backend process (the browser bridge) takes annotation edits and imports
 * over HTTP and is killed with SIGKILL at random moments. After every kill the project must pass SQLite's
 * integrity check, hold every annotation whose save was acknowledged exactly as acknowledged, keep its
 * edit log consistent with the annotations, and open again without repair.
 */

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
type State = (Box & { categoryId: number }) | null;

export interface CrashReport {
  kills: number;
  acknowledgedEdits: number;
  checkedAnnotations: number;
  lost: number;
  integrityFailures: number;
  logMismatches: number;
  failures: string[];
}

export interface CrashOptions {
  projectDir: string;
  /** Folder of PNGs that imports copy from (a few per import). */
  imageSource: string;
  kills: number;
  seed?: number;
  log?: (line: string) => void;
}

export async function runCrashHarness(opts: CrashOptions): Promise<CrashReport> {
  const rng = createRng(opts.seed ?? 1);
  const report: CrashReport = { kills: 0, acknowledgedEdits: 0, checkedAnnotations: 0, lost: 0, integrityFailures: 0, logMismatches: 0, failures: [] };
  const expected = new Map<number, State>();
  /** Annotations whose last request was in flight at the kill: either outcome is acceptable. */
  const uncertain = new Map<number, State[]>();
  const sources = readdirSync(opts.imageSource).filter((n) => n.endsWith('.png'));
  let importNo = 0;

  const first = openProject(opts.projectDir, { create: true });
  first.close();

  for (let k = 0; k < opts.kills; k++) {
    const backend = await startBackend(opts.projectDir);
    const call = async (method: string, input: unknown): Promise<unknown> => {
      const res = await fetch(`http://127.0.0.1:${backend.port}/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${backend.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      });
      const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
      if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
      return body.value;
    };
    // The kill comes at a random moment while requests are flowing.
    const killAfter = 30 + rng() * 400;
    const killed = new Promise<void>((resolve) => setTimeout(() => (backend.child.kill('SIGKILL'), resolve()), killAfter));
    let alive = true;
    void killed.then(() => (alive = false));

    const driver = (async () => {
      let category = (await call('categories.ensure', { name: 'kidney' })) as { id: number };
      const images = (await call('images.list', { offset: 0, limit: 1000 })) as { items: Array<{ id: number; width: number; height: number }> };
      while (alive) {
        const r = rng();
        if (images.items.length === 0 || r < 0.05) {
          const dir = join(opts.projectDir, '..', `import-${importNo++}`);
          mkdirSync(dir, { recursive: true });
          for (let i = 0; i < 3; i++) {
            const name = sources[Math.floor(rng() * sources.length)];
            copyFileSync(join(opts.imageSource, name), join(dir, `${importNo}-${i}-${name}`));
          }
          await call('import.run', { paths: [dir] });
          images.items = ((await call('images.list', { offset: 0, limit: 1000 })) as typeof images).items;
          category = (await call('categories.ensure', { name: 'kidney' })) as { id: number };
          continue;
        }
        const img = images.items[Math.floor(rng() * images.items.length)];
        const box = randomBox(rng, img.width, img.height);
        const live = [...expected.entries()].filter(([, s]) => s !== null).map(([id]) => id);
        if (r < 0.5 || live.length === 0) {
          const a = (await call('annotations.create', { imageId: img.id, categoryId: category.id, box })) as Box & { id: number };
          expected.set(a.id, { categoryId: category.id, x: a.x, y: a.y, w: a.w, h: a.h });
        } else {
          const id = live[Math.floor(rng() * live.length)];
          const before = expected.get(id)!;
          if (r < 0.8) {
            const next = { ...before!, ...box };
            uncertain.set(id, [before, next]);
            const a = (await call('annotations.update', { annotationId: id, box })) as Box;
            expected.set(id, { categoryId: before!.categoryId, x: a.x, y: a.y, w: a.w, h: a.h });
          } else {
            uncertain.set(id, [before, null]);
            await call('annotations.delete', { annotationId: id });
            expected.set(id, null);
          }
          uncertain.delete(id);
        }
        report.acknowledgedEdits++;
      }
    })().catch(() => {
      // A request cut by the kill is expected; its outcome is checked below through `uncertain`.
    });

    await killed;
    await driver;
    await backend.exited;
    report.kills++;
    check(opts.projectDir, expected, uncertain, report, k);
    opts.log?.(`kill ${k + 1}/${opts.kills} after ${Math.round(killAfter)} ms: ${report.acknowledgedEdits} acknowledged edits so far, ${report.lost} lost`);
    // Whatever happened to the in-flight request is now settled on disk.
    for (const id of uncertain.keys()) expected.set(id, currentState(opts.projectDir, id));
    uncertain.clear();
  }
  return report;
}

function randomBox(rng: () => number, width: number, height: number): Box {
  const w = Math.round((0.05 + rng() * 0.4) * width * 1000) / 1000;
  const h = Math.round((0.05 + rng() * 0.4) * height * 1000) / 1000;
  return { x: Math.round(rng() * (width - w) * 1000) / 1000, y: Math.round(rng() * (height - h) * 1000) / 1000, w, h };
}

function sameState(a: State, b: State): boolean {
  if (a === null || b === null) return a === b;
  return a.categoryId === b.categoryId && a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

function currentState(dir: string, id: number): State {
  const db = new Database(join(dir, 'project.sqlite'), { readonly: true });
  try {
    const row = db.prepare('SELECT category_id, x, y, w, h, deleted FROM annotations WHERE id = ?').get(id) as
      | { category_id: number; x: number; y: number; w: number; h: number; deleted: number }
      | undefined;
    return !row || row.deleted ? null : { categoryId: row.category_id, x: row.x, y: row.y, w: row.w, h: row.h };
  } finally {
    db.close();
  }
}

function check(dir: string, expected: Map<number, State>, uncertain: Map<number, State[]>, report: CrashReport, k: number): void {
  // Opening through the product's own code proves the next start needs no repair.
  const project = openProject(dir);
  try {
    const integrity = project.db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') {
      report.integrityFailures++;
      report.failures.push(`kill ${k + 1}: integrity_check = ${String(integrity)}`);
    }
    for (const [id, want] of expected) {
      report.checkedAnnotations++;
      const row = project.db.prepare('SELECT category_id, x, y, w, h, deleted FROM annotations WHERE id = ?').get(id) as
        | { category_id: number; x: number; y: number; w: number; h: number; deleted: number }
        | undefined;
      const got: State = !row || row.deleted ? null : { categoryId: row.category_id, x: row.x, y: row.y, w: row.w, h: row.h };
      const acceptable = uncertain.get(id) ?? [want];
      if (!acceptable.some((s) => sameState(s, got))) {
        report.lost++;
        report.failures.push(`kill ${k + 1}: annotation ${id} is ${JSON.stringify(got)}, acknowledged ${JSON.stringify(want)}`);
      }
    }
    // The log's last word on each annotation must be the annotation's current state.
    const last = project.db
      .prepare('SELECT annotation_id, after FROM edit_log WHERE seq IN (SELECT max(seq) FROM edit_log GROUP BY annotation_id)')
      .all() as Array<{ annotation_id: number; after: string | null }>;
    for (const entry of last) {
      const row = project.db.prepare('SELECT category_id, x, y, w, h, deleted FROM annotations WHERE id = ?').get(entry.annotation_id) as
        | { category_id: number; x: number; y: number; w: number; h: number; deleted: number }
        | undefined;
      const got: State = !row || row.deleted ? null : { categoryId: row.category_id, x: row.x, y: row.y, w: row.w, h: row.h };
      if (!sameState(entry.after === null ? null : (JSON.parse(entry.after) as State), got)) {
        report.logMismatches++;
        report.failures.push(`kill ${k + 1}: edit log disagrees with annotation ${entry.annotation_id}`);
      }
    }
  } finally {
    project.close();
  }
}

interface Backend {
  child: ChildProcess;
  port: number;
  token: string;
  /** Created at spawn: a process killed by a signal keeps exitCode null, so it cannot be polled later. */
  exited: Promise<void>;
}

/** Starts `npm run serve`'s process on the project and waits for the URL it prints. */
function startBackend(projectDir: string): Promise<Backend> {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'src-main', 'bridge', 'cli.js'), projectDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SONOTL_CONFIG_DIR: join(projectDir, '..', 'config') },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), token: m[2], exited });
    });
    child.once('exit', (code) => reject(new Error(`backend exited with ${code} before serving: ${err.trim()}`)));
  });
}
