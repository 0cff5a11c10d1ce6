/**
 * The study's computation, free of any database: from the images and boxes of the study project (and of
 * a test project) to per-image detections and patch accuracies of every method on every fold.
 *
 * Methods on fixed features (Haar, NA, their fusion) share one set of passes over all folds. The
 * fine-tuned methods (PA, FA, and fusion when it is Haar + FA) have a network per fold: for each fold the
 * backbone is first fine-tuned on that fold's training images only, then the same passes run for that
 * fold with the fine-tuned network in place of the pretrained one (exported and pooled exactly as NA's).
 *
 * The work is organised in passes over the images rather than fold by fold, so that each image is
 * decoded and run through the CNN once per pass for all folds and methods together:
 *   1. sample   first-round patches of every training image (and validation patches of every test image)
 *   2. train    first-round classifiers, one per fold and method
 *   3. mine     hard negatives: the negatives the first-round classifier of each fold scores highest
 *   4. train    final classifiers on first-round patches + hard negatives
 *   5. detect   every test image with its fold's classifiers, refine, score Dice against the truth
 */
import { readFile } from 'node:fs/promises';
import { fromPlainModel, type PlainModel } from '../adapt/artifacts.js';
import type { OptimizerState } from '../adapt/optimizer.js';
import { backendLabel, finetune, type EpochRecord, type TrainState } from '../adapt/train.js';
import { DEFAULT_DETECT_PARAMS, detectBox, type ScoredWindow } from '../detect/detector.js';
import { HaarScorer } from '../detect/haar-scorer.js';
import { bestDice, hardNegatives, selectSamples } from '../detect/samples.js';
import type { GrayImage, WindowScorer } from '../detect/window-scorer.js';
import { learnWindowShapes, slidingWindows, windowKey, type WindowShapes } from '../detect/windows.js';
import { SonoError } from '../errors.js';
import { cnnWindowMode, CnnWindowScorer } from '../features/cnn-window-scorer.js';
import { averageScores } from '../features/fusion.js';
import { GbmClassifier } from '../gbm/index.js';
import { readGray } from '../imaging/gray.js';
import { iou, type Box } from '../metrics/index.js';
import { useCpuBackend } from '../ml/cpu-backend.js';
import { createRng } from '../metrics/prng.js';
import { backboneOf, familiesFor, fusionFeatures, levelOf, type AvailableMethod, type StudyConfig, type StudyEntry } from './config.js';
import { FeatureBank, methodFamilies, methodMatrix, pickRows, type Family, type FamilyBlocks, type MethodFamilies, type TrainedMethod } from './feature-bank.js';
import type { StudyImage, StudyInputs } from './inputs.js';
import { planFolds, type EvalSet, type FoldPlan } from './plan.js';
import { PHASE_COST, ProgressTracker, type ProgressListener, type StudyPhase } from './progress.js';

export interface ComputeOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Folder holding `<backbone>/model.json`; default: SONOTL_MODELS or the user's model cache. */
  modelsDir?: string;
  /** What an interrupted attempt of the same study left: networks to reuse, checkpoints to train on from. */
  resume?: ResumeFrom;
  /**
   * Each fold network as soon as it is trained (not for reused ones), so that the caller can store it
   * before the study goes on: an interrupted study then keeps it. Awaited in the calling thread.
   */
  onFinetuned?: (net: FinetunedNetwork) => void | Promise<void>;
  /** The last epoch checkpoint of the fold network being trained (key as networkKey). */
  onFoldCheckpoint?: (c: { key: string; method: 'pa' | 'fa'; name: string; checkpoint: FoldCheckpoint }) => void | Promise<void>;
}

/** Where fine-tuning of one fold network stood after an epoch: what train.ts takes back to go on. */
export interface FoldCheckpoint {
  checkpoint: PlainModel;
  best: PlainModel | null;
  state: TrainState;
  optimizer: OptimizerState | null;
}

export interface ResumeFrom {
  /** Fold networks already trained: used as they are. */
  networks: FinetunedNetwork[];
  /** Checkpoints of fold networks whose training had begun, by networkKey. */
  checkpoints: Record<string, FoldCheckpoint>;
}

