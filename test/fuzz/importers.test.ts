/**
 * Fuzzing every importer through its real entry point: decodeImage (PNG, JPEG, DICOM), the annotation
 * readers (COCO, VOC, YOLO, CSV), the model loaders (GBM model JSON, tfjs model.json), and the whole
 * import (importInputs) on a temporary project. Each case must end in a result or a clear error or
 * issue naming the file, within the time limit, and the whole import must neither read nor write
 * outside the project and the folders given to it (see fs-trace.ts). Deterministic: every mutation
 * comes from a fixed seed. Ends by printing `fuzz: N cases, N passed, 0 crashes, 0 hangs`.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateBackbone } from '../../src-main/core/backbones/locate.js';
import type { BackboneEntry } from '../../src-main/core/backbones/registry.js';
import { SonoError } from '../../src-main/core/errors.js';
import { GbmClassifier } from '../../src-main/core/gbm/index.js';
import { decodeImage } from '../../src-main/core/imaging/decode.js';
import { MAX_PIXELS } from '../../src-main/core/imaging/limits.js';
import { MAX_XML_BYTES, readCoco, readCsv, readVoc, readYolo, type ReadResult } from '../../src-main/core/io/index.js';
import { MAX_ANNOTATION_BYTES } from '../../src-main/core/import/annotation-source.js';
import { importInputs, type ImportOptions, type ImportReport } from '../../src-main/core/import/run-import.js';
import { exportAnnotations } from '../../src-main/core/export/export-annotations.js';
import { blobPath, openProject, type Project } from '../../src-main/core/project/index.js';
import { FsTracer, snapshotFolder } from './fs-trace.js';
import { CASE_LIMIT_MS, fail, pass, Tally, type Verdict } from './harness.js';
import { both, judgeDecode, judgeImport, judgeModel, judgeRead, judgeRefusal } from './judges.js';
import { describePath, jsonPaths, nestedJson, withField } from './json-paths.js';
import { randomMutants, rngFor, truncations, WRONG_JSON_VALUES, type Mutant } from './mutate.js';
import {
  ANNOTATED,
  billionLaughs,
  bombDicom,
  bombJpeg,
  bombPng,
  cocoSeed,
  csvSeed,
  deflateBombDicom,
  externalEntity,
  H,
  imageSeeds,
  vocSeed,
  W,
  YOLO_CLASSES,
  yoloSeed,
  type ImageSeed,
} from './seeds.js';

const SEED = 20_251_125;
const MARKER = 'SENTINELMARKER7391';

const tally = new Tally();
const work = mkdtempSync(join(tmpdir(), 'sonotl-fuzz-'));
const sentinel = join(work, 'sentinel');
const inputs = join(work, 'inputs');
let project: Project;
let seeds: ImageSeed[];
let sentinelBefore: Map<string, string>;
let sentinelPngSha: string;
let caseNo = 0;
const tracer = new FsTracer();

beforeAll(async () => {
  seeds = await imageSeeds();
  project = openProject(join(work, 'project'), { create: true });
  // A sentinel folder beside the inputs: nothing in it may be read or changed by any import.
  mkdirSync(join(sentinel, 'dir'), { recursive: true });
  // A valid image that no case imports: the 16-bit PNG seed (only its mutants are imported).
  const secret = seeds.find((s) => s.name === 'png-gray16')!.bytes;
  writeFileSync(join(sentinel, 'secret.png'), secret);
  writeFileSync(join(sentinel, 'dir', 'inner.png'), secret);
  writeFileSync(join(sentinel, 'secret.txt'), `kidney\n${MARKER}\n`);
  writeFileSync(join(sentinel, 'secret.xml'), vocSeed('g8.png').replace('<name>kidney</name>', `<name>${MARKER}</name>`));
  writeFileSync(join(sentinel, 'secret.json'), cocoSeed().replace(/kidney/g, MARKER));
  sentinelPngSha = createHash('sha256').update(secret).digest('hex');
  sentinelBefore = snapshotFolder(sentinel);
  mkdirSync(inputs);
  tracer.install();
});

afterAll(() => {
  tracer.uninstall();
  project?.close();
  rmSync(work, { recursive: true, force: true });
});

function newCaseDir(): string {
  const d = join(inputs, `c${caseNo++}`);
  mkdirSync(d);
  return d;
}

/** Seeds other than the 16-bit PNG, which is the sentinel's content and must never enter the project. */
function importableSeeds(): ImageSeed[] {
  return seeds.filter((s) => s.name !== 'png-gray16');
}

function writeImages(dir: string, list: ImageSeed[] = importableSeeds()): void {
  for (const s of list) writeFileSync(join(dir, s.file), s.bytes);
}

/** Everything the confinement checks look at after an import. */
function confinement(readRoots: string[]): Verdict {
  const outside = tracer.violations([...readRoots, project.dir], [project.dir]);
  if (outside.length > 0) return fail(`touched files outside the import and the project: ${outside.slice(0, 3).join('; ')}`);
  const after = snapshotFolder(sentinel);
  for (const [p, v] of sentinelBefore) if (after.get(p) !== v) return fail(`sentinel ${p} changed`);
  if (after.size !== sentinelBefore.size) return fail('files appeared in the sentinel folder');
  for (const f of ['project.sqlite', 'project.sqlite-wal']) {
    const p = join(project.dir, f);
    if (existsSync(p) && readFileSync(p).includes(MARKER)) return fail(`the sentinel's marker appears in ${f}: a linked file was read`);
  }
  if (existsSync(blobPath(project, sentinelPngSha, 'png'))) return fail("the sentinel image's content was stored: a linked image was read");
  const integrity = project.db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') return fail(`integrity_check: ${String(integrity)}`);
  return pass;
}

