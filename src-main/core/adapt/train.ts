/**
 * The fine-tuning loop, free of any database: from training images and boxes to a fine-tuned backbone.
 * Callers (run-finetune.ts, the study) store what `onCheckpoint` hands them; resuming means passing the
 * last checkpoint and its state back in `start`. Every epoch's shuffling and augmentation come from a
 * seed of (run seed, epoch), so a resumed run draws exactly what an uninterrupted one would.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadBackbone } from '../backbones/locate.js';
import type { GrayImage } from '../backbones/preprocess.js';
import { getBackbone } from '../backbones/registry.js';
import { SonoError } from '../errors.js';
import { readGray } from '../imaging/gray.js';
import { hardNegatives } from '../detect/samples.js';
import type { Box } from '../metrics/index.js';
import { createRng, shuffleInPlace } from '../metrics/prng.js';
import { initTraining, type TrainingBackend } from '../ml/backend.js';
import { fromPlainModel, toPlainModel, type PlainModel } from './artifacts.js';
import { cropBatch, drawAugment, NO_AUGMENT, type PatchAugment } from './crops.js';
import { checkFinetunable, type AdaptLevel } from './levels.js';
import { addHead, atInputSize, backboneOf, trainableVariables, trainingParams } from './network.js';
import { checkTrainWorkers, defaultTrainWorkers, GradientPool, gradWorkerUrl } from './grad-pool.js';
import { createOptimizer, type OptimizerState } from './optimizer.js';
import { learningRateAt, type FinetuneParams } from './params.js';
import { samplePatches, type Patch, type TrainingImage } from './patches.js';
import type { FinetuneListener } from './progress.js';
import { TrainStep } from './train-step.js';

export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  learningRate: number;
  trainLoss: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  imagesPerSecond: number;
}

/** What a checkpoint carries besides the weights and the optimizer state. */
export interface TrainState {
  epochsDone: number;
  /** Epoch (1-based) of the lowest validation loss so far; 0 before the first. */
  bestEpoch: number;
  bestValLoss: number | null;
  sinceBest: number;
  history: EpochRecord[];
  /** Hard negatives mined after the first epoch (image index and box); null before mining. */
  mined?: Array<{ image: number; box: Box }> | null;
}

export interface TrainRequest {
  backbone: string;
  level: Exclude<AdaptLevel, 'na'>;
  params: FinetuneParams;
  images: TrainingImage[];
  /** Folder holding `<backbone>/model.json`; default: SONOTL_MODELS or the user's model cache. */
  modelsDir?: string;
  /** Training backend wish (SONOTL_BACKEND still overrides it). */
  preferBackend?: string;
  /**
   * Threads computing gradients (data parallel, the batch split between them); 1 trains on the calling
   * thread alone. Default: one per core on the WASM and CPU backends, 1 on native TensorFlow.
   */
  workers?: number;
  /**
   * Resume: the classifier of the last checkpoint, the best one so far, the state saved with them, and
   * the optimizer's state at that checkpoint (absent in checkpoints from before it was kept: the
   * moments then restart from zero).
   */
  start?: { checkpoint: PlainModel; best: PlainModel | null; state: TrainState; optimizer?: OptimizerState | null };
}

export interface TrainEvents {
  onStart?: (info: { backend: TrainingBackend; trainPatches: number; validationPatches: number; batchesPerEpoch: number }) => void | Promise<void>;
  onProgress?: FinetuneListener;
  /** After every epoch: the classifier at the crop size, the optimizer's state, and whether this epoch is the best so far. */
  onCheckpoint?: (c: { classifier: PlainModel; optimizer: OptimizerState; state: TrainState; best: boolean }) => Promise<void>;
  signal?: AbortSignal;
}

export interface TrainResult {
  /** The fine-tuned backbone at the registry's input size (the best epoch's weights). */
  backbone: PlainModel;
  state: TrainState;
  backend: TrainingBackend;
  stoppedEarly: boolean;
  trainPatches: number;
  validationPatches: number;
  minedNegatives: number;
  /** Training patches per second over this session's batches. */
  imagesPerSecond: number;
}

