import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpyFloat32 } from '../src-main/core/adapt/npy.js';
import { writePhantomDataset } from '../src-main/core/phantom/dataset-files.js';
import { sonotl, sonotlAsync } from './helpers/cli.js';
import { SHARED } from './helpers/paths.js';

/**
 * The fine-tuning commands as a user runs them, from the built CLI (so training runs in its worker
 * thread): finetune interrupted with Ctrl-C and resumed, features of every box as .npy, the fine-tuned
 * network exported to ONNX and run, and the backbone listing.
 */
const work = mkdtempSync(join(tmpdir(), 'sonotl-finetune-cli-'));
const project = join(work, 'p');
const savedModels = process.env.SONOTL_MODELS;

beforeAll(async () => {
  process.env.SONOTL_MODELS = join(SHARED, 'models');
  const data = join(work, 'data');
  const coco = await writePhantomDataset(data, { seed: 5, count: 6, width: 192, height: 160 });
  expect(sonotl(['init', project]).status).toBe(0);
  const imported = sonotl(['import', project, data, '--coco', coco]);
  expect(imported.status, imported.stderr).toBe(0);
});
afterAll(() => {
  if (savedModels === undefined) delete process.env.SONOTL_MODELS;
  else process.env.SONOTL_MODELS = savedModels;
  rmSync(work, { recursive: true, force: true });
});

function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > until) reject(new Error('timed out'));
      else setTimeout(tick, 100);
    };
    tick();
  });
}

describe('sonotl finetune / features / export-model / backbones', () => {
  let runId = '';

  it('lists the registry with what is cached locally', () => {
    const r = sonotl(['backbones', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { searched: string[]; backbones: Array<{ id: string; frozenAtPA: string[]; local: { ok: boolean; dir?: string } }> };
    expect(out.searched[0]).toBe(join(SHARED, 'models'));
    const mobilenet = out.backbones.find((b) => b.id === 'mobilenet_v2_0.35_224')!;
    expect(mobilenet.frozenAtPA).toEqual(['stem', 'block0']);
    expect(mobilenet.local).toEqual({ ok: true, dir: join(SHARED, 'models', 'mobilenet_v2_0.35_224'), verified: true });
  });

  it('fine-tunes at PA, is interrupted with Ctrl-C after an epoch, and resumes from that checkpoint', async () => {
    const child = sonotlAsync(['finetune', project, '--level', 'pa', '--epochs', '2', '--crop', '32', '--batch', '8']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => /run (r\S+)/.test(stderr), 20_000);
    runId = /run (r\S+)/.exec(stderr)![1];
    await waitFor(() => existsSync(join(project, 'models', runId, 'checkpoint', 'model.json')), 40_000);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/sonotl: fine-tuning cancelled/);
    expect(stderr).toContain(`--resume ${runId}`);
    const info = JSON.parse(sonotl(['info', project, '--json']).stdout) as { runs: Array<{ id: string; status: string }> };
    expect(info.runs.find((r) => r.id === runId)?.status).toBe('cancelled');

    const resumed = sonotl(['finetune', project, '--level', 'pa', '--resume', runId, '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { runId: string; level: string; backend: string; resumedAfterEpoch: number; history: Array<{ epoch: number }> };
    expect(result).toMatchObject({ runId, level: 'pa', resumedAfterEpoch: 1 });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(result.backend).toMatch(/^(wasm|cpu|tensorflow)/);
    const after = JSON.parse(sonotl(['info', project, '--json']).stdout) as { runs: Array<{ id: string; status: string; method: string }> };
    expect(after.runs.find((r) => r.id === runId)).toMatchObject({ status: 'done', method: 'finetune' });
  });

  it('resumes a run whose process was killed (kill -9) from its last checkpoint', async () => {
    const child = sonotlAsync(['finetune', project, '--level', 'fa', '--epochs', '2', '--crop', '32', '--batch', '8']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await waitFor(() => /run (r\S+)/.test(stderr), 20_000);
    const crashed = /run (r\S+)/.exec(stderr)![1];
    await waitFor(() => existsSync(join(project, 'models', crashed, 'checkpoint', 'model.json')), 40_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const info = JSON.parse(sonotl(['info', project, '--json']).stdout) as { runs: Array<{ id: string; status: string }> };
    expect(info.runs.find((r) => r.id === crashed)?.status).toBe('interrupted');
    const resumed = sonotl(['finetune', project, '--level', 'fa', '--resume', crashed, '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: crashed, level: 'fa', resumedAfterEpoch: 1 });
  });

  it('writes one feature vector per box as .npy with a JSON index, and exports the run to ONNX', async () => {
    const npy = join(work, 'features.npy');
    const f = sonotl(['features', project, '--run', runId, '--out', npy]);
    expect(f.status, f.stderr).toBe(0);
    const { data, rows, cols } = decodeNpyFloat32(readFileSync(npy));
    const index = JSON.parse(readFileSync(join(work, 'features.json'), 'utf8')) as { run: string; level: string; shape: number[]; rows: Array<{ row: number; box: number[]; image: string }> };
    const boxes = (JSON.parse(sonotl(['info', project, '--json']).stdout) as { boxes: number }).boxes;
    expect([rows, cols]).toEqual([boxes, 1280]);
    expect(index).toMatchObject({ run: runId, level: 'pa', shape: [boxes, 1280] });
    expect(index.rows.map((r) => r.row)).toEqual(Array.from({ length: boxes }, (_, i) => i));
    expect(data.every(Number.isFinite)).toBe(true);

    const pretrained = join(work, 'pretrained.npy');
    expect(sonotl(['features', project, '--out', pretrained]).status).toBe(0);
    const base = decodeNpyFloat32(readFileSync(pretrained)).data;
    // The fine-tuned network gives other features than the ImageNet one.
    expect(Math.max(...data.map((v, i) => Math.abs(v - base[i])))).toBeGreaterThan(1e-3);

    const onnx = join(work, 'model.onnx');
    const x = sonotl(['export-model', project, '--run', runId, '--out', onnx]);
    expect(x.status, x.stderr).toBe(0);
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(2 * 3 * 224 * 224).fill(0.25), [2, 3, 224, 224]) });
    expect(out[session.outputNames[0]].dims).toEqual([2, 1280]);
    await session.release();
  });

  it('refuses bad command lines (exit 2) and bad requests (exit 1, one line)', () => {
    expect(sonotl(['finetune', project, '--level', 'xx']).status).toBe(2);
    expect(sonotl(['finetune', project]).status).toBe(2);
    const crop = sonotl(['finetune', project, '--level', 'fa', '--crop', '100']);
    expect(crop.status).toBe(1);
    expect(crop.stderr.trim()).toBe('sonotl: fine-tuning settings: cropSize: must be a multiple of 32');
    const run = sonotl(['export-model', project, '--run', 'r-nope', '--out', join(work, 'x.onnx')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/run r-nope is not in this project/);
    expect(sonotl(['finetune', project, '--level', 'pa', '--resume', runId]).stderr).toMatch(/already finished/);
  });
});