/** Runs one whole import on the shared project and judges the report, the confinement and the database. */
async function importCase(label: string, paths: string[], options: ImportOptions, readRoots: string[], extra?: (r: ImportReport | undefined) => Verdict): Promise<Verdict> {
  return tally.run(
    `import ${label}`,
    async () => {
      tracer.reset();
      return importInputs(project, paths, options);
    },
    (outcome) => both(judgeImport(outcome), () => both(confinement(readRoots), () => (extra ? extra(outcome.value) : pass))),
  );
}

function expectClean(before: number): void {
  const mine = tally.failures.slice(before);
  expect(mine.length, `${mine.length} failures:\n${mine.map((f) => `${f.kind}: ${f.label}: ${f.detail}`).slice(0, 25).join('\n')}`).toBe(0);
}

/** A file of `bytes` bytes that costs no disk space (a hole), for size-limit cases. */
function sparseFile(path: string, bytes: number, head = ''): void {
  writeFileSync(path, head);
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

describe('fuzz: decodeImage (PNG, JPEG, DICOM)', () => {
  it('survives truncations, bit flips, overwrites, insertions and deletions of every format', async () => {
    const before = tally.failures.length;
    const rng = rngFor(SEED);
    for (const seed of seeds) {
      const mutants: Mutant[] = [...truncations(seed.bytes, 40, 40), ...randomMutants(seed.bytes, 70, rng, seed.name.startsWith('dicom') ? 700 : 200)];
      for (const m of mutants) {
        await tally.run(`decode ${seed.name} ${m.how}`, () => decodeImage(m.bytes, seed.file), judgeDecode(seed.file));
      }
    }
    expectClean(before);
  }, 120_000);

  it('decodes every seed (the fuzzing starts from valid files)', async () => {
    for (const seed of seeds) {
      const frames = await decodeImage(seed.bytes, seed.file);
      expect(frames[0]).toMatchObject({ width: W, height: H });
    }
  });

  it('refuses decompression bombs from the declared size, before decoding a pixel', async () => {
    const before = tally.failures.length;
    const limitMessage = /exceeds the pixel limit of 100,000,000/;
    const bombs: Array<[string, Buffer]> = [
      ['png-60000x60000', bombPng(60000, 60000)],
      ['png-4294967295x1', bombPng(0xffffffff, 1, 1)],
      ['png-10001x10000', bombPng(10001, 10000)],
      ['jpeg-65535x65535', await bombJpeg(65535, 65535)],
      ['jpeg-20000x10000', await bombJpeg(20000, 10000)],
      ['dicom-65535x65535', await bombDicom(65535, 65535, 1)],
      ['dicom-1024x1024x1000frames', await bombDicom(1024, 1024, 1000)],
    ];
    for (const [name, bytes] of bombs) {
      await tally.run(`bomb ${name}`, async () => {
        const started = performance.now();
        try {
          await decodeImage(bytes, `${name}.bin`);
        } catch (e) {
          return { error: e, ms: performance.now() - started };
        }
        return { error: undefined, ms: performance.now() - started };
      }, ({ value }) => {
        if (!value || value.error === undefined) return fail('a bomb was decoded');
        const refusal = judgeRefusal(value.error, ['BAD_INPUT'], `${name}.bin`);
        if (!refusal.ok) return refusal;
        // Our own header check answers (sharp's limit would say "Input image exceeds pixel limit").
        if (!limitMessage.test((value.error as SonoError).message)) return fail(`not refused by the pixel limit: ${(value.error as SonoError).message}`);
        if (value.ms > 1000) return fail(`took ${Math.round(value.ms)} ms: it was decoded before being refused`);
        return pass;
      });
    }
    // A deflated DICOM data set that inflates to 64 MB for a 4x4 image: capped by what the image needs.
    const deflated = await deflateBombDicom(64);
    expect(deflated.length).toBeLessThan(1_000_000);
    await tally.run('bomb dicom-deflate-64MB', () => decodeImage(deflated, 'inflate.dcm'), ({ error }) =>
      both(judgeRefusal(error, ['BAD_INPUT'], 'inflate.dcm'), () =>
        /inflates to more than/.test((error as Error).message) ? pass : fail(`not refused by the inflate cap: ${(error as Error).message}`),
      ),
    );
    expect(MAX_PIXELS).toBe(100_000_000);
    expectClean(before);
  }, 60_000);
});

describe('fuzz: annotation readers (COCO, CSV, VOC, YOLO)', () => {
  const yoloImage = { fileName: 'g8.png', width: W, height: H };
  const classes = ['kidney', 'liver'];
  const readers: Array<[string, string, (text: string, file: string) => ReadResult]> = [
    ['coco', cocoSeed(), readCoco],
    ['csv', csvSeed(), readCsv],
    ['voc', vocSeed(), readVoc],
    ['yolo', yoloSeed(), (text, file) => readYolo(text, file, yoloImage, classes)],
  ];

  it('reads every seed without issues', () => {
    for (const [name, text, read] of readers) {
      const r = read(text, `seed.${name}`);
      expect(r.issues, name).toEqual([]);
      expect(r.set.boxes.length, name).toBeGreaterThan(0);
    }
  });

  it('survives byte-level mutations of every format', async () => {
    const before = tally.failures.length;
    const rng = rngFor(SEED + 1);
    for (const [name, text, read] of readers) {
      const bytes = Buffer.from(text, 'utf8');
      for (const m of [...truncations(bytes, 30, 30), ...randomMutants(bytes, 150, rng, bytes.length)]) {
        const file = `mutant.${name}`;
        // As the importer reads it: bytes decoded as UTF-8 (invalid sequences become U+FFFD).
        await tally.run(`read ${name} ${m.how}`, () => read(m.bytes.toString('utf8'), file), judgeRead(file));
      }
    }
    expectClean(before);
  });

  it('survives a wrong JSON type (or a missing member) in every COCO field', async () => {
    const before = tally.failures.length;
    const doc = JSON.parse(cocoSeed()) as unknown;
    for (const path of jsonPaths(doc)) {
      for (const value of [...WRONG_JSON_VALUES, undefined]) {
        const text = JSON.stringify(withField(doc, path, value));
        await tally.run(`coco ${describePath(path)}=${JSON.stringify(value)?.slice(0, 30)}`, () => readCoco(text, 'a.json'), judgeRead('a.json'));
      }
    }
    expectClean(before);
  });

  it('survives hostile values in every CSV column and every VOC element', async () => {
    const before = tally.failures.length;
    const cells = ['', ' ', '"', '""', '"a"b', 'NaN', '-Infinity', '1e309', '-1', '0x10', '1,5', '../x.png', '/etc/passwd', 'C:\\x.png', '..\\..\\x.png', 'a\u0000b', '\u202e', '\ufeff', 'a\r\nb', '\ud800', 'x'.repeat(10_000)];
    const header = 'file_name,width,height,subject,split,category,x,y,w,h';
    const row = ['g8.png', String(W), String(H), 's1', 'train', 'kidney', '1', '2', '10', '8'];
    for (let col = 0; col < row.length; col++) {
      for (const cell of cells) {
        const fields = [...row];
        fields[col] = /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
        const text = `${header}\n${fields.join(',')}\n`;
        await tally.run(`csv col ${col}=${JSON.stringify(cell).slice(0, 20)}`, () => readCsv(text, 'a.csv'), judgeRead('a.csv'));
      }
    }
    const fragments = ['', '<a/>', '<a>1</a><a>2</a>', 'NaN', '-1', '1e999', '&amp;', '&#0;', '&#x110000;', '&unknown;', '<![CDATA[7]]>', '../../x.png', '/abs.png', '..\\..\\x.png', 'a&#0;b', '\u202e', '<filename>x</filename>', 'x'.repeat(10_000)];
    const voc = vocSeed();
    const leaves = [...new Set([...voc.matchAll(/<(\w+)>[^<]*<\/\1>/g)].map((m) => m[1]))];
    expect(leaves).toEqual(expect.arrayContaining(['filename', 'width', 'height', 'subject', 'name', 'xmin', 'ymax']));
    for (const leaf of leaves) {
      for (const fragment of fragments) {
        const text = voc.replace(new RegExp(`<${leaf}>[^<]*</${leaf}>`), `<${leaf}>${fragment}</${leaf}>`);
        await tally.run(`voc <${leaf}>${fragment.slice(0, 20)}`, () => readVoc(text, 'a.xml'), judgeRead('a.xml'));
        const twice = voc.replace(new RegExp(`(<${leaf}>[^<]*</${leaf}>)`), '$1$1');
        await tally.run(`voc <${leaf}> twice`, () => readVoc(twice, 'a.xml'), judgeRead('a.xml'));
      }
    }
    expectClean(before);
  });

  it('survives deeply nested JSON and XML (100 000 levels), huge texts and entity bombs', async () => {
    const before = tally.failures.length;
    const deep = nestedJson(100_000);
    const deepObject = nestedJson(100_000, '1', 'object');
    const doc = JSON.parse(cocoSeed()) as unknown;
    // Regression (io/checks.ts quote): a deep value in a field that is quoted in the issue threw RangeError.
    for (const path of jsonPaths(doc)) {
      for (const nested of [deep, deepObject]) {
        const text = JSON.stringify(withField(doc, path, '@@')).replace('"@@"', nested);
        await tally.run(`coco deep ${describePath(path)}`, () => readCoco(text, 'deep.json'), judgeRead('deep.json'));
      }
    }
    const specials: Array<[string, () => ReadResult, string]> = [
      ['coco top-level deep array', () => readCoco(deep, 'd.json'), 'd.json'],
      ['coco top-level deep object', () => readCoco(deepObject, 'd.json'), 'd.json'],
      ['coco unterminated deep', () => readCoco('['.repeat(100_000), 'd.json'), 'd.json'],
      ['voc 100k nested tags', () => readVoc(`<annotation><filename>a.png</filename>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</annotation>`, 'd.xml'), 'd.xml'],
      ['voc 100k nested objects', () => readVoc(`<annotation><filename>a.png</filename>${'<object>'.repeat(100_000)}${'</object>'.repeat(100_000)}</annotation>`, 'd.xml'), 'd.xml'],
      ['voc 100k unclosed tags', () => readVoc(`<annotation>${'<a>'.repeat(100_000)}`, 'd.xml'), 'd.xml'],
      ['voc billion laughs', () => readVoc(billionLaughs(), 'b.xml'), 'b.xml'],
      ['voc external entity', () => readVoc(externalEntity(join(sentinel, 'secret.txt')), 'x.xml'), 'x.xml'],
      ['voc doctype lower case', () => readVoc(billionLaughs().replace('DOCTYPE', 'doctype'), 'b.xml'), 'b.xml'],
      ['voc over the size limit', () => readVoc(`<annotation>${'a'.repeat(MAX_XML_BYTES)}</annotation>`, 'big.xml'), 'big.xml'],
      ['voc 30k objects', () => readVoc(`<annotation><filename>a.png</filename>${'<object><name>k</name></object>'.repeat(30_000)}</annotation>`, 'many.xml'), 'many.xml'],
      ['csv 100k bad rows', () => readCsv(`file_name,category,x,y,w,h\n${'a.png,k,x,y,z,w\n'.repeat(100_000)}`, 'many.csv'), 'many.csv'],
      ['csv unterminated quote', () => readCsv(`file_name,category,x,y,w,h\n"${'a'.repeat(1_000_000)}`, 'q.csv'), 'q.csv'],
      ['csv 100k columns', () => readCsv(`${'file_name,'.repeat(100_000)}category,x,y,w,h\n${','.repeat(100_005)}\n`, 'wide.csv'), 'wide.csv'],
      ['yolo 100k bad lines', () => readYolo('0 1 1 1 1 1\n'.repeat(100_000), 'l.txt', yoloImage, classes), 'l.txt'],
      ['yolo 1M-field line', () => readYolo('0 '.repeat(1_000_000), 'l.txt', yoloImage, classes), 'l.txt'],
      ['coco 100k bad annotations', () => readCoco(JSON.stringify({ images: [], annotations: Array.from({ length: 100_000 }, (_, i) => ({ id: i })) }), 'many.json'), 'many.json'],
    ];
    for (const [label, run, file] of specials) {
      await tally.run(label, run, (outcome) =>
        both(judgeRead(file)(outcome), () => (outcome.value!.issues.length > 0 || label.includes('objects') ? pass : fail('hostile text read without an issue'))),
      );
    }
    expectClean(before);
  }, 120_000);
});

describe('fuzz: model files', () => {
  const stump = () => ({
    format: 'sonotl-gbm',
    version: 1,
    nFeatures: 3,
    baseline: -0.25,
    params: { maxIter: 2, learningRate: 0.1, maxLeafNodes: 3, maxDepth: null, minSamplesLeaf: 1, minChildWeight: 0.001, l2: 0, maxBins: 255, colsample: 1, earlyStopping: 'auto', validationFraction: 0.1, nIterNoChange: 10, tol: 1e-7, seed: 0 },
    trees: [
      { feature: [0, -1, -1], threshold: [0.5, 'Infinity', '-Infinity'], missingLeft: [1, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, -1, 2], gain: [1, 0, 0], count: [10, 5, 5] },
      { feature: [2, 1, -1, -1, -1], threshold: [0, 1, 0, 0, 0], missingLeft: [0, 1, 0, 0, 0], left: [1, 2, -1, -1, -1], right: [4, 3, -1, -1, -1], value: [0, 0, 1, 2, 3], gain: [2, 1, 0, 0, 0], count: [9, 6, 3, 3, 3] },
    ],
  });
  /** After a load, the model must also predict without trouble. */
  const predicts = (m: GbmClassifier): Verdict => {
    const json = m.toJSON();
    if (json.nFeatures > 10_000) return pass;
    const x = new Float32Array(json.nFeatures * 3).map((_, i) => [0, 1, NaN, -5][i % 4]);
    const p = m.predictProba({ x, nRows: 3, nCols: json.nFeatures });
    return Array.from(p).every((v) => v >= 0 && v <= 1) ? pass : fail(`probabilities ${Array.from(p)}`);
  };

  it('GBM model JSON: a wrong type or missing member in every field, and mutated text', async () => {
    const before = tally.failures.length;
    const doc = stump();
    expect(predicts(GbmClassifier.fromJSON(doc))).toEqual(pass);
    for (const path of jsonPaths(doc)) {
      for (const value of [...WRONG_JSON_VALUES, undefined]) {
        const json = JSON.parse(JSON.stringify(withField(doc, path, value))) as unknown;
        await tally.run(`gbm ${describePath(path)}=${JSON.stringify(value)?.slice(0, 30)}`, () => GbmClassifier.fromJSON(json), judgeModel(predicts));
      }
    }
    const text = JSON.stringify(doc);
    const rng = rngFor(SEED + 2);
    for (const m of [...truncations(Buffer.from(text), 20, 20), ...randomMutants(Buffer.from(text), 150, rng, text.length)]) {
      let json: unknown;
      try {
        json = JSON.parse(m.bytes.toString('utf8'));
      } catch {
        continue; // what JSON.parse refuses never reaches the loader
      }
      await tally.run(`gbm text ${m.how}`, () => GbmClassifier.fromJSON(json), judgeModel(predicts));
    }
    await tally.run('gbm 1e6 nodes claimed by a short tree', () => GbmClassifier.fromJSON(withField(doc, ['trees', 0, 'feature'], new Array(1_000_000).fill(-1))), judgeModel(predicts));
    expectClean(before);
  }, 60_000);

  // Regression (core/gbm/model-json.ts): messages stringified the offending value, which threw RangeError
  // for a value nested 100 000 levels deep. The depth is now checked first, without recursion.
  it('GBM model JSON nested 100 000 levels deep in any field is refused as too deep, naming the file', async () => {
    const doc = stump();
    const before = tally.failures.length;
    const tooDeep = ({ value, error }: { value?: GbmClassifier; error?: unknown }): Verdict =>
      value !== undefined
        ? fail('a 100 000-level value was accepted')
        : both(judgeRefusal(error, ['BAD_INPUT'], 'deep-model.json'), () =>
            /nested more than \d+ levels deep/.test((error as Error).message) ? pass : fail(`not refused by the depth check: ${(error as Error).message}`),
          );
    for (const path of [[], ...jsonPaths(doc)]) {
      for (const kind of ['array', 'object'] as const) {
        const nested = nestedJson(100_000, '1', kind);
        const text = path.length === 0 ? nested : JSON.stringify(withField(doc, path, '@@')).replace('"@@"', nested);
        const json = JSON.parse(text) as unknown;
        await tally.run(`gbm deep ${kind} ${describePath(path)}`, () => GbmClassifier.fromJSON(json, 'deep-model.json'), tooDeep);
      }
    }
    // Every other refusal names the file too, and a valid model still loads after the check.
    const named = withField(doc, ['trees', 1, 'left', 0], 'x');
    await tally.run('gbm refusal names the file', () => GbmClassifier.fromJSON(named, 'named-model.json'), ({ error }) => judgeRefusal(error, ['BAD_INPUT'], 'named-model.json'));
    expect(predicts(GbmClassifier.fromJSON(doc, 'ok.json'))).toEqual(pass);
    expectClean(before);
  }, 60_000);

  const root = join(work, 'models');
  const weights = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
  const entry: BackboneEntry = {
    id: 'fuzz-net',
    architecture: 'test',
    inputSize: [4, 4],
    preprocessing: 'tf',
    layerGroups: [],
    featureLayer: 'dense',
    featurePooling: 'avg',
    featureDim: 4,
    sourceUrl: 'https://example.invalid/model.json',
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
    license: 'test',
  };
  const dir = join(root, entry.id);
  const modelDoc = {
    format: 'layers-model',
    generatedBy: 'fuzz',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 4 } }] } },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [4, 4], dtype: 'float32' }] }],
  };
  const opts = { env: { SONOTL_MODELS: root }, homeDir: join(work, 'home') };
  const judgeLocate = (outcome: { value?: { weightPaths: string[] }; error?: unknown }): Verdict => {
    const outside = tracer.violations([dir], []);
    if (outside.length > 0) return fail(`read outside the model folder: ${outside.slice(0, 3).join('; ')}`);
    return judgeModel((v: { weightPaths: string[] }) =>
      v.weightPaths.every((p) => p.startsWith(dir + '/')) ? pass : fail(`weight path outside the model folder: ${v.weightPaths.join(', ')}`),
    )(outcome);
  };
  const tryText = (t: Tally, label: string, text: string) =>
    t.run(
      `model.json ${label}`,
      async () => {
        writeFileSync(join(dir, 'model.json'), text);
        tracer.reset();
        return locateBackbone(entry, opts);
      },
      judgeLocate,
    );
  it('tfjs model.json (backbone loader): a wrong type in every field, mutated text, deep nesting', async () => {
    const before = tally.failures.length;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'weights.bin'), weights);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelDoc));
    expect((await locateBackbone(entry, opts)).weightPaths).toEqual([join(dir, 'weights.bin')]);
    for (const path of jsonPaths(modelDoc)) {
      for (const value of [...WRONG_JSON_VALUES, undefined]) {
        await tryText(tally, `${describePath(path)}=${JSON.stringify(value)?.slice(0, 30)}`, JSON.stringify(withField(modelDoc, path, value)));
      }
    }
    const text = JSON.stringify(modelDoc);
    const rng = rngFor(SEED + 3);
    for (const m of [...truncations(Buffer.from(text), 20, 20), ...randomMutants(Buffer.from(text), 100, rng, text.length)]) await tryText(tally, m.how, m.bytes.toString('utf8'));
    await tryText(tally, 'deep', nestedJson(100_000, '1', 'object'));
    await tryText(tally, 'deep manifest', JSON.stringify({ ...modelDoc, weightsManifest: '@@' }).replace('"@@"', nestedJson(100_000)));
    expectClean(before);
  }, 60_000);

  const shard = join(dir, 'weights.bin');
  const tryWeights = (t: Tally, label: string, make: () => void) =>
    t.run(
      `weights.bin ${label}`,
      async () => {
        rmSync(shard, { recursive: true, force: true });
        make();
        tracer.reset();
        return locateBackbone(entry, opts);
      },
      ({ value, error }) =>
        // Only the exact registered bytes may be accepted; anything else is refused naming the folder.
        value !== undefined ? fail('changed weights were accepted') : both(judgeLocate({ error }), () => judgeRefusal(error, ['BAD_INPUT', 'NOT_FOUND'], dir)),
    );
  const restoreModel = async (): Promise<void> => {
    rmSync(shard, { recursive: true, force: true });
    writeFileSync(shard, weights);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelDoc));
    expect((await locateBackbone(entry, opts)).weightPaths).toEqual([shard]);
  };

  it('tfjs weights.bin (backbone loader): truncations, bit flips, a missing or empty shard', async () => {
    const before = tally.failures.length;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelDoc));
    const rng = rngFor(SEED + 5);
    for (const m of [...truncations(weights, 16, 16), ...randomMutants(weights, 40, rng, weights.length)]) {
      await tryWeights(tally, m.how, () => writeFileSync(shard, m.bytes));
    }
    await tryWeights(tally, 'missing', () => undefined);
    await tryWeights(tally, 'empty', () => writeFileSync(shard, ''));
    await restoreModel();
    expectClean(before);
  }, 60_000);

  // Regression (core/backbones/locate.ts): shards were read with readFile without an lstat, so a folder
  // threw EISDIR, a link was followed out of the model folder, and a shard of any size was read whole
  // before its hash was compared. Each is now refused from its lstat, before the file is opened.
  it('tfjs weights.bin (backbone loader): a folder, a link out of the folder, a FIFO, a huge file', async () => {
    const before = tally.failures.length;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelDoc));
    await tryWeights(tally, 'a folder', () => mkdirSync(shard));
    await tryWeights(tally, 'a link to a file outside', () => symlinkSync(join(sentinel, 'secret.txt'), shard));
    // The registered bytes themselves, but outside the model folder: the hash would match, so only the
    // lstat stands between them and a load.
    const elsewhere = join(work, 'elsewhere-weights.bin');
    writeFileSync(elsewhere, weights);
    await tryWeights(tally, 'a link to the registered bytes outside', () => symlinkSync(elsewhere, shard));
    await tryWeights(tally, 'a link to /dev/zero', () => symlinkSync('/dev/zero', shard));
    let fifo = true;
    try {
      execFileSync('mkfifo', [join(work, 'fifo-probe')]);
    } catch {
      fifo = false; // no mkfifo here: the other cases still run
    }
    if (fifo) await tryWeights(tally, 'a FIFO', () => execFileSync('mkfifo', [shard]));
    // Sizes that differ from the 64 bytes model.json declares must be refused without opening the file.
    const unread = (label: string, make: () => void) =>
      tally.run(
        `weights.bin ${label}`,
        async () => {
          rmSync(shard, { recursive: true, force: true });
          make();
          tracer.reset();
          return locateBackbone(entry, opts);
        },
        ({ value, error }) => {
          if (value !== undefined) return fail('a shard of the wrong size was accepted');
          const opened = tracer.violations([join(dir, 'model.json')], []).filter((v) => !v.startsWith('promises.lstat('));
          if (opened.length > 0) return fail(`read the shard before comparing its size: ${opened.slice(0, 3).join('; ')}`);
          return both(judgeRefusal(error, ['BAD_INPUT'], dir), () => (/declares 64 bytes of weights/.test((error as Error).message) ? pass : fail(`not refused by size: ${(error as Error).message}`)));
        },
      );
    await unread('one byte longer than declared', () => writeFileSync(shard, Buffer.concat([weights, Buffer.from([0])])));
    await unread('3 GiB (sparse)', () => sparseFile(shard, 3 * 1024 ** 3));
    await restoreModel();
    expectClean(before);
  }, 60_000);

  // Regression (core/backbones/locate.ts): weightsManifest entries and paths were not checked: a null
  // entry or a non-string path threw TypeError, an empty path EISDIR, and "../" paths were read outside
  // the model folder. model.json now goes through checkLayersModelJson (util/layers-model-json.ts).
  it('tfjs model.json (backbone loader): weight paths outside the folder, sizes the shards do not hold', async () => {
    const before = tally.failures.length;
    mkdirSync(dir, { recursive: true });
    writeFileSync(shard, weights);
    const paths = ['../../sentinel/secret.txt', `${'../'.repeat(12)}etc/passwd`, join(sentinel, 'secret.txt'), '..', '.', '', 'a/../weights.bin', 'weights.bin\u0000', 'C:\\weights.bin', 'other.bin'];
    for (const p of paths) {
      await tryText(tally, `path ${JSON.stringify(p)}`, JSON.stringify(withField(modelDoc, ['weightsManifest', 0, 'paths', 0], p)));
    }
    await tryText(tally, 'weights.bin listed twice', JSON.stringify(withField(modelDoc, ['weightsManifest', 0, 'paths'], ['weights.bin', 'weights.bin'])));
    for (const shape of [[1e9, 1e9], [2 ** 53, 2], [4, 2], [4, 5], [], [-1, 4], [4.5, 4]]) {
      await tryText(tally, `weight shape ${JSON.stringify(shape)}`, JSON.stringify(withField(modelDoc, ['weightsManifest', 0, 'weights', 0, 'shape'], shape)));
    }
    await tryText(tally, 'a second manifest group naming a missing shard', JSON.stringify({ ...modelDoc, weightsManifest: [...modelDoc.weightsManifest, { paths: ['more.bin'], weights: [] }] }));
    await restoreModel();
    expectClean(before);
  }, 60_000);
});

