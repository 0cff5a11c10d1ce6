/**
 * A fine-tuning run on a project: creates (or resumes) a run, trains in a worker thread, stores a
 * checkpoint after every epoch ('checkpoint', and 'best' when the validation loss improved) and the
 * fine-tuned backbone as 'final', and records status and training backend on the run. A cancelled,
 * failed or interrupted run resumes from its last checkpoint with the settings it was started with.
 *
 * Training images are the project's images with a box of the category that are not in the 'test' split.
 */
import { loadBackbone } from '../backbones/locate.js';
import { getBackbone } from '../backbones/registry.js';
import { errorMessage, isSonoError, SonoError } from '../errors.js';
import { createRun, getRun, getStoredModel, saveRunLosses, saveRunModel, setRunStatus, type Project } from '../project/index.js';
import { loadStudyInputs } from '../study/inputs.js';
import { ensureModelBackend, fromPlainModel, loadRunPlain, saveRunPlain } from './artifacts.js';
import { checkFinetunable, type AdaptLevel } from './levels.js';
import { checkTrainWorkers } from './grad-pool.js';
import { pruneOptimizerStates, readOptimizerState, writeOptimizerState, type OptimizerRef } from './optimizer-store.js';
import { resolveFinetuneParams, type FinetuneParams, type FinetuneParamsInput } from './params.js';
import type { TrainingImage } from './patches.js';
import type { FinetuneListener } from './progress.js';
import { backendLabel, type EpochRecord, type TrainRequest, type TrainState } from './train.js';

export { backendLabel } from './train.js';
import { finetuneAnywhere } from './worker-client.js';

export const FINETUNE_METHOD = 'finetune';

export interface FinetuneRunOptions {
  level: AdaptLevel;
  backbone?: string;
  params?: FinetuneParamsInput;
  /** Category whose boxes are the organ; default: the project's most frequent one. */
  category?: string | null;
  /** Id of a cancelled, failed or interrupted fine-tuning run to continue. */
  resume?: string;
  modelsDir?: string;
  /** Gradient threads (data parallel); default one per core on WASM/CPU. Not a setting of the run: a resume may use another count. */
  workers?: number;
  onProgress?: FinetuneListener;
  /** Called once the run exists (before any training), e.g. to tell the user its id. */
  onRun?: (runId: string) => void;
  signal?: AbortSignal;
  inline?: boolean;
}

export interface FinetuneRunResult {
  runId: string;
  level: AdaptLevel;
  backbone: string;
  backend: string;
  /** Epochs finished before this session (0 for a new run). */
  resumedAfterEpoch: number;
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  trainImages: number;
  trainPatches: number;
  validationPatches: number;
  /** Hard negatives added to the training patches after the first epoch. */
  minedNegatives: number;
  imagesPerSecond: number;
  params: FinetuneParams;
}

/** Metadata stored with each checkpoint: enough to resume without the run's original command line. */
interface CheckpointMeta {
  state: TrainState;
  params: FinetuneParams;
  level: AdaptLevel;
  backbone: string;
  category: string;
  /** The optimizer's moments and step count at this checkpoint (absent in checkpoints written before they were kept). */
  optimizer?: OptimizerRef;
}

export function trainingImages(project: Project, category: string | null): { category: string; images: TrainingImage[] } {
  const inputs = loadStudyInputs(project, category);
  const images = inputs.images
    .filter((img) => img.split !== 'test')
    .map((img) => ({ id: img.id, name: img.name, file: img.file, width: img.width, height: img.height, subject: img.subject, truths: img.truths }));
  if (images.length === 0) throw new SonoError('BAD_INPUT', `project ${project.dir} has no training images with a "${inputs.category}" box outside the test split`);
  return { category: inputs.category, images };
}