/** Name of a fine-tuned network among its run's models and losses: 'fold-<k>', or 'final' for the one trained on every image for a test project. */
export const networkName = (net: { fold: number; foldName: string }): string => (net.foldName === 'all-vs-test-project' ? 'final' : `fold-${net.fold}`);

/** One fold network of one backbone's computation: '<level>/<networkName>'. */
export const networkKey = (level: 'pa' | 'fa', net: { fold: number; foldName: string }): string => `${level}/${networkName(net)}`;

export interface DetectionRecord {
  method: AvailableMethod;
  /** The backbone of the method's CNN features; null for Haar. */
  backbone: string | null;
  set: EvalSet;
  fold: number;
  imageId: number;
  imageName: string;
  subject: string | null;
  fromTestProject: boolean;
  box: Box;
  score: number;
  dice: number;
  iou: number;
  /** Dice of the box before refinement: shows what refinement gained or lost. */
  coarseDice: number;
  /** The top-scoring candidate windows, best first, before merging and refinement (for Review). */
  windows: ScoredWindow[];
}

export interface PatchAccuracy {
  method: AvailableMethod;
  backbone: string | null;
  set: EvalSet;
  fold: number;
  correct: number;
  n: number;
}

export interface FoldSummary {
  index: number;
  name: string;
  set: EvalSet;
  trainImages: number;
  testImages: number;
  shapes: WindowShapes;
  /**
   * Training patches of each classifier (first round + hard negatives), by classifier: the method's
   * name, or '<method>@<backbone>' for an extra backbone's (see mergeComputations).
   */
  trainPatches: Record<string, number>;
  /** Boosting rounds of each final classifier (fewer than maxIter when early stopping ended it); keys as trainPatches. */
  rounds: Record<string, number>;
}

/** A network fine-tuned for one fold (fold numbering as in the plan; the test-project fold trains on all images). */
export interface FinetunedNetwork {
  method: 'pa' | 'fa';
  /** The backbone that was fine-tuned. */
  backbone: string;
  fold: number;
  foldName: string;
  set: EvalSet;
  backend: string;
  trainImages: number;
  trainPatches: number;
  validationPatches: number;
  bestEpoch: number;
  imagesPerSecond: number;
  history: EpochRecord[];
  /** The fine-tuned backbone at the registry's input size. */
  model: PlainModel;
}

export interface StudyComputation {
  methods: AvailableMethod[];
  /** Every reported method with its backbone, in report order (one per method for a single backbone). */
  entries: StudyEntry[];
  /** Which CNN features 'fusion' joined to Haar's (the main backbone's when several were studied). */
  fusionFeatures: 'na' | 'fa';
  finetuned: FinetunedNetwork[];
  detections: DetectionRecord[];
  accuracy: PatchAccuracy[];
  folds: FoldSummary[];
  seconds: Partial<Record<StudyPhase, number>>;
  cnnWindows: StudyConfig['cnnWindows'];
}

/** Classifiers a set of reported methods needs ('fusion-score' reuses the Haar and NA classifiers). */
export function trainedMethodsFor(methods: readonly AvailableMethod[]): TrainedMethod[] {
  const out = new Set<TrainedMethod>();
  for (const m of methods) {
    if (m === 'fusion-score') {
      out.add('haar');
      out.add('na');
    } else out.add(m);
  }
  return (['haar', 'na', 'pa', 'fa', 'fusion'] as const).filter((m) => out.has(m));
}

/** A per-image seed, so every fold that holds an image draws the same patches from it. */
function imageSeed(seed: number, imageId: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(imageId, 0xc2b2ae35)) >>> 0;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SonoError('CANCELLED', 'study cancelled');
}