describe('fuzz: the whole import on a temporary project', () => {
  it('imports the seeds with every annotation format (the starting point is a successful import)', async () => {
    const d = newCaseDir();
    writeImages(d);
    writeFileSync(join(d, 'a.json'), cocoSeed());
    const r = await importInputs(project, [d], { annotations: { format: 'coco', path: join(d, 'a.json') } });
    expect(r.issues).toEqual([]);
    expect(r.imagesAdded).toBe(importableSeeds().length + 3); // the 2-frame and 3-frame DICOMs add 1 + 2 frames
    expect(r.boxesAdded).toBe(3);
  });

  it('mutated images and annotation files end in an import or a clear issue, confined to their folders', async () => {
    const before = tally.failures.length;
    const rng = rngFor(SEED + 4);
    for (const seed of importableSeeds()) {
      for (const m of randomMutants(seed.bytes, 5, rng, 600)) {
        const d = newCaseDir();
        writeFileSync(join(d, seed.file), m.bytes);
        await importCase(`${seed.name} ${m.how}`, [d], {}, [d]);
      }
    }
    const formats: Array<['coco' | 'csv' | 'voc' | 'yolo', string, string]> = [
      ['coco', 'a.json', cocoSeed()],
      ['csv', 'a.csv', csvSeed()],
      ['voc', 'voc/g8.xml', vocSeed()],
      ['yolo', 'yolo/g8.txt', yoloSeed()],
    ];
    for (const [format, file, text] of formats) {
      for (const m of randomMutants(Buffer.from(text), 25, rng, text.length)) {
        const d = newCaseDir();
        writeImages(d, importableSeeds().filter((s) => ANNOTATED.includes(s.file)));
        const ann = join(d, 'ann');
        mkdirSync(join(ann, 'voc'), { recursive: true });
        mkdirSync(join(ann, 'yolo'));
        writeFileSync(join(ann, 'yolo', 'classes.txt'), YOLO_CLASSES);
        writeFileSync(join(ann, file), m.bytes);
        const path = format === 'voc' || format === 'yolo' ? join(ann, format) : join(ann, file);
        await importCase(`${format} ${m.how}`, [join(d, 'g8.png'), join(d, 'rgb.png'), join(d, 'g.jpg')], { annotations: { format, path } }, [d]);
      }
    }
    expectClean(before);
  }, 120_000);

  it('refuses path traversal in annotation file names without touching anything outside', async () => {
    const before = tally.failures.length;
    const names = [
      '../sentinel/secret.png',
      '../../sentinel/secret.png',
      `${sentinel}/secret.png`,
      '/etc/passwd',
      '..\\..\\sentinel\\secret.png',
      'C:\\Windows\\win.ini',
      'c:secret.png',
      '\\\\server\\share\\x.png',
      'dir/../../secret.png',
      'g8.png\u0000.txt',
      'g8.png/..',
      './g8.png',
      'g8.png#1',
      'g8.png#0',
      'g8.png#99999999999999999999',
      '\u2025/secret.png',
      '%2e%2e/secret.png',
      'g8.png ',
      ' ',
      '',
    ];
    for (const name of names) {
      const d = newCaseDir();
      writeImages(d, importableSeeds().filter((s) => s.file === 'g8.png'));
      const coco = JSON.stringify({ images: [{ id: 1, file_name: name, width: W, height: H }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }], categories: [{ id: 1, name: 'k' }] });
      writeFileSync(join(d, 'a.json'), coco);
      writeFileSync(join(d, 'a.csv'), `file_name,category,x,y,w,h\n"${name.replace(/"/g, '""')}",k,1,1,2,2\n`);
      mkdirSync(join(d, 'voc'));
      writeFileSync(join(d, 'voc', 'x.xml'), vocSeed(name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\u0000/g, '&#0;')));
      for (const [format, path] of [['coco', join(d, 'a.json')], ['csv', join(d, 'a.csv')], ['voc', join(d, 'voc')]] as const) {
        await importCase(`traversal ${format} ${JSON.stringify(name)}`, [d], { annotations: { format, path } }, [d]);
      }
    }
    expectClean(before);
  }, 60_000);

  it('does not follow symbolic links out of the import folder (files and folders), nor read linked annotation files', async () => {
    const before = tally.failures.length;
    const d = newCaseDir();
    writeImages(d, importableSeeds().filter((s) => s.file === 'g8.png'));
    symlinkSync(join(sentinel, 'secret.png'), join(d, 'link.png'));
    symlinkSync(join(sentinel, 'secret.png'), join(d, 'link-no-ext'));
    symlinkSync(join(sentinel, 'dir'), join(d, 'linked-dir'));
    symlinkSync(join(sentinel, 'dir'), join(d, 'linked-dir.png'));
    symlinkSync(join(d, 'loop.png'), join(d, 'loop.png'));
    symlinkSync(join(work, 'nothing-here.png'), join(d, 'dangling.png'));
    symlinkSync('/dev/zero', join(d, 'zero.dcm'));
    // Annotation folders whose files are links out: a VOC file, YOLO labels and YOLO's classes.txt.
    mkdirSync(join(d, 'voc'));
    symlinkSync(join(sentinel, 'secret.xml'), join(d, 'voc', 'g8.xml'));
    mkdirSync(join(d, 'yolo'));
    symlinkSync(join(sentinel, 'secret.txt'), join(d, 'yolo', 'classes.txt'));
    mkdirSync(join(d, 'yolo2'));
    writeFileSync(join(d, 'yolo2', 'classes.txt'), YOLO_CLASSES);
    symlinkSync(join(sentinel, 'secret.txt'), join(d, 'yolo2', 'g8.txt'));
    symlinkSync(join(sentinel, 'dir'), join(d, 'yolo2', 'labels'));
    // A FIFO would block a reader forever: it must be skipped, not opened.
    let fifo = false;
    try {
      execFileSync('mkfifo', [join(d, 'pipe.dcm')]);
      fifo = true;
    } catch {
      // no mkfifo here: the other cases still run
    }
    writeFileSync(join(d, 'yolo2', 'lbl.txt'), yoloSeed());

    const noLinked = (r: ImportReport | undefined): Verdict => {
      if (!r) return pass;
      const linked = r.issues.filter((i) => /link\.png|linked-dir\.png|loop\.png|dangling\.png|zero\.dcm/.test(i.file));
      return linked.length >= 5 ? pass : fail(`links to image names are not all reported as skipped: ${JSON.stringify(r.issues)}`);
    };
    await importCase('symlinks in the image folder', [d], {}, [d], noLinked);
    await importCase('symlinked VOC file', [d], { annotations: { format: 'voc', path: join(d, 'voc') } }, [d]);
    await importCase('symlinked YOLO classes.txt', [d], { annotations: { format: 'yolo', path: join(d, 'yolo') } }, [d], (r) =>
      r && r.boxesAdded === 0 && r.issues.some((i) => i.file.endsWith('classes.txt')) ? pass : fail(`a linked classes.txt was not refused: ${JSON.stringify(r?.issues)}`),
    );
    await importCase('symlinked YOLO labels', [d], { annotations: { format: 'yolo', path: join(d, 'yolo2') } }, [d]);
    await importCase('a symlink given as an input', [join(d, 'link.png'), join(d, 'linked-dir')], {}, [d], (r) =>
      r && r.issues.length === 2 && r.issues.every((i) => /symbolic link/.test(i.reason)) ? pass : fail(`links given as inputs were not refused: ${JSON.stringify(r?.issues)}`),
    );
    if (fifo) {
      await importCase('a FIFO given as an input', [join(d, 'pipe.dcm')], {}, [d], (r) =>
        r && r.issues.length === 1 && /not a regular file/.test(r.issues[0].reason) ? pass : fail(`FIFO: ${JSON.stringify(r?.issues)}`),
      );
    }
    expectClean(before);
  }, 60_000);

  it('refuses annotation files over the size limits before reading them, and wrong kinds of paths', async () => {
    const before = tally.failures.length;
    const d = newCaseDir();
    writeImages(d, importableSeeds().filter((s) => s.file === 'g8.png'));
    const big = MAX_ANNOTATION_BYTES + 1;
    sparseFile(join(d, 'big.json'), big, '{"images":[');
    sparseFile(join(d, 'big.csv'), big, 'file_name,category,x,y,w,h\n');
    mkdirSync(join(d, 'voc'));
    sparseFile(join(d, 'voc', 'g8.xml'), MAX_XML_BYTES + 1, '<annotation>');
    mkdirSync(join(d, 'yolo'));
    writeFileSync(join(d, 'yolo', 'classes.txt'), YOLO_CLASSES);
    sparseFile(join(d, 'yolo', 'g8.txt'), big, '0 0.5 0.5 0.1 0.1\n');
    mkdirSync(join(d, 'yolo-big-classes'));
    sparseFile(join(d, 'yolo-big-classes', 'classes.txt'), big, 'k\n');
    const refused = (pattern: RegExp) => (r: ImportReport | undefined) =>
      r && r.boxesAdded === 0 && r.issues.some((i) => pattern.test(i.reason)) ? pass : fail(`not refused (${pattern}): ${JSON.stringify(r?.issues)}`);
    const limit = /larger than|MB|refus/;
    await importCase('coco over the limit', [d], { annotations: { format: 'coco', path: join(d, 'big.json') } }, [d], refused(limit));
    await importCase('csv over the limit', [d], { annotations: { format: 'csv', path: join(d, 'big.csv') } }, [d], refused(limit));
    await importCase('voc over the limit', [d], { annotations: { format: 'voc', path: join(d, 'voc') } }, [d], refused(limit));
    await importCase('yolo label over the limit', [d], { annotations: { format: 'yolo', path: join(d, 'yolo') } }, [d], refused(limit));
    await importCase('yolo classes.txt over the limit', [d], { annotations: { format: 'yolo', path: join(d, 'yolo-big-classes') } }, [d], refused(limit));
    // Folders where files belong and the other way round, and paths that do not exist.
    const wrongKinds: Array<[ImportOptions['annotations'] & object, RegExp]> = [
      [{ format: 'coco', path: join(d, 'voc') }, /./],
      [{ format: 'csv', path: join(d, 'voc') }, /./],
      [{ format: 'voc', path: join(d, 'g8.png') }, /folder/],
      [{ format: 'yolo', path: join(d, 'g8.png') }, /./],
      [{ format: 'coco', path: join(d, 'missing.json') }, /no such/],
      [{ format: 'voc', path: join(d, 'missing') }, /no such/],
    ];
    for (const [annotations, pattern] of wrongKinds) {
      await importCase(`annotations ${annotations.format} at ${annotations.path.slice(d.length)}`, [d], { annotations }, [d], refused(pattern));
    }
    expectClean(before);
  }, 60_000);

  it('imports files with Unicode and odd names, and exports them back inside the chosen folder only', async () => {
    const before = tally.failures.length;
    const names = [
      'é-nfc.png',
      'e\u0301-nfd.png',
      '\u202egnp.jpg',
      'zero\u200bwidth.png',
      '\ud83d\ude00.png',
      'new\nline.png',
      'tab\there.png',
      'back\\slash.png',
      'C:x.png',
      '..png',
      '...png',
      ' lead.png',
      'trail .png',
      'hash#2.png',
      'pct%2e%2e.png',
      `${'x'.repeat(250)}.png`,
      'Ω/nested/ñ.png',
    ];
    const d = newCaseDir();
    const g8 = importableSeeds().find((s) => s.file === 'g8.png')!.bytes;
    const rows = ['file_name,width,height,category,x,y,w,h'];
    for (const name of names) {
      mkdirSync(join(d, name, '..'), { recursive: true });
      writeFileSync(join(d, name), g8);
      rows.push(`"${name.replace(/"/g, '""')}",${W},${H},"k\u0301 ${name.length}",1,1,3,3`);
    }
    writeFileSync(join(d, 'a.csv'), `\ufeff${rows.join('\r\n')}\r\n`);
    // By design: names starting with '.' are hidden files, which folder walks skip; a name in an annotation
    // file is read with '\\' as a folder separator and 'C:' as a drive, so those two rows match nothing.
    const hidden = ['..png', '...png'];
    const unmatched = ['C:x.png', 'back/slash.png'];
    await importCase('unicode names', [d], { annotations: { format: 'csv', path: join(d, 'a.csv') } }, [d], (r) => {
      if (!r) return fail('the import failed');
      if (r.imagesAdded + r.imagesAlreadyPresent !== names.length - hidden.length) return fail(`images: ${JSON.stringify(r)}`);
      if (r.boxesAdded + r.boxesAlreadyPresent !== names.length - hidden.length - unmatched.length) return fail(`boxes: ${JSON.stringify(r)}`);
      const named = [...hidden, ...unmatched].every((n) => r.issues.some((i) => i.reason.includes(`${n}"`) || i.reason.includes(`'${n}'`)));
      return r.issues.length === 4 && named ? pass : fail(`issues: ${JSON.stringify(r.issues)}`);
    });
    const out = join(work, 'exports');
    for (const format of ['coco', 'csv', 'voc', 'yolo'] as const) {
      const target = format === 'coco' ? join(out, 'a.json') : format === 'csv' ? join(out, 'a.csv') : join(out, format);
      await tally.run(
        `export ${format} of odd names`,
        () => {
          tracer.reset();
          return exportAnnotations(project, format, target);
        },
        (outcome) => {
          if (outcome.error !== undefined) return judgeRefusal(outcome.error, ['BAD_INPUT']);
          const outside = tracer.violations([project.dir, out], [out]);
          return outside.length === 0 ? pass : fail(`export wrote outside ${out}: ${outside.slice(0, 3).join('; ')}`);
        },
      );
    }
    expectClean(before);
  }, 60_000);
});

describe('fuzz: totals', () => {
  it('ran every case without a crash or a hang', () => {
    console.log(tally.summary());
    console.log(`fuzz: slowest case ${Math.round(tally.slowest.ms)} ms (${tally.slowest.label}); limit ${CASE_LIMIT_MS} ms`);
    if (process.env.FUZZ_TIMINGS) console.log(tally.slowestCases(40));
    expect(tally.cases).toBeGreaterThan(5000);
    expect(tally.crashes, tally.report()).toBe(0);
    expect(tally.hangs, tally.report()).toBe(0);
    expect(tally.passed).toBe(tally.cases);
  });
});
