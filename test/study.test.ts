/**
 * The whole detection study through the built `sonotl` command on small phantom projects: the report
 * folder and Table 1, what is stored in the project, an independent test project, a refused config,
 * and Ctrl-C.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../src-main/core/backbones/test-fixtures.js';
import { openProject } from '../src-main/core/project/open.js';
import { sonotl, sonotlAsync } from './helpers/cli.js';
import { snapshot } from './helpers/snapshot.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-study-'));
const P = join(work, 'p');
const Q = join(work, 'q');
const MODELS = sharedModelsDir();
const METHODS = ['haar', 'na', 'fusion', 'fusion-score'];
const N = 30;

interface Row {
  method: string;
  backbone: string | null;
  set: string;
  n: number;
  failures: number;
  failureRate: number;
  failureRateCI: [number, number];
  accuracy: number;
  accuracyCI: [number, number];
  meanDice: number;
  meanDiceCI: [number, number];
}

interface InfoRun {
  id: string;
  method: string;
  backbone: string | null;
  status: string;
  detections: number;
}

const info = (dir: string): { runs: InfoRun[] } => JSON.parse(sonotl(['info', dir, '--json']).stdout);

function snapshotOf(dir: string): ReturnType<typeof snapshot> {
  const project = openProject(dir);
  try {
    return snapshot(project);
  } finally {
    project.close();
  }
}

beforeAll(() => {
  for (const [dir, count, seed] of [[P, N, 3], [Q, 8, 11]] as const) {
    const r = sonotl(['demo', dir, '--count', String(count), '--seed', String(seed), '--no-study']);
    expect(r.stderr).not.toMatch(/sonotl:/);
    expect(r.status).toBe(0);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every row's numbers are finite and each rate lies inside its own interval, inside [0, 1]. */
function checkRow(r: Row): void {
  for (const k of ['n', 'failures', 'failureRate', 'accuracy', 'meanDice'] as const) expect(Number.isFinite(r[k]), `${r.method} ${k}`).toBe(true);
  for (const [v, [lo, hi]] of [[r.failureRate, r.failureRateCI], [r.accuracy, r.accuracyCI], [r.meanDice, r.meanDiceCI]] as const) {
    expect(0 <= lo && lo <= v && v <= hi && hi <= 1, `${r.method} ${v} in [${lo}, ${hi}]`).toBe(true);
  }
  expect(r.failureRate).toBeCloseTo(r.failures / r.n, 12);
}

