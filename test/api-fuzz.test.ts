/**
 * Contract fuzzing: every method of src-main/api/contract.ts called through dispatch with wrong types,
 * missing and extra fields, huge strings and arrays, prototype keys and unknown ids. Every hostile call
 * must come back as { ok: false, error } with a one-line message naming the method (and the field, for
 * a bad field), never throw, and never change the project (snapshot before and after each method's
 * calls). A sample of the same calls then goes through the browser bridge over HTTP.
 *
 * Inputs the schema accepts are valid calls, not hostile ones: they are skipped (and counted), except the
 * unknown-id cases, which are valid by type and must still be refused by the handlers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS, contract, type ApiMethod } from '../src-main/api/contract.js';
import { dispatch, type DispatchResult } from '../src-main/api/dispatch.js';
import { createService, type Service } from '../src-main/api/service.js';
import { Session } from '../src-main/api/session.js';
import { startBridge } from '../src-main/bridge/server.js';
import { createAnnotation, ensureCategory, insertImage, openProject, type Project } from '../src-main/core/project/index.js';
import { snapshot } from './helpers/snapshot.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-api-fuzz-'));
let session: Session;
let service: Service;
let project: Project;
let imageId: number;
let categoryId: number;
let annotationId: number;

const MISSING = Symbol('missing');
const protoJson = (): unknown => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');

/** Values of every kind, to put where a field of another kind (or range) belongs. */
const HOSTILE: ReadonlyArray<[string, () => unknown]> = [
  ['null', () => null],
  ['true', () => true],
  ['0', () => 0],
  ['-1', () => -1],
  ['1.5', () => 1.5],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-1e308', () => -1e308],
  ['2^53', () => 2 ** 53],
  ['""', () => ''],
  ['"1"', () => '1'],
  ['1 MB string', () => 'x'.repeat(1_000_000)],
  ['"../../etc/passwd"', () => '../../etc/passwd'],
  ['NUL string', () => 'a\u0000b'],
  ['[]', () => []],
  ['[1]', () => [1]],
  ['["a"]', () => ['a']],
  ['200k-element array', () => new Array(200_000).fill(1)],
  ['{}', () => ({})],
  ['__proto__ object', protoJson],
  ['null-prototype object', () => Object.create(null) as object],
  ['10k-deep array', () => JSON.parse('['.repeat(10_000) + ']'.repeat(10_000)) as unknown],
];

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

interface Totals {
  calls: number;
  refused: number;
  threw: number;
  unclear: number;
  changed: number;
  skippedValid: number;
}
const totals: Totals = { calls: 0, refused: 0, threw: 0, unclear: 0, changed: 0, skippedValid: 0 };
const problems: string[] = [];

/** A valid input for each method: the starting point that every mutation changes in one place. */
function baselines(): Record<string, Record<string, unknown>> {
  const box = { x: 1, y: 2, w: 3, h: 4 };
  return {
    'session.current': {},
    'session.open': { dir: join(work, 'some-project') },
    'session.create': { dir: join(work, 'new-project') },
    'session.close': {},
    'session.recent': {},
    'project.info': {},
    'images.list': { offset: 0, limit: 10, filter: { split: 'train', search: 'x', unannotated: true } },
    'images.get': { imageId },
    'images.setSplit': { imageIds: [imageId], split: 'train' },
    'categories.list': {},
    'categories.ensure': { name: 'liver' },
    'annotations.list': { imageId },
    'annotations.create': { imageId, categoryId, box },
    'annotations.update': { annotationId, box, categoryId },
    'annotations.delete': { annotationId },
    'edits.undo': { imageId },
    'edits.redo': { imageId },
    'edits.state': { imageId },
    'import.run': { paths: [join(work, 'inputs')], annotations: { format: 'coco', path: join(work, 'inputs', 'a.json') } },
    'export.run': { format: 'coco', out: join(work, 'out.json') },
    'runs.list': {},
    'runs.options': {},
    'runs.start': { methods: ['haar'], split: 'kfold', folds: 3, seed: 1, quick: true, gbm: { maxIter: 1 } },
    'runs.active': {},
    'runs.cancel': { job: 'job-1' },
    'runs.restart': { runId: 'r1' },
    'runs.resume': { runId: 'r1' },
    'runs.detections': { runId: 'r1', offset: 0, limit: 10 },
    'runs.table': { runIds: ['r1'] },
    'runs.windows': { detectionId: 1 },
    'runs.losses': { runIds: ['r1'] },
    'analysis.run': { runId: 'r1', imageId, model: 'final', threshold: 0.5, ridges: 'bright' },
  };
}

