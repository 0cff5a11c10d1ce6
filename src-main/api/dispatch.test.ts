import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRun, ensureCategory, insertImage, saveRunLosses, setRunStatus, type Project } from '../core/project/index.js';
import { listDetections, saveDetections } from '../core/study/store.js';
import { API_METHODS } from './contract.js';
import { dispatch } from './dispatch.js';
import { createService, type Service } from './service.js';
import { Session } from './session.js';

let dir: string;
let project: Project;
let session: Session;
let service: Service;
let imageId: number;
let categoryId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sonotl-api-'));
  session = new Session(join(dir, 'recent.json'));
  project = session.open(join(dir, 'p'), true);
  service = createService({ session, author: 'tester' });
  imageId = insertImage(project, {
    sourceSha256: 'a'.repeat(64),
    sourceName: 'x.png',
    frame: 0,
    fileSha256: 'a'.repeat(64),
    fileExt: 'png',
    originalName: 'a.png',
    width: 100,
    height: 50,
    channels: 1,
    bitDepth: 8,
    subject: null,
    split: null,
    modality: 'US',
    metadata: {},
  });
  categoryId = ensureCategory(project, 'kidney');
});

afterEach(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dispatch', () => {
  it('implements every method of the contract', () => {
    expect(Object.keys(service).sort()).toEqual([...API_METHODS].sort());
  });

  it('creates, lists, undoes and redoes through the contract', async () => {
    const created = await dispatch(service, 'annotations.create', { imageId, categoryId, box: { x: 1, y: 2, w: 3, h: 4 } });
    expect(created).toMatchObject({ ok: true, value: { x: 1, y: 2, w: 3, h: 4, author: 'tester' } });
    expect(await dispatch(service, 'annotations.list', { imageId })).toMatchObject({ ok: true, value: [{ x: 1 }] });
    expect(await dispatch(service, 'edits.undo', { imageId })).toMatchObject({ ok: true, value: { canUndo: false, canRedo: true } });
    expect(await dispatch(service, 'annotations.list', { imageId })).toMatchObject({ ok: true, value: [] });
    await dispatch(service, 'edits.redo', { imageId });
    expect(await dispatch(service, 'annotations.list', { imageId })).toMatchObject({ ok: true, value: [{ x: 1 }] });
  });

  it('refuses unknown methods, wrong types, missing and extra fields, and huge strings before any handler runs', async () => {
    expect(await dispatch(service, 'fs.readFile', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await dispatch(service, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    const wrongType = await dispatch(service, 'annotations.create', { imageId: '1', categoryId, box: { x: 1, y: 2, w: 3, h: 4 } });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(wrongType.ok ? '' : wrongType.error.message).toMatch(/^annotations\.create: imageId: /);
    expect(await dispatch(service, 'annotations.create', { imageId, categoryId })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await dispatch(service, 'annotations.list', { imageId, extra: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await dispatch(service, 'categories.ensure', { name: 'x'.repeat(10_000) })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await dispatch(service, 'images.list', { offset: 0, limit: 1e6 })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await dispatch(service, 'annotations.create', { imageId, categoryId, box: { x: NaN, y: 0, w: 1, h: 1 } })).toMatchObject({
      ok: false,
    });
    expect(await dispatch(service, 'annotations.list', { imageId })).toMatchObject({ ok: true, value: [] });
  });

  it('switches projects through the session and remembers recent ones', async () => {
    expect(await dispatch(service, 'session.current', {})).toEqual({ ok: true, value: { dir: project.dir } });
    const other = join(dir, 'q');
    expect(await dispatch(service, 'session.create', { dir: other })).toEqual({ ok: true, value: { dir: other } });
    expect(await dispatch(service, 'session.recent', {})).toEqual({ ok: true, value: [other, project.dir] });
    expect(await dispatch(service, 'project.info', {})).toMatchObject({ ok: true, value: { images: 0 } });
    await dispatch(service, 'session.close', {});
    expect(await dispatch(service, 'project.info', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: /no project is open/ } });
    expect(await dispatch(service, 'session.open', { dir: join(dir, 'nothing') })).toMatchObject({
      ok: false,
      error: { code: 'PROJECT_NOT_FOUND' },
    });
  });

  it('turns core errors into coded messages that name the object', async () => {
    const r = await dispatch(service, 'annotations.create', { imageId: 999, categoryId, box: { x: 1, y: 2, w: 3, h: 4 } });
    expect(r).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'image 999 is not in this project', subject: '999' } });
    const outside = await dispatch(service, 'annotations.create', { imageId, categoryId, box: { x: 90, y: 0, w: 30, h: 4 } });
    expect(outside.ok ? '' : outside.error.message).toMatch(/outside the 100x50 image/);
  });

  it("serves a detection's ranked windows and the runs' loss curves as the stored values, over JSON", async () => {
    const study = createRun(project, { method: 'pa', backbone: 'mobilenet_v2_0.35_224', level: 'pa' }).id;
    const windows = [
      { x: 10, y: 5, w: 40, h: 30, score: 0.93 },
      { x: 12, y: 5, w: 40, h: 30, score: 0.88 },
    ];
    saveDetections(project, study, 'cv', [{ imageId, categoryId, box: { x: 11, y: 5, w: 40, h: 30 }, score: 0.95, dice: 0.5, windows }]);
    saveRunLosses(project, study, 'fold-2', [{ epoch: 1, trainLoss: 0.6, valLoss: null, valAccuracy: null }]);
    saveRunLosses(project, study, 'fold-1', [{ epoch: 1, trainLoss: 0.7, valLoss: 0.65, valAccuracy: 0.7 }, { epoch: 2, trainLoss: 0.5, valLoss: 0.55, valAccuracy: 0.75 }]);
    setRunStatus(project, study, 'done');
    const stopped = createRun(project, { method: 'finetune', level: 'fa' }).id;
    saveRunLosses(project, stopped, 'final', [{ epoch: 1, trainLoss: 0.4, valLoss: 0.45, valAccuracy: 0.8 }]);
    setRunStatus(project, stopped, 'cancelled');
    createRun(project, { method: 'haar' });
    const [det] = listDetections(project, study);

    const overJson = async (method: string, input: unknown) => JSON.parse(JSON.stringify(await dispatch(service, method, JSON.parse(JSON.stringify(input)))));
    expect(await overJson('runs.windows', { detectionId: det.id })).toEqual({
      ok: true,
      value: { detectionId: det.id, runId: study, imageId, windows: windows.map((w, i) => ({ rank: i + 1, ...w })) },
    });
    const losses = await overJson('runs.losses', {});
    expect(losses.ok).toBe(true);
    // Runs that trained nothing have no curve; a stopped run keeps its curve up to where it stopped.
    const curves = new Map<string, { status: string; networks: unknown }>(losses.value.map((l: { runId: string }) => [l.runId, l]));
    expect([...curves.keys()].sort()).toEqual([study, stopped].sort());
    expect(curves.get(stopped)).toMatchObject({ status: 'cancelled', method: 'finetune', level: 'fa' });
    expect(curves.get(study)).toMatchObject({ status: 'done', method: 'pa', level: 'pa', backbone: 'mobilenet_v2_0.35_224' });
    expect(curves.get(study)!.networks).toEqual([
      { network: 'fold-1', epochs: [{ epoch: 1, trainLoss: 0.7, valLoss: 0.65, valAccuracy: 0.7 }, { epoch: 2, trainLoss: 0.5, valLoss: 0.55, valAccuracy: 0.75 }] },
      { network: 'fold-2', epochs: [{ epoch: 1, trainLoss: 0.6, valLoss: null, valAccuracy: null }] },
    ]);
    expect((await overJson('runs.losses', { runIds: [stopped] })).value.map((l: { runId: string }) => l.runId)).toEqual([stopped]);

    expect(await dispatch(service, 'runs.windows', { detectionId: 987_654 })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'detection 987654 is not in this project (its run may have been run again since)', subject: '987654' },
    });
    for (const bad of [{}, { detectionId: 0 }, { detectionId: '1' }, { detectionId: 1.5 }, { detectionId: det.id, rank: 1 }]) {
      expect(await dispatch(service, 'runs.windows', bad)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/^runs\.windows: /) } });
    }
    expect(await dispatch(service, 'runs.losses', { runIds: 'r1' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });
});
