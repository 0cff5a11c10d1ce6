import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOfRun } from '../src-main/api/study-jobs.js';
import { phantomProject } from '../src-main/core/adapt/phantom-project.test-util.js';
import { sharedModelsDir } from '../src-main/core/backbones/test-fixtures.js';
import { addUserBackbone } from '../src-main/core/backbones/user-backbones.js';
import { randomizeWeights, useCpuBackend } from '../src-main/core/onnx/test-support.js';
import { getRun, listRuns, type Project } from '../src-main/core/project/index.js';
import { QUICK_OVERRIDES, resolveStudyConfig, splitMethods, studyVariants, type StudyConfigInput } from '../src-main/core/study/config.js';
import { runStudy } from '../src-main/core/study/run-study.js';
import { listDetections } from '../src-main/core/study/store.js';
import { sonotl } from './helpers/cli.js';
import { TINY_STUDY } from '../src-main/core/study/tiny-study.test-util.js';

/**
 * extraBackbones: the CNN methods run again with another backbone (here a tiny user backbone added the
 * way `sonotl backbones add` adds one) on the same folds, each as its own runs and Table 1 rows.
 */
const MAIN = 'mobilenet_v2_0.35_224';
const EXTRA = 'tiny-study-net';
/** A feature-vector backbone with a non-square input: it cannot be fine-tuned (PA / FA). */
const VECTOR = 'tiny-vector-net';
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;
let modelsDir: string;

/** A small tfjs-layers model saved as a model.json folder: fully convolutional, or ending in a vector. */
async function saveTinyNet(dir: string, vector = false): Promise<void> {
  const input = tfl.input({ shape: vector ? [16, 20, 3] : [32, 32, 3] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'stem' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'top' }).apply(x) as tfl.SymbolicTensor;
  if (vector) x = tfl.layers.dense({ units: 5, name: 'fc' }).apply(tfl.layers.flatten().apply(x)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: x, name: vector ? 'tiny_vector_net' : 'tiny_study_net' });
  randomizeWeights(model, 7);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts!.weightData as ArrayBuffer));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    modelTopology: artifacts!.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }],
    format: 'layers-model',
  }));
}

const SMALL: StudyConfigInput = {
  ...QUICK_OVERRIDES,
  split: 'kfold',
  folds: 3,
  ...TINY_STUDY,
};

beforeAll(async () => {
  await useCpuBackend();
  fx = await phantomProject(6);
  project = fx.project;
  // The user backbone is installed into a cache of its own; the study's models folder is that cache,
  // with the shared MobileNetV2 folder linked in beside it.
  const cacheOpts = { env: { XDG_CACHE_HOME: join(fx.root, 'cache') }, platform: 'linux' as const, homeDir: join(fx.root, 'home') };
  await saveTinyNet(join(fx.root, 'tiny-src'));
  await addUserBackbone(join(fx.root, 'tiny-src'), { ...cacheOpts, id: EXTRA, featureLayer: 'top', paFrozen: ['stem'] });
  await saveTinyNet(join(fx.root, 'vector-src'), true);
  await addUserBackbone(join(fx.root, 'vector-src'), { ...cacheOpts, id: VECTOR, featureLayer: 'fc', paFrozen: ['stem'] });
  modelsDir = join(fx.root, 'cache', 'sonotl', 'models');
  symlinkSync(join(sharedModelsDir(), MAIN), join(modelsDir, MAIN), 'dir');
}, 30_000);
afterAll(() => fx?.cleanup());