export const EMPTY_STATE: TrainState = { epochsDone: 0, bestEpoch: 0, bestValLoss: null, sinceBest: 0, history: [], mined: null };

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SonoError('CANCELLED', 'fine-tuning cancelled');
}

async function loadImages(images: readonly TrainingImage[], needed: ReadonlySet<number>): Promise<Map<number, GrayImage>> {
  const out = new Map<number, GrayImage>();
  for (const i of needed) {
    const img = images[i];
    let bytes: Buffer;
    try {
      bytes = await readFile(img.file);
    } catch {
      throw new SonoError('NOT_FOUND', `stored file of image ${img.name} is missing (${img.file})`, img.file);
    }
    out.set(i, await readGray(bytes, img.name));
  }
  return out;
}

export async function finetune(req: TrainRequest, ev: TrainEvents = {}): Promise<TrainResult> {
  const entry = getBackbone(req.backbone);
  checkFinetunable(entry);
  const p = trainingParams(entry, req.params);
  const { signal } = ev;
  const emit = ev.onProgress ?? (() => undefined);
  emit({ phase: 'load', epochs: p.epochs, etaSeconds: null });
  const backendAlone = await initTraining({ prefer: req.preferBackend });
  const workers = req.workers === undefined ? defaultTrainWorkers(backendAlone) : checkTrainWorkers(req.workers);
  const workerUrl = workers > 1 ? gradWorkerUrl() : null;
  // Without a compiled worker script (sources never built) the run trains on this thread alone.
  const threads = workerUrl ? workers : 1;
  const backend: TrainingBackend = { ...backendAlone, threads: backendAlone.threads * threads };

  emit({ phase: 'sample', epochs: p.epochs, etaSeconds: null });
  const patches = samplePatches(req.images, p);
  const grays = await loadImages(req.images, new Set([...patches.train, ...patches.validation].map((x) => x.image)));
  const batchesPerEpoch = Math.ceil(patches.train.length / p.batchSize);
  await ev.onStart?.({ backend, trainPatches: patches.train.length, validationPatches: patches.validation.length, batchesPerEpoch });

  let classifier: tfl.LayersModel;
  let bestWeights: tf.Tensor[] | null = null;
  if (req.start) {
    classifier = await fromPlainModel(req.start.checkpoint);
    if (req.start.best) {
      const best = await fromPlainModel(req.start.best);
      bestWeights = best.getWeights().map((w) => w.clone());
      best.dispose();
    }
  } else {
    const pretrained = await loadBackbone(entry.id, req.modelsDir ? { env: { SONOTL_MODELS: req.modelsDir } } : {});
    const sized = await atInputSize(pretrained, p.cropSize, p.cropSize);
    pretrained.dispose();
    classifier = addHead(sized, entry, p.seed);
  }
  const state: TrainState = structuredClone(req.start?.state ?? EMPTY_STATE);
  const vars = trainableVariables(classifier, entry, req.level);
  const optimizer = createOptimizer(p.optimizer, vars, p.momentum);
  let pool: GradientPool | null = null;
  let trainedPatches = 0;
  let trainSeconds = 0;
  let valSecondsPerPatch: number | null = null;
  let stoppedEarly = false;

  const remainingSeconds = (epochIndex: number, batchesLeftInEpoch: number): number | null => {
    if (trainedPatches === 0) return null;
    const perPatch = trainSeconds / trainedPatches;
    const epochsAfter = p.epochs - epochIndex - 1;
    const valPer = valSecondsPerPatch ?? perPatch / 3;
    return perPatch * (batchesLeftInEpoch * p.batchSize + epochsAfter * patches.train.length) + valPer * patches.validation.length * (epochsAfter + 1);
  };

  const batchTensors = (items: readonly Patch[], augments: readonly PatchAugment[]): { x: tf.Tensor4D; y: tf.Tensor2D } => {
    const data = cropBatch(items.map((it) => ({ gray: grays.get(it.image)!, box: it.box })), augments, p.cropSize, entry.preprocessing);
    return {
      x: tf.tensor4d(data, [items.length, p.cropSize, p.cropSize, 3]),
      y: tf.tensor2d(Float32Array.from(items, (it) => it.label), [items.length, 1]),
    };
  };

  /** The negatives the network (after epoch 1) scores highest among each training image's pool. */
  const mine = async (epoch: number): Promise<Array<{ image: number; box: Box }>> => {
    const mined: Array<{ image: number; box: Box }> = [];
    for (const [n, pool] of patches.negativePools.entries()) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      emit({ phase: 'mine', epoch, epochs: p.epochs, batch: n + 1, batches: patches.negativePools.length, etaSeconds: remainingSeconds(epoch - 1, batchesPerEpoch) });
      const scores = new Float32Array(pool.boxes.length);
      for (let s = 0; s < pool.boxes.length; s += p.batchSize) {
        const boxes = pool.boxes.slice(s, s + p.batchSize);
        const data = cropBatch(boxes.map((box) => ({ gray: grays.get(pool.image)!, box })), boxes.map(() => NO_AUGMENT), p.cropSize, entry.preprocessing);
        const x = tf.tensor4d(data, [boxes.length, p.cropSize, p.cropSize, 3]);
        const logits = tf.tidy(() => tf.reshape(classifier.apply(x, { training: false }) as tf.Tensor, [-1]));
        scores.set(await logits.data(), s);
        tf.dispose([x, logits]);
      }
      const img = req.images[pool.image];
      for (const box of hardNegatives(pool.boxes, scores, img.truths, new Set(), p.hardNegativesPerImage, p.negativeDice)) mined.push({ image: pool.image, box });
    }
    return mined;
  };

  try {
    if (req.start?.optimizer) optimizer.restore(req.start.optimizer);
    if (workerUrl && threads > 1) {
      pool = await GradientPool.start({ size: threads - 1, url: workerUrl, model: await toPlainModel(classifier), backbone: entry, level: req.level, backend: backendAlone, cropSize: p.cropSize, vars });
    }
    const trainStep = new TrainStep(classifier, vars, optimizer, p.cropSize, pool);
    for (let e = state.epochsDone; e < p.epochs; e++) {
      if (e >= 1 && p.hardNegativesPerImage > 0 && !state.mined) state.mined = await mine(e + 1);
      const trainSet: Patch[] = state.mined ? [...patches.train, ...state.mined.map((m) => ({ image: m.image, box: m.box, label: 0 as const }))] : patches.train;
      const batches = Math.ceil(trainSet.length / p.batchSize);
      const lr = learningRateAt(p, e);
      const rng = createRng(((p.seed * 7919) ^ (e * 104729)) >>> 0);
      const order = shuffleInPlace(trainSet.map((_, i) => i), rng);
      const augments = order.map(() => drawAugment(p.augment, rng));
      const epochStart = Date.now();
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        // A macrotask turn per batch: in a worker, the cancel message is only delivered when the loop yields.
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(signal);
        const t0 = Date.now();
        const idx = order.slice(b * p.batchSize, (b + 1) * p.batchSize);
        const items = idx.map((i) => trainSet[i]);
        const x = cropBatch(items.map((it) => ({ gray: grays.get(it.image)!, box: it.box })), augments.slice(b * p.batchSize, (b + 1) * p.batchSize), p.cropSize, entry.preprocessing);
        const loss = await trainStep.run({ x, y: Float32Array.from(items, (it) => it.label), count: items.length }, lr);
        // The step skips the update on a non-finite loss, so the weights (and the last checkpoint) never hold NaN.
        if (!Number.isFinite(loss)) {
          throw new SonoError(
            'INTERNAL',
            `fine-tuning stopped: the training loss became ${loss} in epoch ${e + 1}, batch ${b + 1} (learning rate ${lr.toPrecision(3)}); ` +
              'lower the learning rate and resume from the last checkpoint',
          );
        }
        lossSum += loss * idx.length;
        trainedPatches += idx.length;
        trainSeconds += (Date.now() - t0) / 1000;
        emit({
          phase: 'train',
          epoch: e + 1,
          epochs: p.epochs,
          batch: b + 1,
          batches,
          loss: lossSum / Math.min(trainSet.length, (b + 1) * p.batchSize),
          imagesPerSecond: trainedPatches / trainSeconds,
          etaSeconds: remainingSeconds(e, batches - b - 1),
        });
      }
      const trainLoss = lossSum / trainSet.length;
      const epochTrainSeconds = (Date.now() - epochStart) / 1000;

      let valLoss: number | null = null;
      let valAccuracy: number | null = null;
      if (patches.validation.length > 0) {
        throwIfAborted(signal);
        emit({ phase: 'validate', epoch: e + 1, epochs: p.epochs, etaSeconds: remainingSeconds(e, 0) });
        const v0 = Date.now();
        let sum = 0;
        let correct = 0;
        for (let s = 0; s < patches.validation.length; s += p.batchSize) {
          const items = patches.validation.slice(s, s + p.batchSize);
          const { x, y } = batchTensors(items, items.map(() => NO_AUGMENT));
          const logits = tf.tidy(() => tf.reshape(classifier.apply(x, { training: false }) as tf.Tensor, [-1]));
          const l = tf.tidy(() => tf.losses.sigmoidCrossEntropy(tf.reshape(y, [-1]), logits));
          const [lv, zs] = [(await l.data())[0], await logits.data()];
          tf.dispose([x, y, logits, l]);
          sum += lv * items.length;
          items.forEach((it, k) => (correct += (zs[k] > 0 ? 1 : 0) === it.label ? 1 : 0));
        }
        valLoss = sum / patches.validation.length;
        valAccuracy = correct / patches.validation.length;
        valSecondsPerPatch = (Date.now() - v0) / 1000 / patches.validation.length;
      }

      // Without validation patches the latest epoch counts as the best one.
      const improved = valLoss === null || state.bestValLoss === null || valLoss < state.bestValLoss;
      if (improved) {
        state.bestEpoch = e + 1;
        state.bestValLoss = valLoss;
        state.sinceBest = 0;
        tf.dispose(bestWeights ?? []);
        bestWeights = classifier.getWeights().map((w) => w.clone());
      } else state.sinceBest++;
      state.epochsDone = e + 1;
      state.history.push({
        epoch: e + 1,
        learningRate: lr,
        trainLoss,
        valLoss,
        valAccuracy,
        seconds: (Date.now() - epochStart) / 1000,
        imagesPerSecond: trainSet.length / epochTrainSeconds,
      });
      emit({ phase: 'save', epoch: e + 1, epochs: p.epochs, etaSeconds: remainingSeconds(e, 0), loss: trainLoss });
      await ev.onCheckpoint?.({ classifier: await toPlainModel(classifier), optimizer: await optimizer.state(), state: structuredClone(state), best: improved });
      if (p.patience > 0 && state.sinceBest >= p.patience && e + 1 < p.epochs) {
        stoppedEarly = true;
        break;
      }
    }

    if (bestWeights) classifier.setWeights(bestWeights);
    const sized = await atInputSize(backboneOf(classifier, entry), entry.inputSize[0], entry.inputSize[1]);
    const backbone = await toPlainModel(sized);
    sized.dispose();
    return {
      backbone,
      state,
      backend,
      stoppedEarly,
      trainPatches: patches.train.length,
      validationPatches: patches.validation.length,
      minedNegatives: state.mined?.length ?? 0,
      imagesPerSecond: trainSeconds > 0 ? trainedPatches / trainSeconds : 0,
    };
  } finally {
    await pool?.close();
    optimizer.dispose();
    tf.dispose(bestWeights ?? []);
    classifier.dispose();
  }
}

/** 'wasm+simd' etc.: the runs.backend column says what really trained. */
export function backendLabel(b: { backend: string; simd: boolean; threads: number }): string {
  return `${b.backend}${b.simd ? '+simd' : ''}${b.threads > 1 ? ` x${b.threads}` : ''}`;
}