/**
 * Valid by type but naming nothing that exists (or a place that cannot be used): the handler must
 * refuse. Methods that only read may instead answer with nothing found ('read').
 */
function unknownIds(): Array<[string, unknown, 'refuse' | 'read']> {
  const box = { x: 1, y: 2, w: 3, h: 4 };
  const none = 987_654_321;
  return [
    ['images.get', { imageId: none }, 'refuse'],
    ['images.setSplit', { imageIds: [none], split: 'val' }, 'refuse'],
    ['annotations.list', { imageId: none }, 'refuse'],
    ['annotations.create', { imageId: none, categoryId, box }, 'refuse'],
    ['annotations.create', { imageId, categoryId: none, box }, 'refuse'],
    ['annotations.create', { imageId, categoryId, box: { x: 1e6, y: 1e6, w: 5, h: 5 } }, 'refuse'],
    ['annotations.update', { annotationId: none, box }, 'refuse'],
    ['annotations.update', { annotationId, categoryId: none }, 'refuse'],
    ['annotations.delete', { annotationId: none }, 'refuse'],
    ['edits.undo', { imageId: none }, 'refuse'],
    ['edits.redo', { imageId: none }, 'refuse'],
    ['edits.state', { imageId: none }, 'refuse'],
    ['session.open', { dir: join(work, 'no-such-project') }, 'refuse'],
    ['session.open', { dir: '/dev/null' }, 'refuse'],
    ['session.open', { dir: 'a\u0000b' }, 'refuse'],
    ['session.create', { dir: 'a\u0000b' }, 'refuse'],
    ['session.create', { dir: '/dev/null/p' }, 'refuse'],
    ['import.run', { paths: [join(work, 'no-such-folder')] }, 'read'],
    ['import.run', { paths: [join(work, 'inputs')], annotations: { format: 'coco', path: join(work, 'no-such.json') } }, 'read'],
    ['export.run', { format: 'coco', out: '/dev/null/x.json' }, 'refuse'],
    ['runs.restart', { runId: 'no-such-run' }, 'refuse'],
    ['runs.resume', { runId: 'no-such-run' }, 'refuse'],
    ['runs.detections', { runId: 'no-such-run', offset: 0, limit: 10 }, 'refuse'],
    ['runs.table', { runIds: ['no-such-run'] }, 'read'],
    ['runs.windows', { detectionId: none }, 'refuse'],
    ['runs.losses', { runIds: ['no-such-run'] }, 'read'],
    ['runs.cancel', { job: 'no-such-job' }, 'read'],
    ['analysis.run', { runId: 'no-such-run' }, 'refuse'],
    ['analysis.run', { runId: 'no-such-run', imageId: none }, 'refuse'],
    ['images.list', { offset: 0, limit: 10, filter: { failuresOfRun: 'no-such-run' } }, 'read'],
  ];
}