export async function runFinetune(project: Project, opts: FinetuneRunOptions): Promise<FinetuneRunResult> {
  if (opts.workers !== undefined) checkTrainWorkers(opts.workers);
  let runId: string;
  let level = opts.level;
  let backbone = opts.backbone ?? 'mobilenet_v2_0.35_224';
  let params: FinetuneParams;
  let category: string | null = opts.category ?? null;
  let start: TrainRequest['start'];
  if (opts.resume) {
    const run = getRun(project, opts.resume);
    if (run.method !== FINETUNE_METHOD) throw new SonoError('BAD_INPUT', `run ${run.id} is a ${run.method} run, not a fine-tuning run`, run.id);
    if (run.status === 'done') throw new SonoError('BAD_INPUT', `run ${run.id} already finished; start a new run instead of resuming it`, run.id);
    if (run.status === 'running') throw new SonoError('BAD_INPUT', `run ${run.id} is still running`, run.id);
    runId = run.id;
    const stored = getStoredModel(project, `${run.id}/checkpoint`);
    const meta = (stored?.metadata ?? null) as CheckpointMeta | null;
    const config = run.config as { params?: FinetuneParams; category?: string };
    level = meta?.level ?? (run.level as AdaptLevel);
    backbone = meta?.backbone ?? run.backbone ?? backbone;
    category = meta?.category ?? config.category ?? category;
    // Only the number of epochs may change on resume; everything else is the run's own.
    params = resolveFinetuneParams({ epochs: opts.params?.epochs }, meta?.params ?? resolveFinetuneParams(config.params ?? {}));
    if (stored && meta) {
      await ensureModelBackend();
      const checkpoint = await loadRunPlain(project, run.id, 'checkpoint');
      const best = getStoredModel(project, `${run.id}/best`) ? await loadRunPlain(project, run.id, 'best') : null;
      const optimizer = meta.optimizer ? readOptimizerState(project, run.id, 'checkpoint', meta.optimizer) : null;
      start = { checkpoint, best, state: meta.state, optimizer };
    }
  } else {
    params = resolveFinetuneParams(opts.params ?? {});
    if (level !== 'na') checkFinetunable(getBackbone(backbone));
    const chosen = trainingImages(project, category).category;
    category = chosen;
    runId = createRun(project, { method: FINETUNE_METHOD, backbone, level, config: { params, category } }).id;
  }
  opts.onRun?.(runId);
  const { images, category: cat } = trainingImages(project, category);
  const modelsOpts = opts.modelsDir ? { env: { SONOTL_MODELS: opts.modelsDir } } : {};

  try {
    if (level === 'na') {
      // Nothing trains at NA: the run's network is the pretrained one, stored so every consumer can use --run.
      setRunStatus(project, runId, 'running', { backend: 'none' });
      await ensureModelBackend();
      const pretrained = await loadBackbone(backbone, modelsOpts);
      await saveRunModel(project, runId, 'final', pretrained, { level, backbone, epochs: 0 });
      pretrained.dispose();
      setRunStatus(project, runId, 'done');
      return { runId, level, backbone, backend: 'none', resumedAfterEpoch: 0, history: [], bestEpoch: 0, stoppedEarly: false, trainImages: images.length, trainPatches: 0, validationPatches: 0, minedNegatives: 0, imagesPerSecond: 0, params };
    }
    setRunStatus(project, runId, 'running');
    const resumedAfterEpoch = start?.state.epochsDone ?? 0;
    const metaOf = (state: TrainState, optimizer?: OptimizerRef): CheckpointMeta => ({ state, params, level, backbone, category: cat, optimizer });
    const result = await finetuneAnywhere(
      { backbone, level, params, images, modelsDir: opts.modelsDir, start, workers: opts.workers },
      {
        inline: opts.inline,
        signal: opts.signal,
        onProgress: opts.onProgress,
        onStart: (info) => setRunStatus(project, runId, 'running', { backend: backendLabel(info.backend) }),
        onCheckpoint: async (c) => {
          const optimizer = writeOptimizerState(project, runId, 'checkpoint', c.optimizer);
          await saveRunPlain(project, runId, c.best ? ['checkpoint', 'best'] : ['checkpoint'], c.classifier, metaOf(c.state, optimizer));
          pruneOptimizerStates(project, runId, 'checkpoint', optimizer);
          // Every epoch, so a cancelled or failed run keeps the curve up to its last checkpoint.
          saveRunLosses(project, runId, 'final', c.state.history);
        },
      },
    );
    opts.onProgress?.({ phase: 'save', epochs: params.epochs, epoch: result.state.epochsDone, etaSeconds: 0 });
    await ensureModelBackend();
    const final = await fromPlainModel(result.backbone);
    try {
      await saveRunModel(project, runId, 'final', final, {
        level,
        backbone,
        category: cat,
        backend: backendLabel(result.backend),
        bestEpoch: result.state.bestEpoch,
        epochs: result.state.epochsDone,
        stoppedEarly: result.stoppedEarly,
        imagesPerSecond: result.imagesPerSecond,
        history: result.state.history,
        params,
      });
    } finally {
      final.dispose();
    }
    setRunStatus(project, runId, 'done');
    return {
      runId,
      level,
      backbone,
      backend: backendLabel(result.backend),
      resumedAfterEpoch,
      history: result.state.history,
      bestEpoch: result.state.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      trainImages: images.length,
      trainPatches: result.trainPatches,
      validationPatches: result.validationPatches,
      minedNegatives: result.minedNegatives,
      imagesPerSecond: result.imagesPerSecond,
      params,
    };
  } catch (e) {
    const cancelled = isSonoError(e) && e.code === 'CANCELLED';
    setRunStatus(project, runId, cancelled ? 'cancelled' : 'failed', { error: errorMessage(e).split('\n')[0] });
    throw e;
  }
}