describe('a study with extra backbones', () => {
  it('refuses an unknown, repeated or main backbone before any run exists, and limits PA / FA per backbone', async () => {
    const unknown = resolveStudyConfig({ ...SMALL, methods: ['haar', 'na'], extraBackbones: ['resnet_9000'] });
    await expect(runStudy(project, { config: unknown, outDir: join(fx.root, 'never'), modelsDir, inline: true })).rejects.toThrow(
      /^study config: extraBackbones: unknown backbone resnet_9000; known: .*mobilenet_v2_0\.35_224.*caffenet/,
    );
    expect(listRuns(project)).toEqual([]);
    expect(() => resolveStudyConfig({ extraBackbones: [MAIN] })).toThrow(`study config: extraBackbones: ${MAIN} is already the study's backbone`);
    expect(() => resolveStudyConfig({ extraBackbones: ['caffenet', 'caffenet'] })).toThrow('study config: extraBackbones: caffenet is listed twice');
    const haarOnly = resolveStudyConfig({ methods: ['haar'], extraBackbones: ['caffenet'] });
    await expect(runStudy(project, { config: haarOnly, outDir: join(fx.root, 'never'), modelsDir, inline: true })).rejects.toThrow(/extraBackbones \(caffenet\) needs a CNN method/);
    expect(listRuns(project)).toEqual([]);

    // A backbone that cannot be fine-tuned runs NA only as an extra, with PA / FA listed for it by name,
    // exactly as splitMethods treats it as the main backbone.
    const [main, vector] = studyVariants(resolveStudyConfig({ methods: ['haar', 'na', 'pa', 'fa'], extraBackbones: [VECTOR] }));
    expect(main).toMatchObject({ backbone: MAIN, main: true, methods: ['haar', 'na', 'pa', 'fa'], unavailable: [] });
    expect(vector).toMatchObject({ backbone: VECTOR, main: false, methods: ['na'] });
    expect(vector.unavailable.map((u) => [u.method, u.backbone])).toEqual([['pa', VECTOR], ['fa', VECTOR]]);
    expect(vector.unavailable.map((u) => u.reason)).toEqual(splitMethods(['pa', 'fa'], VECTOR).unavailable.map((u) => u.reason));
    expect(vector.unavailable[0].reason).toMatch(/tiny-vector-net cannot be fine-tuned here/);
  });

  it('runs the CNN methods with each backbone on the same folds, as runs and Table 1 rows of their own', async () => {
    const config = resolveStudyConfig({ ...SMALL, methods: ['haar', 'na'], extraBackbones: [EXTRA] });
    const out = join(fx.root, 'report');
    const r = await runStudy(project, { config, outDir: out, modelsDir, inline: true });

    expect(r.rows.map((x) => [x.method, x.backbone, x.set, x.n])).toEqual([
      ['haar', null, 'cv', 6],
      ['na', MAIN, 'cv', 6],
      ['na', EXTRA, 'cv', 6],
    ]);
    expect(Object.keys(r.runs).sort()).toEqual(['haar', 'na', `na@${EXTRA}`]);
    expect(listRuns(project)).toHaveLength(3);
    for (const [key, backbone] of [['haar', null], ['na', MAIN], [`na@${EXTRA}`, EXTRA]] as const) {
      expect(getRun(project, r.runs[key])).toMatchObject({ backbone, status: 'done', method: key.split('@')[0] });
      expect(listDetections(project, r.runs[key], 'cv')).toHaveLength(6);
    }
    // The same images in the same folds for every method and backbone.
    const foldOf = (backbone: string | null) =>
      r.computation.detections.filter((d) => d.backbone === backbone).map((d) => `${d.imageId}:${d.fold}`).sort();
    expect(new Set(r.computation.detections.map((d) => d.fold)).size).toBe(3);
    expect(foldOf(MAIN)).toEqual(foldOf(null));
    expect(foldOf(EXTRA)).toEqual(foldOf(null));
    // The extra backbone's features are its own: the two NA rows are not one computation twice.
    const scores = (backbone: string) => r.computation.detections.filter((d) => d.backbone === backbone).sort((a, b) => a.imageId - b.imageId).map((d) => d.score);
    expect(scores(EXTRA)).not.toEqual(scores(MAIN));
    expect(r.computation.folds[0].trainPatches).toHaveProperty(`na@${EXTRA}`);
    expect(r.mcnemar.map((m) => [m.methodA, m.backboneA, m.methodB, m.backboneB])).toEqual([
      ['haar', null, 'na', MAIN],
      ['haar', null, 'na', EXTRA],
      ['na', MAIN, 'na', EXTRA],
    ]);

    const rows = JSON.parse(readFileSync(join(out, 'table1.json'), 'utf8')) as Array<{ method: string; backbone: string | null }>;
    expect(rows.map((x) => `${x.method}/${x.backbone}`)).toEqual(['haar/null', `na/${MAIN}`, `na/${EXTRA}`]);
    const md = readFileSync(join(out, 'table1.md'), 'utf8');
    expect(md).toContain(`| na | ${MAIN} | cv |`);
    expect(md).toContain(`| na | ${EXTRA} | cv |`);
    const csv = readFileSync(join(out, 'table1.csv'), 'utf8').trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['haar,', `na,${MAIN}`, `na,${EXTRA}`]);
    const mc = readFileSync(join(out, 'mcnemar.csv'), 'utf8').trim().split('\n');
    expect(mc[0]).toMatch(/^set,methodA,backboneA,methodB,backboneB,n,/);
    expect(mc).toContain(mc.find((l) => l.startsWith(`cv,na,${MAIN},na,${EXTRA},6,`)));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain(`>na (${EXTRA})<`);
    expect(html).toContain(`<td>${EXTRA}</td>`);
    const dets = readFileSync(join(out, 'detections.csv'), 'utf8').trim().split('\n');
    expect(dets[0].split(',').at(-1)).toBe('backbone');
    expect(dets.slice(1).filter((l) => l.endsWith(`,${EXTRA}`))).toHaveLength(6);
    const study = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8')) as { config: { extraBackbones: string[] }; runs: Record<string, string> };
    expect(study.config.extraBackbones).toEqual([EXTRA]);
    expect(study.runs[`na@${EXTRA}`]).toBe(r.runs[`na@${EXTRA}`]);

    // Restarting any run of the study (the app's Restart) starts the whole study again, every backbone included.
    for (const key of ['haar', `na@${EXTRA}`]) {
      expect(configOfRun(project, r.runs[key])).toEqual(config);
    }
  }, 60_000);

  it('through the built CLI: a user backbone from the cache, computed in a worker thread of its own', () => {
    // The worker threads start with the built-in registry only; the study hands the user backbone over.
    const dir = join(fx.root, 'cli-project');
    expect(sonotl(['demo', dir, '--count', '6', '--seed', '4', '--no-study']).status).toBe(0);
    const file = join(fx.root, 'cli-study.json');
    writeFileSync(file, JSON.stringify({ ...SMALL, methods: ['na'], extraBackbones: [EXTRA] }));
    const env = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, SONOTL_MODELS: process.env.SONOTL_MODELS };
    process.env.XDG_CACHE_HOME = join(fx.root, 'cache');
    delete process.env.SONOTL_MODELS;
    let r: ReturnType<typeof sonotl>;
    try {
      r = sonotl(['study', dir, '--config', file, '--out', join(fx.root, 'cli-report'), '--json'], { timeoutMs: 100_000 });
    } finally {
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    expect(r.stderr).not.toMatch(/sonotl:/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { runs: Record<string, string>; table1: Array<{ method: string; backbone: string | null; n: number }> };
    expect(out.table1.map((x) => [x.method, x.backbone, x.n])).toEqual([['na', MAIN, 6], ['na', EXTRA, 6]]);
    expect(Object.keys(out.runs)).toEqual(['na', `na@${EXTRA}`]);
  }, 110_000);
});