/** Every hostile variant of one method's baseline, each with the field path it breaks ([] = the input). */
function variants(method: string, base: Record<string, unknown>): Array<{ label: string; input: unknown; path: string[] }> {
  const out: Array<{ label: string; input: unknown; path: string[] }> = [];
  for (const [label, make] of HOSTILE) out.push({ label: `input=${label}`, input: make(), path: [] });
  out.push({ label: 'input=[baseline]', input: [base], path: [] });
  out.push({ label: 'extra field', input: { ...base, extra: 1 }, path: [] });
  out.push({ label: '__proto__ and constructor keys', input: Object.assign(protoJson() as object, base), path: [] });
  out.push({ label: '1 MB key', input: { ...base, ['k'.repeat(1_000_000)]: 1 }, path: [] });
  const fields = (obj: Record<string, unknown>, prefix: string[]): void => {
    for (const [k, v] of Object.entries(obj)) {
      const path = [...prefix, k];
      const set = (value: unknown): unknown => {
        const copy = structuredClone(base);
        let node = copy as Record<string, unknown>;
        for (const p of path.slice(0, -1)) node = node[p] as Record<string, unknown>;
        if (value === MISSING) delete node[k];
        else node[k] = value;
        return copy;
      };
      out.push({ label: `${path.join('.')} missing`, input: set(MISSING), path });
      for (const [label, make] of HOSTILE) out.push({ label: `${path.join('.')}=${label}`, input: set(make()), path });
      if (kind(v) === 'object') fields(v as Record<string, unknown>, path);
    }
  };
  fields(base, []);
  void method;
  return out;
}

/** Whether a rejection is clear: one line, not empty, bounded, naming the method (and field) for bad input. */
function clear(method: string, r: DispatchResult, path: string[], fromHandler = false): string | null {
  if (r.ok) return 'answered ok';
  const { code, message } = r.error;
  if (typeof code !== 'string' || code === '' || code === 'INTERNAL') return `code ${String(code)}: ${message}`;
  if (typeof message !== 'string' || message.trim() === '') return 'empty message';
  if (/[\r\n]/.test(message)) return `message is not one line: ${JSON.stringify(message.slice(0, 200))}`;
  if (message.length > 2000) return `message of ${message.length} characters`;
  if (code === 'BAD_INPUT' && !fromHandler && !message.startsWith(`${method}: `)) return `message does not name ${method}: ${message}`;
  if (code === 'BAD_INPUT' && path.length > 0 && !message.includes(path.join('.')) && !message.includes(': input:')) {
    return `message does not name the field ${path.join('.')}: ${message}`;
  }
  return null;
}