export async function computeStudy(
  main: StudyInputs,
  testProject: StudyInputs | null,
  config: StudyConfig,
  methods: readonly AvailableMethod[],
  opts: ComputeOptions = {},
): Promise<StudyComputation> {
  if (methods.length === 0) throw new SonoError('BAD_INPUT', 'no available method to run');
  const { signal } = opts;
  const seconds: Partial<Record<StudyPhase, number>> = {};
  const addSeconds = (phase: StudyPhase, t0: number) => (seconds[phase] = (seconds[phase] ?? 0) + (Date.now() - t0) / 1000);
  const images: StudyImage[] = [...main.images, ...(testProject?.images ?? [])];
  const fromTest = (g: number) => g >= main.images.length;
  const plans = planFolds(main.images, testProject?.images ?? null, config);
  const globalTest = (p: FoldPlan) => p.test.map((i) => (p.testFromOtherProject ? main.images.length + i : i));

  const fusionWith = fusionFeatures(methods);
  const families: MethodFamilies = methodFamilies(fusionWith === 'fa' ? 'fa' : 'cnn');
  const fineTuned = (m: TrainedMethod) => families[m].some((f) => f === 'pa' || f === 'fa');
  const trained = trainedMethodsFor(methods);
  // Reported methods by the group of passes that computes them.
  const sharedTrained = trained.filter((m) => !fineTuned(m));
  const tunedTrained = trained.filter(fineTuned);
  const sharedReported = methods.filter((m) => trainedMethodsFor([m]).every((t) => !fineTuned(t)));
  const tunedReported = methods.filter((m) => !sharedReported.includes(m));
  const levels = (['pa', 'fa'] as const).filter((l) => tunedTrained.some((m) => families[m].includes(l)));

  const need = familiesFor(methods);
  const modelsOpt = opts.modelsDir ? { env: { SONOTL_MODELS: opts.modelsDir } } : undefined;
  const haar = need.haar ? new HaarScorer() : null;
  let cnn: CnnWindowScorer | null = null;
  const loadStart = Date.now();
  if (need.cnn) cnn = await CnnWindowScorer.create(config.backbone, { mode: config.cnnWindows, threads: config.threads, locate: modelsOpt });
  seconds.load = (Date.now() - loadStart) / 1000;

  const loadImage = async (g: number): Promise<GrayImage> => {
    const img = images[g];
    let bytes: Buffer;
    try {
      bytes = await readFile(img.file);
    } catch (e) {
      throw new SonoError('NOT_FOUND', `stored file of image ${img.name} is missing (${img.file})`, img.file);
    }
    const gray = await readGray(bytes, img.name);
    if (gray.width !== img.width || gray.height !== img.height) {
      throw new SonoError('BAD_INPUT', `image ${img.name} is ${gray.width}x${gray.height} px, the project says ${img.width}x${img.height}`);
    }
    return gray;
  };

  const shapes = plans.map((p) =>
    learnWindowShapes(p.train.flatMap((i) => main.images[i].truths.map((t) => ({ ...t, imageWidth: main.images[i].width, imageHeight: main.images[i].height }))), config.windows),
  );
  const candidates = (f: number, g: number): Box[] => slidingWindows(images[g].width, images[g].height, shapes[f], config.windows.stride);
  const mining = config.samples.hardNegativesPerImage > 0;
  const fitUnits = (p: FoldPlan, phase: 'train-first' | 'train') => PHASE_COST[phase] * p.train.length;

  /** Images of each role over a subset of folds (indices into `plans`). */
  const rolesOf = (folds: readonly number[]) => {
    const trainFolds = images.map(() => [] as number[]);
    const testFolds = images.map(() => [] as number[]);
    for (const f of folds) {
      for (const i of plans[f].train) trainFolds[i].push(f);
      for (const g of globalTest(plans[f])) testFolds[g].push(f);
    }
    const all = images.map((_, g) => g);
    return {
      trainFolds,
      testFolds,
      involved: all.filter((g) => trainFolds[g].length + testFolds[g].length > 0),
      trainImages: all.filter((g) => trainFolds[g].length > 0),
      testImages: folds.reduce((n, f) => n + plans[f].test.length, 0),
    };
  };
  const passUnits = (folds: readonly number[], nTrained: number): number => {
    if (nTrained === 0) return 0;
    const r = rolesOf(folds);
    return (
      r.involved.length * PHASE_COST.sample +
      (mining ? r.trainImages.length * PHASE_COST.mine + folds.reduce((n, f) => n + nTrained * fitUnits(plans[f], 'train-first'), 0) : 0) +
      folds.reduce((n, f) => n + nTrained * fitUnits(plans[f], 'train'), 0) +
      r.testImages * PHASE_COST.detect
    );
  };
  const allFolds = plans.map((_, f) => f);
  const finetuneUnits = (f: number) => PHASE_COST.finetune * plans[f].train.length * config.finetune.epochs;
  const totalUnits =
    passUnits(allFolds, sharedTrained.length) +
    allFolds.reduce((n, f) => n + passUnits([f], tunedTrained.length) + levels.length * finetuneUnits(f), 0);
  const progress = new ProgressTracker(totalUnits, opts.onProgress);

  const detections: DetectionRecord[] = [];
  const accuracy: PatchAccuracy[] = [];
  const summaries = new Map<number, FoldSummary>();
  const summaryOf = (f: number): FoldSummary => {
    const p = plans[f];
    let s = summaries.get(f);
    if (!s) {
      s = { index: p.index, name: p.name, set: p.set, trainImages: p.train.length, testImages: p.test.length, shapes: shapes[f], trainPatches: {}, rounds: {} };
      summaries.set(f, s);
    }
    return s;
  };

  /**
   * Sampling, first-round classifiers, hard-negative mining, final classifiers and detection for the
   * folds `folds` with the given feature scorers; appends to detections / accuracy / fold summaries.
   */
  const runPasses = async (folds: readonly number[], scorers: Array<[Family, WindowScorer]>, trainedHere: readonly TrainedMethod[], reported: readonly AvailableMethod[]) => {
    const dims: Partial<Record<Family, number>> = Object.fromEntries(scorers.map(([f, sc]) => [f, sc.featureDim]));
    const bank = new FeatureBank(dims, families);
    const features = async (gray: GrayImage, windows: readonly Box[], only?: readonly Family[]): Promise<FamilyBlocks> => {
      const blocks: FamilyBlocks = {};
      for (const [f, sc] of scorers) if (!only || only.includes(f)) blocks[f] = await sc.features(gray, windows);
      return blocks;
    };
    const colsOf = (m: TrainedMethod) => families[m].reduce((n, f) => n + dims[f]!, 0);
    const releaseAll = () => scorers.forEach(([, sc]) => sc.release?.());
    const { trainFolds, testFolds, involved, trainImages, testImages } = rolesOf(folds);

    // 1. First-round and validation patches.
    let t0 = Date.now();
    const baseRows = new Map<number, number[]>(folds.map((f) => [f, []]));
    const valRows = new Map<number, number[]>(folds.map((f) => [f, []]));
    const usedKeys = new Map<string, Set<string>>();
    for (const [n, g] of involved.entries()) {
      throwIfAborted(signal);
      const img = images[g];
      const picks: Array<{ f: number; train: boolean; windows: Box[] }> = [];
      for (const f of [...trainFolds[g], ...testFolds[g]]) {
        const sm = selectSamples(candidates(f, g), img.truths, img, config.samples, createRng(imageSeed(config.seed, img.id)));
        picks.push({ f, train: trainFolds[g].includes(f), windows: sm.windows });
      }
      const fresh = bank.missing(g, picks.flatMap((p) => p.windows));
      if (fresh.length > 0) {
        const gray = await loadImage(g);
        const labels = fresh.map((w) => (bestDice(w, img.truths) >= config.samples.positiveDice ? 1 : 0));
        bank.add(g, fresh, labels, await features(gray, fresh));
        releaseAll();
      }
      for (const p of picks) {
        const rows = p.windows.map((w) => bank.rowOf(g, w)!);
        (p.train ? baseRows : valRows).get(p.f)!.push(...rows);
        if (p.train) usedKeys.set(`${p.f}:${g}`, new Set(p.windows.map(windowKey)));
      }
      progress.step(PHASE_COST.sample, { phase: 'sample', done: n + 1, total: involved.length, detail: img.name }, n + 1 === involved.length);
    }
    addSeconds('sample', t0);

    const fit = async (f: number, m: TrainedMethod, rows: number[], maxIter: number, phase: 'train-first' | 'train'): Promise<GbmClassifier> => {
      const { x, nRows, nCols, y } = bank.matrix(m, rows);
      // Seeded by fold number, so a fold's classifier does not depend on which passes it ran in.
      const gbm = new GbmClassifier({ ...config.gbm, maxIter, seed: config.seed + plans[f].index - 1, threads: config.threads });
      const units = fitUnits(plans[f], phase);
      let reported = 0;
      await gbm.fit({ x, nRows, nCols }, y, {
        onIteration: (it) => {
          if (signal?.aborted) return 'stop';
          const target = (units * it) / maxIter;
          progress.step(target - reported, { phase, fold: plans[f].index, method: m, done: it, total: maxIter });
          reported = target;
          return undefined;
        },
      });
      throwIfAborted(signal);
      progress.step(units - reported, { phase, fold: plans[f].index, method: m, done: maxIter, total: maxIter }, true);
      return gbm;
    };

    // 2-3. First-round classifiers and hard negatives.
    const minedRows = new Map<number, Map<TrainedMethod, number[]>>(folds.map((f) => [f, new Map(trainedHere.map((m) => [m, []]))]));
    if (mining) {
      t0 = Date.now();
      const first = new Map<string, GbmClassifier>();
      for (const f of folds) {
        for (const m of trainedHere) first.set(`${f}:${m}`, await fit(f, m, baseRows.get(f)!, config.hardNegativeMaxIter, 'train-first'));
      }
      addSeconds('train-first', t0);
      t0 = Date.now();
      for (const [n, g] of trainImages.entries()) {
        throwIfAborted(signal);
        const img = images[g];
        const gray = await loadImage(g);
        const union: Box[] = [];
        const position = new Map<string, number>();
        const perFold = trainFolds[g].map((f) => {
          const cands = candidates(f, g);
          const idx = cands.map((c) => {
            const k = windowKey(c);
            let at = position.get(k);
            if (at === undefined) {
              at = union.length;
              position.set(k, at);
              union.push(c);
            }
            return at;
          });
          return { f, cands, idx };
        });
        const blocks = await features(gray, union);
        for (const { f, cands, idx } of perFold) {
          const sub = idx.length === union.length && idx.every((v, i) => v === i) ? blocks : pickRows(blocks, dims, idx);
          for (const m of trainedHere) {
            const scores = first.get(`${f}:${m}`)!.predictProba({ x: methodMatrix(m, sub, cands.length, dims, families), nRows: cands.length, nCols: colsOf(m) });
            const hard = hardNegatives(cands, scores, img.truths, usedKeys.get(`${f}:${g}`)!, config.samples.hardNegativesPerImage, config.samples.negativeDice);
            const fresh = bank.missing(g, hard);
            if (fresh.length > 0) bank.add(g, fresh, new Uint8Array(fresh.length), pickRows(blocks, dims, fresh.map((w) => position.get(windowKey(w))!)));
            minedRows.get(f)!.get(m)!.push(...hard.map((w) => bank.rowOf(g, w)!));
          }
        }
        releaseAll();
        progress.step(PHASE_COST.mine, { phase: 'mine', done: n + 1, total: trainImages.length, detail: img.name }, n + 1 === trainImages.length);
      }
      addSeconds('mine', t0);
    }

    // 4. Final classifiers, and their accuracy on the held-out patches.
    t0 = Date.now();
    const models = new Map<string, GbmClassifier>();
    for (const f of folds) {
      const p = plans[f];
      const summary = summaryOf(f);
      const valProbs = new Map<TrainedMethod, Float64Array>();
      const val = valRows.get(f)!;
      for (const m of trainedHere) {
        const rows = [...baseRows.get(f)!, ...minedRows.get(f)!.get(m)!];
        const gbm = await fit(f, m, rows, config.gbm.maxIter ?? 100, 'train');
        models.set(`${f}:${m}`, gbm);
        summary.trainPatches[m] = rows.length;
        summary.rounds[m] = gbm.nIter;
        if (val.length > 0) {
          const v = bank.matrix(m, val);
          valProbs.set(m, gbm.predictProba({ x: v.x, nRows: v.nRows, nCols: v.nCols }));
        }
      }
      if (val.length > 0) {
        const truth = val.map((r) => bank.label(r));
        for (const m of reported) {
          const probs = m === 'fusion-score' ? averageScores([valProbs.get('haar')!, valProbs.get('na')!]) : valProbs.get(m)!;
          let correct = 0;
          truth.forEach((t, i) => (correct += (probs[i] > 0.5 ? 1 : 0) === t ? 1 : 0));
          accuracy.push({ method: m, backbone: backboneOf(m, config.backbone), set: p.set, fold: p.index, correct, n: truth.length });
        }
      }
    }
    addSeconds('train', t0);

    // 5. Detection on every test image.
    t0 = Date.now();
    const detect = config.detect ?? DEFAULT_DETECT_PARAMS;
    let detected = 0;
    for (const f of folds) {
      const p = plans[f];
      for (const g of globalTest(p)) {
        throwIfAborted(signal);
        const img = images[g];
        const gray = await loadImage(g);
        const probsOf = (blocks: FamilyBlocks, n: number, which: readonly TrainedMethod[]): Map<TrainedMethod, Float64Array> => {
          const out = new Map<TrainedMethod, Float64Array>();
          for (const m of which) out.set(m, models.get(`${f}:${m}`)!.predictProba({ x: methodMatrix(m, blocks, n, dims, families), nRows: n, nCols: colsOf(m) }));
          return out;
        };
        const methodScores = (probs: Map<TrainedMethod, Float64Array>, m: AvailableMethod): Float64Array =>
          m === 'fusion-score' ? averageScores([probs.get('haar')!, probs.get('na')!]) : probs.get(m)!;
        const cands = candidates(f, g);
        const all = probsOf(await features(gray, cands), cands.length, trainedHere);
        for (const m of reported) {
          // Refinement windows get only the features this method's classifiers read.
          const own = trainedMethodsFor([m]);
          const fams = [...new Set(own.flatMap((t) => families[t]))];
          const score = async (wins: Box[]) => methodScores(probsOf(await features(gray, wins, fams), wins.length, own), m);
          const d = await detectBox(score, cands, img, detect, methodScores(all, m));
          detections.push({
            method: m,
            backbone: backboneOf(m, config.backbone),
            set: p.set,
            fold: p.index,
            imageId: img.id,
            imageName: img.name,
            subject: img.subject,
            fromTestProject: fromTest(g),
            box: d.box,
            score: d.score,
            dice: bestDice(d.box, img.truths),
            iou: Math.max(...img.truths.map((t) => iou(d.box, t))),
            coarseDice: bestDice(d.coarse, img.truths),
            windows: d.windows,
          });
        }
        releaseAll();
        detected++;
        progress.step(PHASE_COST.detect, { phase: 'detect', fold: p.index, done: detected, total: testImages, detail: img.name }, detected === testImages);
      }
    }
    addSeconds('detect', t0);
  };

  /** Fine-tunes the backbone at `level` on fold f's training images only. */
  const finetuneFold = async (f: number, level: 'pa' | 'fa'): Promise<FinetunedNetwork> => {
    const p = plans[f];
    const t0 = Date.now();
    const units = finetuneUnits(f);
    const key = networkKey(level, { fold: p.index, foldName: p.name });
    const kept = opts.resume?.networks.find((n) => n.method === level && n.backbone === config.backbone && networkKey(level, n) === key);
    if (kept) {
      if (kept.trainImages !== p.train.length) throw new SonoError('CORRUPT', `stored network ${key} was trained on ${kept.trainImages} images, fold ${p.name} has ${p.train.length}; restart the study instead of resuming it`);
      progress.skip(units, { phase: 'finetune', fold: p.index, method: level, done: 1, total: 1, detail: 'reused from the interrupted study' });
      return kept;
    }
    let reported = 0;
    const from = opts.resume?.checkpoints[key];
    if (from) {
      // The epochs before the checkpoint count as done, but not towards the rate.
      reported = (units * Math.min(from.state.epochsDone, config.finetune.epochs)) / config.finetune.epochs;
      progress.skip(reported, { phase: 'finetune', fold: p.index, method: level, done: from.state.epochsDone, total: config.finetune.epochs, detail: `going on after epoch ${from.state.epochsDone}` });
    }
    let last = { done: 0, total: 1 };
    const trainSet = p.train.map((i) => {
      const img = main.images[i];
      return { id: img.id, name: img.name, file: img.file, width: img.width, height: img.height, subject: img.subject, truths: img.truths };
    });
    const r = await finetune(
      {
        backbone: config.backbone,
        level,
        params: config.finetune,
        images: trainSet,
        modelsDir: opts.modelsDir,
        ...(from ? { start: { checkpoint: from.checkpoint, best: from.best, state: from.state, optimizer: from.optimizer } } : {}),
      },
      {
        signal,
        onCheckpoint: opts.onFoldCheckpoint
          ? async (c) => {
              await opts.onFoldCheckpoint!({ key, method: level, name: networkName({ fold: p.index, foldName: p.name }), checkpoint: { checkpoint: c.classifier, best: c.best ? c.classifier : null, state: c.state, optimizer: c.optimizer } });
            }
          : undefined,
        onProgress: (e) => {
          if (e.phase !== 'train' || !e.epoch || !e.batch || !e.batches) return;
          const done = (e.epoch - 1) * e.batches + e.batch;
          const total = e.epochs * e.batches;
          const target = (units * done) / total;
          last = { done, total };
          progress.step(target - reported, { phase: 'finetune', fold: p.index, method: level, done, total, detail: `epoch ${e.epoch}/${e.epochs}, loss ${e.loss?.toFixed(3)}` });
          reported = target;
        },
      },
    ).catch((e: unknown) => {
      // The study's own cancellation message, whichever stage noticed it.
      if (e instanceof SonoError && e.code === 'CANCELLED') throw new SonoError('CANCELLED', 'study cancelled');
      throw e;
    });
    progress.step(units - reported, { phase: 'finetune', fold: p.index, method: level, ...last }, true);
    addSeconds('finetune', t0);
    return {
      method: level,
      backbone: config.backbone,
      fold: p.index,
      foldName: p.name,
      set: p.set,
      backend: backendLabel(r.backend),
      trainImages: trainSet.length,
      trainPatches: r.trainPatches,
      validationPatches: r.validationPatches,
      bestEpoch: r.state.bestEpoch,
      imagesPerSecond: r.imagesPerSecond,
      history: r.state.history,
      model: r.backbone,
    };
  };

  const finetuned: FinetunedNetwork[] = [];
  const tuned: CnnWindowScorer[] = [];
  const tunedModels: Array<{ dispose(): void }> = [];
  try {
    if (sharedTrained.length > 0) {
      const scorers: Array<[Family, WindowScorer]> = [];
      if (haar && sharedTrained.some((m) => families[m].includes('haar'))) scorers.push(['haar', haar]);
      if (cnn) scorers.push(['cnn', cnn]);
      await runPasses(allFolds, scorers, sharedTrained, sharedReported);
    }
    await cnn?.close();
    cnn = null;
    if (tunedTrained.length > 0) {
      for (const f of allFolds) {
        const scorers: Array<[Family, WindowScorer]> = [];
        if (haar && tunedTrained.some((m) => families[m].includes('haar'))) scorers.push(['haar', haar]);
        for (const level of levels) {
          throwIfAborted(signal);
          const net = await finetuneFold(f, level);
          finetuned.push(net);
          if (!opts.resume?.networks.includes(net)) await opts.onFinetuned?.(net);
          // ONNX export and the scorer read the weights on the CPU backend, as NA's pretrained network.
          await useCpuBackend('the fine-tuned window scorer');
          const model = await fromPlainModel(net.model);
          tunedModels.push(model);
          const scorer = await CnnWindowScorer.create(config.backbone, { model, mode: config.cnnWindows, threads: config.threads, name: level });
          tuned.push(scorer);
          scorers.push([level, scorer]);
        }
        await runPasses([f], scorers, tunedTrained, tunedReported);
        while (tuned.length > 0) await tuned.pop()!.close();
        while (tunedModels.length > 0) tunedModels.pop()!.dispose();
      }
    }
    const folds = [...summaries.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    const entries = methods.map((m) => ({ method: m, backbone: backboneOf(m, config.backbone), level: levelOf(m, fusionWith) }));
    return { methods: [...methods], entries, fusionFeatures: fusionWith, finetuned, detections, accuracy, folds, seconds, cnnWindows: cnnWindowMode(config.backbone, config.cnnWindows) };
  } finally {
    await cnn?.close();
    for (const t of tuned) await t.close();
    for (const m of tunedModels) m.dispose();
  }
}