describe('sonotl study', () => {
  it('refuses a bad config or method list before starting any run, naming the file and the field', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['folds.json', { folds: 2 }, /folds.*/],
      ['typo.json', { methods: ['haar'], gbm: { maxIters: 10 } }, /gbm.*maxIters/],
      ['method.json', { methods: ['haar', 'vgg'] }, /methods/],
    ];
    for (const [name, body, field] of cases) {
      const file = join(work, name);
      writeFileSync(file, JSON.stringify(body));
      const r = sonotl(['study', P, '--config', file]);
      expect(r.status, name).toBe(1);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toContain(`sonotl: ${file}: `);
      expect(r.stderr, name).toMatch(field);
    }
    writeFileSync(join(work, 'broken.json'), '{ "folds": 3,');
    const broken = sonotl(['study', P, '--config', join(work, 'broken.json')]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/broken\.json: not valid JSON/);
    const missing = sonotl(['study', P, '--config', join(work, 'absent.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/absent\.json: cannot read the study config/);
    const methods = sonotl(['study', P, '--methods', 'haar,resnet']);
    expect(methods.status).toBe(2);
    expect(methods.stderr).toMatch(/unknown method "resnet"/);
    expect(info(P).runs).toEqual([]);
  });

  it('runs every method on the same folds, writes the report and stores runs and detections', () => {
    const out = join(work, 'report');
    const t0 = Date.now();
    const r = sonotl(['study', P, '--quick', '--methods', METHODS.join(','), '--models', MODELS, '--out', out, '--json'], { timeoutMs: 170_000 });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.stderr).not.toMatch(/sonotl:/);
    expect(r.status).toBe(0);
    console.log(`phantom study, ${N} images, ${METHODS.join(',')}, --quick: ${seconds.toFixed(1)} s`);

    const result = JSON.parse(r.stdout) as { report: string; runs: Record<string, string>; table1: Row[] };
    expect(result.report).toBe(out);
    for (const f of ['table1.json', 'table1.md', 'table1.csv', 'mcnemar.csv', 'detections.csv', 'study.json', 'index.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const rows = JSON.parse(readFileSync(join(out, 'table1.json'), 'utf8')) as Row[];
    expect(rows).toEqual(result.table1);
    expect(rows.map((x) => x.method).sort()).toEqual([...METHODS].sort());
    for (const row of rows) {
      expect(row.set).toBe('cv');
      expect(row.n).toBe(N);
      expect(row.backbone).toBe(row.method === 'haar' ? null : 'mobilenet_v2_0.35_224');
      checkRow(row);
    }

    const md = readFileSync(join(out, 'table1.md'), 'utf8');
    const csv = readFileSync(join(out, 'table1.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + METHODS.length);
    expect(csv[0]).toMatch(/^method,backbone,set,n,failures,failureRate,failureRateLo,failureRateHi/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Localisation failures (Dice &lt; 0.80)');
    expect(html).toContain('Dice per image');
    for (const m of METHODS) {
      expect(md).toContain(`| ${m} |`);
      expect(html).toContain(`>${m}</td>`);
    }
    // One detection per image and method, failures counted from their Dice.
    const dets = readFileSync(join(out, 'detections.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(dets).toHaveLength(N * METHODS.length);
    for (const row of rows) {
      const own = dets.filter((d) => d[0] === row.method);
      expect(own.filter((d) => Number(d[11]) < 0.8)).toHaveLength(row.failures);
    }

    const runs = info(P).runs;
    expect(runs.map((x) => x.method).sort()).toEqual([...METHODS].sort());
    for (const run of runs) {
      expect(run).toMatchObject({ id: result.runs[run.method], status: 'done', detections: N });
    }
  }, 180_000);

  it('reports an independent test project beside cross-validation, writing nothing to it', () => {
    const out = join(work, 'report-q');
    const before = snapshotOf(Q);
    const r = sonotl(['study', P, '--quick', '--methods', 'haar', '--test-project', Q, '--out', out, '--json'], { timeoutMs: 110_000 });
    expect(r.stderr).not.toMatch(/sonotl:/);
    expect(r.status).toBe(0);
    const rows = JSON.parse(readFileSync(join(out, 'table1.json'), 'utf8')) as Row[];
    expect(rows.map((x) => [x.method, x.set, x.n])).toEqual([['haar', 'cv', N], ['haar', 'test', 8]]);
    rows.forEach(checkRow);
    // The test project's images are not the study project's: only the cv detections are stored in P.
    const run = info(P).runs.find((x) => x.id === JSON.parse(r.stdout).runs.haar)!;
    expect(run).toMatchObject({ status: 'done', detections: N });
    expect(snapshotOf(Q)).toEqual(before);
    expect(sonotl(['study', P, '--test-project', P]).stderr).toMatch(/is the study project itself/);
  }, 120_000);

  it('cancels on Ctrl-C: the runs are marked cancelled and no report is written', async () => {
    const out = join(work, 'report-cancelled');
    // Haar alone keeps this short; it runs in the same worker thread and cancels the same way as the CNN methods.
    const child = sonotlAsync(['study', P, '--quick', '--methods', 'haar', '--out', out]);
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Interrupt in the middle of the work, once the classifiers of the first round exist.
        if (/^mine /m.test(stderr)) resolve();
      });
      child.on('exit', () => reject(new Error(`study ended before it could be interrupted:\n${stderr}`)));
    });
    child.kill('SIGINT');
    const code = await exit;
    expect(stderr).toMatch(/cancelling the study/);
    expect(stderr).toMatch(/sonotl: study cancelled/);
    expect(code).toBe(1);
    expect(existsSync(out)).toBe(false);
    const cancelled = info(P).runs.filter((x) => x.status === 'cancelled');
    expect(cancelled.map((x) => x.method)).toEqual(['haar']);
    for (const run of cancelled) expect(run.detections).toBe(0);
  }, 120_000);
});