async function call(method: string, input: unknown): Promise<DispatchResult | Error> {
  totals.calls++;
  try {
    return await dispatch(service, method, input);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function note(problem: string): void {
  if (problems.length < 40) problems.push(problem);
}

beforeAll(() => {
  session = new Session(join(work, 'recent.json'));
  project = session.open(join(work, 'p'), true);
  service = createService({ session, author: 'fuzz', modelsDir: join(work, 'models') } as Parameters<typeof createService>[0]);
  imageId = insertImage(project, {
    sourceSha256: 'b'.repeat(64),
    sourceName: 'x.png',
    frame: 0,
    fileSha256: 'b'.repeat(64),
    fileExt: 'png',
    originalName: 'x.png',
    width: 100,
    height: 50,
    channels: 1,
    bitDepth: 8,
    subject: 's1',
    split: null,
    modality: 'US',
    metadata: {},
  });
  categoryId = ensureCategory(project, 'kidney');
  annotationId = createAnnotation(project, { imageId, categoryId, box: { x: 1, y: 1, w: 10, h: 10 }, author: 'fuzz' }).id;
  mkdirSync(join(work, 'inputs'));
  writeFileSync(join(work, 'inputs', 'a.json'), '{"images":[],"annotations":[],"categories":[]}');
});

afterAll(() => {
  session?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('API contract fuzzing through dispatch', () => {
  it('has a baseline for every method of the contract', () => {
    expect(Object.keys(baselines()).sort()).toEqual([...API_METHODS].sort());
    for (const [m, base] of Object.entries(baselines())) {
      const parsed = contract[m as ApiMethod].input.safeParse(base);
      expect(parsed.success, `${m} baseline: ${parsed.success ? '' : parsed.error.issues[0].message}`).toBe(true);
    }
  });

  it('refuses every hostile input of every method clearly, without throwing or changing the project', async () => {
    const all = baselines();
    for (const method of API_METHODS) {
      const base = all[method] ?? {};
      const schema = contract[method].input;
      const before = JSON.stringify(snapshot(project));
      for (const v of variants(method, base)) {
        // null and undefined mean "no input", which is the valid call of a method without fields.
        if (schema.safeParse(v.input ?? {}).success) {
          totals.skippedValid++;
          continue;
        }
        const r = await call(method, v.input);
        if (r instanceof Error) {
          totals.threw++;
          note(`${method} ${v.label}: threw ${r.message.slice(0, 200)}`);
          continue;
        }
        const why = clear(method, r, v.path);
        if (why) {
          totals.unclear++;
          note(`${method} ${v.label}: ${why}`);
        } else totals.refused++;
      }
      if (JSON.stringify(snapshot(project)) !== before) {
        totals.changed++;
        note(`${method}: hostile calls changed the project`);
      }
      expect(session.current, `${method} closed or switched the project`).toBe(project);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);

  it('refuses unknown method names, prototype keys included', async () => {
    const before = JSON.stringify(snapshot(project));
    const names: unknown[] = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '', ' ', 'annotations.create ', 'ANNOTATIONS.CREATE', 'annotations', 'fs.readFile', 'x'.repeat(1_000_000), 'a\u0000b', 1, null, undefined, {}, ['annotations.list']];
    for (const name of names) {
      const r = await call(name as string, { imageId });
      if (r instanceof Error) {
        totals.threw++;
        note(`method ${String(name).slice(0, 30)}: threw ${r.message}`);
      } else if (r.ok || r.error.code !== 'UNKNOWN_METHOD' || r.error.message.length > 200) {
        totals.unclear++;
        note(`method ${String(name).slice(0, 30)}: ${JSON.stringify(r).slice(0, 200)}`);
      } else totals.refused++;
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(snapshot(project))).toBe(before);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('refuses ids and paths that name nothing, through the handlers, without changing the project', async () => {
    const before = JSON.stringify(snapshot(project));
    for (const [method, input, expected] of unknownIds()) {
      if (!(API_METHODS as readonly string[]).includes(method)) continue;
      const r = await call(method, input);
      const label = `${method} ${JSON.stringify(input).slice(0, 80)}`;
      if (r instanceof Error) {
        totals.threw++;
        note(`${label}: threw ${r.message}`);
        continue;
      }
      if (expected === 'refuse' || !r.ok) {
        const why = clear(method, r, [], true);
        if (why) {
          totals.unclear++;
          note(`${label}: ${why}`);
          continue;
        }
      }
      totals.refused++;
      expect(JSON.stringify(snapshot(project)), `${label} changed the project`).toBe(before);
      expect(session.current, `${label} closed or switched the project`).toBe(project);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('API contract fuzzing through the bridge over HTTP', () => {
  it('answers a sample of the hostile calls with a 4xx status and { ok: false, error }, and the project is unchanged', async () => {
    const dir = join(work, 'bridge-project');
    const p = openProject(dir, { create: true });
    const img = insertImage(p, {
      sourceSha256: 'c'.repeat(64),
      sourceName: 'y.png',
      frame: 0,
      fileSha256: 'c'.repeat(64),
      fileExt: 'png',
      originalName: 'y.png',
      width: 64,
      height: 64,
      channels: 1,
      bitDepth: 8,
      subject: null,
      split: null,
      modality: 'US',
      metadata: {},
    });
    ensureCategory(p, 'kidney');
    const before = JSON.stringify(snapshot(p));
    p.close();
    const renderer = join(work, 'renderer');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html>');
    const bridge = await startBridge({ projectDir: dir, rendererDir: renderer, configDir: join(work, 'bridge-config'), modelsDir: join(work, 'models') } as Parameters<typeof startBridge>[0]);
    const post = (path: string, body: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: bridge.port, path, method: 'POST', headers: { Host: `127.0.0.1:${bridge.port}`, Authorization: `Bearer ${bridge.token}`, 'Content-Type': 'application/json' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    let sent = 0;
    const bad: string[] = [];
    const expectRefusal = (label: string, r: { status: number; body: string }): void => {
      sent++;
      let parsed: DispatchResult | undefined;
      try {
        parsed = JSON.parse(r.body) as DispatchResult;
      } catch {
        // reported below
      }
      if (r.status < 400 || r.status >= 500 || !parsed || parsed.ok || !parsed.error.message || /[\r\n]/.test(parsed.error.message)) {
        bad.push(`${label}: ${r.status} ${r.body.slice(0, 200)}`);
      }
    };
    try {
      const all = baselines();
      for (const method of API_METHODS) {
        const base = { ...(all[method] ?? {}) };
        if ('imageId' in base) base.imageId = img;
        const schema = contract[method].input;
        // Every fourth variant that survives JSON (undefined, NaN and symbols do not travel over HTTP).
        const sample = variants(method, base).filter((v, i) => i % 4 === 0);
        for (const v of sample) {
          let body: string | undefined;
          try {
            body = JSON.stringify(v.input);
          } catch {
            continue; // too deep for JSON.stringify: the raw 100k-deep body below covers it
          }
          if (body === undefined || schema.safeParse(JSON.parse(body) ?? {}).success) continue;
          expectRefusal(`${method} ${v.label}`, await post(`/api/${method}`, body));
        }
      }
      for (const [label, path, body] of [
        ['not JSON', '/api/project.info', '{nope'],
        ['a JSON string', '/api/images.get', '"imageId"'],
        ['100k-deep JSON', '/api/images.get', '['.repeat(100_000) + ']'.repeat(100_000)],
        ['__proto__ method', '/api/__proto__', '{}'],
        ['constructor method', '/api/constructor', '{}'],
        ['encoded __proto__ method', '/api/%5F%5Fproto%5F%5F', '{}'],
        ['malformed percent-encoding in the method', '/api/%E0%A4%A', '{}'],
        ['malformed percent-encoding in a file path', '/files/%E0%A4%A', '{}'],
        ['malformed percent-encoding in a page path', '/%E0%A4%A', '{}'],
        ['body over 16 MB', '/api/categories.ensure', JSON.stringify({ name: 'x'.repeat(17 * 1024 * 1024) })],
      ] as const) {
        expectRefusal(label, await post(path, body));
      }
    } finally {
      await bridge.close();
    }
    const after = openProject(dir);
    try {
      expect(JSON.stringify(snapshot(after))).toBe(before);
    } finally {
      after.close();
    }
    console.log(`api fuzz (bridge): ${sent} HTTP requests, ${sent - bad.length} refused with 4xx and { ok: false }`);
    expect(sent).toBeGreaterThan(100);
    expect(bad, bad.slice(0, 20).join('\n')).toEqual([]);
  }, 60_000);
});

describe('API fuzz: totals', () => {
  it('refused every hostile call clearly', () => {
    console.log(
      `api fuzz: ${totals.calls} calls through dispatch, ${totals.refused} refused clearly, ${totals.threw} threw, ${totals.unclear} unclear, ` +
        `${totals.changed} changed the project; ${totals.skippedValid} generated inputs were valid and not sent`,
    );
    expect(totals.calls).toBeGreaterThan(1000);
    expect(totals.threw + totals.unclear + totals.changed).toBe(0);
    expect(totals.refused).toBe(totals.calls);
  });
});
