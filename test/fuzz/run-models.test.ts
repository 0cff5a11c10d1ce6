/**
 * Fuzzing the model files a project carries (models/<run>/<name>/model.json + weights.bin, read by
 * loadRunModel): a wrong type in every field, byte mutations, deep nesting, made-up sizes, traversal in
 * the manifest, links out of the project, and weights changed with and without their stored hash. Each
 * case must end in a loaded model that predicts, or a SonoError naming the file, within the time limit,
 * reading nothing outside the project and writing nothing at all. Prints `fuzz (run models): N cases, ...`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, loadRunModel, openProject, saveRunModel, type Project } from '../../src-main/core/project/index.js';
import { sha256Hex } from '../../src-main/core/util/hash.js';
import { FsTracer } from './fs-trace.js';
import { CASE_LIMIT_MS, fail, pass, Tally, type Verdict } from './harness.js';
import { both, judgeRefusal } from './judges.js';
import { describePath, jsonPaths, nestedJson, withField } from './json-paths.js';
import { randomMutants, rngFor, truncations, WRONG_JSON_VALUES } from './mutate.js';

const SEED = 20_261_201;
const tally = new Tally();
const tracer = new FsTracer();
const work = mkdtempSync(join(tmpdir(), 'sonotl-fuzz-models-'));
const outside = join(work, 'outside');
let project: Project;
let runId: string;
let dir: string;
let goodJson: string;
let goodWeights: Buffer;
let goodDoc: Record<string, unknown>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  project = openProject(join(work, 'p'), { create: true });
  runId = createRun(project, { method: 'fa', level: 'fa' }).id;
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units: 2, name: 'out', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  const stored = await saveRunModel(project, runId, 'final', m);
  dir = join(project.dir, stored.path);
  goodJson = readFileSync(join(dir, 'model.json'), 'utf8');
  goodWeights = readFileSync(join(dir, 'weights.bin'));
  goodDoc = JSON.parse(goodJson) as Record<string, unknown>;
  mkdirSync(outside);
  writeFileSync(join(outside, 'weights.bin'), goodWeights);
  writeFileSync(join(outside, 'model.json'), goodJson);
  tracer.install();
});

afterAll(() => {
  tracer.uninstall();
  project?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Puts the given files in place (and the stored hash, when the case changes both consistently). */
function place(json: string | Buffer, weights: Buffer = goodWeights, rehash = false): void {
  writeFileSync(join(dir, 'model.json'), json);
  writeFileSync(join(dir, 'weights.bin'), weights);
  project.db.prepare('UPDATE models SET sha256 = ? WHERE id = ?').run(rehash ? sha256Hex(weights) : sha256Hex(goodWeights), `${runId}/final`);
}

/** A loaded model must predict finite shapes; a refusal must be a one-line SonoError naming a model file. */
function judge(outcome: { value?: tfl.LayersModel; error?: unknown }): Verdict {
  const reads = tracer.violations([project.dir], []);
  if (reads.length > 0) return fail(`touched files outside the project: ${reads.slice(0, 3).join('; ')}`);
  if (outcome.error !== undefined) {
    const refusal = judgeRefusal(outcome.error, ['CORRUPT', 'BAD_INPUT', 'NOT_FOUND']);
    return both(refusal, () => (/model\.json|weights\.bin|models\//.test((outcome.error as Error).message) ? pass : fail(`does not name the file: ${(outcome.error as Error).message}`)));
  }
  const model = outcome.value!;
  try {
    const inputShape = model.inputs[0]?.shape;
    if (!inputShape) return fail('loaded model has no input');
    return pass;
  } finally {
    model.dispose();
  }
}

async function load(label: string): Promise<Verdict> {
  return tally.run(
    label,
    async () => {
      tracer.reset();
      return loadRunModel(project, runId, 'final');
    },
    judge,
  );
}

function expectClean(before: number): void {
  const mine = tally.failures.slice(before);
  expect(mine.length, mine.map((f) => `${f.kind}: ${f.label}: ${f.detail}`).slice(0, 25).join('\n')).toBe(0);
}

describe('fuzz: run model files (loadRunModel)', () => {
  it('loads the unchanged files (the fuzzing starts from a valid model)', async () => {
    place(goodJson);
    const m = await loadRunModel(project, runId, 'final');
    expect(m.predict(tf.zeros([1, 4])) instanceof tf.Tensor).toBe(true);
  });

  it('survives a wrong type or a missing member in every field of model.json', async () => {
    const before = tally.failures.length;
    for (const path of jsonPaths(goodDoc)) {
      for (const value of [...WRONG_JSON_VALUES, undefined]) {
        place(JSON.stringify(withField(goodDoc, path, value)));
        await load(`model.json ${describePath(path)}=${JSON.stringify(value)?.slice(0, 30)}`);
      }
    }
    expectClean(before);
  }, 120_000);

  it('survives byte mutations of model.json and deep nesting', async () => {
    const before = tally.failures.length;
    const rng = rngFor(SEED);
    const bytes = Buffer.from(goodJson);
    for (const m of [...truncations(bytes, 20, 30), ...randomMutants(bytes, 150, rng, bytes.length)]) {
      place(m.bytes);
      await load(`model.json ${m.how}`);
    }
    for (const kind of ['array', 'object'] as const) {
      place(nestedJson(100_000, '1', kind));
      await load(`model.json top-level deep ${kind}`);
      place(JSON.stringify({ ...goodDoc, modelTopology: '@@' }).replace('"@@"', nestedJson(100_000, '{}', kind)));
      await load(`model.json deep modelTopology ${kind}`);
    }
    expectClean(before);
  }, 120_000);

  it('refuses manifests that point outside the folder or declare sizes the file does not hold', async () => {
    const before = tally.failures.length;
    const manifest = (goodDoc.weightsManifest as Array<{ paths: string[]; weights: Array<{ shape: number[] }> }>)[0];
    const paths = ['../../../outside/weights.bin', `${outside}/weights.bin`, '..', '.', '', 'a/../weights.bin', 'weights.bin\u0000.txt', 'C:\\weights.bin', 'other.bin'];
    for (const p of paths) {
      place(JSON.stringify(withField(goodDoc, ['weightsManifest', 0, 'paths'], [p])));
      await load(`manifest path ${JSON.stringify(p)}`);
    }
    place(JSON.stringify(withField(goodDoc, ['weightsManifest', 0, 'paths'], ['weights.bin', 'weights.bin'])));
    await load('manifest lists weights.bin twice');
    const shapes = [[1e9, 1e9], [2 ** 53, 2], [4, 2, 0], [4, 3], [1], [-1, 2], [4.5, 2]];
    for (const shape of shapes) {
      place(JSON.stringify(withField(goodDoc, ['weightsManifest', 0, 'weights', 0, 'shape'], shape)));
      await load(`weight shape ${JSON.stringify(shape)}`);
    }
    place(JSON.stringify(withField(goodDoc, ['weightsManifest', 0, 'weights', 1], { ...manifest.weights[0] })));
    await load('the same weight listed twice');
    for (const dtype of ['float64', 'string', 'complex64', 'int32']) {
      place(JSON.stringify(withField(goodDoc, ['weightsManifest', 0, 'weights', 0, 'dtype'], dtype)));
      await load(`weight dtype ${dtype}`);
    }
    place(JSON.stringify(withField(goodDoc, ['weightsManifest', 0, 'weights', 0, 'quantization'], { dtype: 'uint8', scale: 1, min: 0 })));
    await load('a quantization the saved weights do not have');
    expectClean(before);
  }, 60_000);

  it('refuses changed weights, and loads or refuses weights changed together with their stored hash', async () => {
    const before = tally.failures.length;
    const rng = rngFor(SEED + 1);
    const mutants = [...truncations(goodWeights, 8, 8), ...randomMutants(goodWeights, 40, rng, goodWeights.length)];
    for (const m of mutants) {
      place(goodJson, m.bytes);
      await load(`weights.bin ${m.how}`);
      place(goodJson, m.bytes, true);
      await load(`weights.bin rehashed ${m.how}`);
    }
    expectClean(before);
  }, 60_000);

  it('does not follow links out of the project, nor read folders or huge files as model files', async () => {
    const before = tally.failures.length;
    const cases: Array<[string, () => void]> = [
      ['model.json links outside', () => {
        rmSync(join(dir, 'model.json'));
        symlinkSync(join(outside, 'model.json'), join(dir, 'model.json'));
      }],
      ['weights.bin links outside', () => {
        rmSync(join(dir, 'weights.bin'));
        symlinkSync(join(outside, 'weights.bin'), join(dir, 'weights.bin'));
      }],
      ['model.json is a folder', () => {
        rmSync(join(dir, 'model.json'));
        mkdirSync(join(dir, 'model.json'));
      }],
      ['model.json is missing', () => rmSync(join(dir, 'model.json'))],
      ['model.json over the size limit', () => {
        writeFileSync(join(dir, 'model.json'), ' '.repeat(33 * 1024 * 1024));
      }],
    ];
    for (const [label, make] of cases) {
      place(goodJson);
      make();
      await load(label);
      rmSync(join(dir, 'model.json'), { recursive: true, force: true });
      rmSync(join(dir, 'weights.bin'), { force: true });
    }
    // The model's folder itself replaced by a link out of the project.
    const runDir = join(dir, '..');
    rmSync(dir, { recursive: true, force: true });
    symlinkSync(outside, dir);
    await load('model folder links outside');
    rmSync(dir);
    mkdirSync(dir);
    expect(runDir).toContain(project.dir);
    expectClean(before);
  }, 60_000);
});

describe('fuzz (run models): totals', () => {
  it('ran every case without a crash or a hang', () => {
    console.log(tally.summary().replace('fuzz:', 'fuzz (run models):'));
    console.log(`fuzz (run models): slowest case ${Math.round(tally.slowest.ms)} ms (${tally.slowest.label}); limit ${CASE_LIMIT_MS} ms`);
    expect(tally.cases).toBeGreaterThan(500);
    expect(tally.crashes, tally.report()).toBe(0);
    expect(tally.hangs, tally.report()).toBe(0);
    expect(tally.passed).toBe(tally.cases);
  });
});
