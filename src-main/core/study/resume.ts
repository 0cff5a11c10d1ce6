/**
 * Resuming a study that stopped (cancelled, interrupted, failed): its runs are found by the study id
 * stored in each run's config, the images and boxes must still be the ones it started on (a fingerprint
 * stored with the runs), and what its fine-tuning left in the project is read back: every finished fold
 * network ('fold-<k>' / 'final' of the PA / FA runs) and the last epoch checkpoint of the one being
 * trained ('<name>-checkpoint', '<name>-best', and its optimizer state). Everything else of a study is
 * cheap next to fine-tuning and is computed again.
 */
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { ensureModelBackend, loadRunPlain, saveRunPlain } from '../adapt/artifacts.js';
import { pruneOptimizerStates, readOptimizerState, writeOptimizerState, type OptimizerRef } from '../adapt/optimizer-store.js';
import type { TrainState } from '../adapt/train.js';
import { errorMessage, SonoError } from '../errors.js';
import { deleteRunModel, getRun, getStoredModel, listRunModels, listRuns, setRunStatus, type Project, type RunRecord } from '../project/index.js';
import { sha256Hex } from '../util/hash.js';
import { networkName, type FinetunedNetwork, type FoldCheckpoint, type ResumeFrom } from './compute.js';
import { resolveStudyConfig, type Method, type StudyConfig } from './config.js';
import type { StudyInputs } from './inputs.js';

/** What every run of a study stores under config.study besides the study's own settings. */
export interface StudyIdentity {
  /** Shared by the runs of one study. */
  id: string;
  /** studyFingerprint of the inputs the study started on. */
  fingerprint: string;
}

export function newStudyId(): string {
  return `s${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A hash of everything of the projects that a study's results depend on: each image's id, name,
 * stored file (content-addressed, so new pixels mean a new name), size, subject and split, and its
 * boxes of the organ's category.
 */
export function studyFingerprint(main: StudyInputs, test: StudyInputs | null): string {
  const part = (s: StudyInputs) => ({
    category: s.category,
    images: s.images.map((i) => [i.id, i.name, relative(s.projectDir, i.file), i.width, i.height, i.subject, i.split, i.truths.map((t) => [t.x, t.y, t.w, t.h])]),
  });
  return sha256Hex(JSON.stringify({ main: part(main), test: test ? part(test) : null }));
}

export interface StudyToResume {
  config: StudyConfig;
  /** The study's runs, as created. */
  runs: RunRecord[];
  identity: StudyIdentity;
  category: string;
  /** Folder of the independent test project the study was started with, if any. */
  testProject: string | null;
}

const RESUMABLE = new Set(['cancelled', 'interrupted', 'failed']);

/** The study that run `runId` belongs to, with its settings; refuses a study that cannot be resumed, saying why. */
export function studyOfRun(project: Project, runId: string): StudyToResume {
  const run = getRun(project, runId);
  const study = (run.config as { study?: Record<string, unknown> }).study;
  if (!study) throw new SonoError('BAD_INPUT', `run ${runId} is a ${run.method} run, not a run of a study`, runId);
  const id = study.id;
  const fingerprint = study.fingerprint;
  if (typeof id !== 'string' || typeof fingerprint !== 'string') {
    throw new SonoError('BAD_INPUT', `run ${runId} was started by a version of SonoTL that kept nothing to resume from; restart it instead`, runId);
  }
  const runs = listRuns(project).filter((r) => (r.config as { study?: { id?: unknown } }).study?.id === id);
  const running = runs.find((r) => r.status === 'running' || r.status === 'queued');
  if (running) throw new SonoError('BAD_INPUT', `the study of run ${runId} is still running (run ${running.id})`, runId);
  if (runs.every((r) => r.status === 'done')) throw new SonoError('BAD_INPUT', `the study of run ${runId} already finished; start a new one instead of resuming it`, runId);
  const odd = runs.find((r) => !RESUMABLE.has(r.status));
  if (odd) throw new SonoError('BAD_INPUT', `run ${odd.id} of the study of run ${runId} is ${odd.status}; only a cancelled, interrupted or failed study can be resumed`, odd.id);
  const { study: _study, ...stored } = run.config as Record<string, unknown>;
  let config: StudyConfig;
  try {
    config = resolveStudyConfig({
      ...stored,
      methods: study.methods as Method[],
      backbone: study.backbone,
      extraBackbones: study.extraBackbones ?? [],
      category: study.category,
    });
  } catch (e) {
    throw new SonoError('BAD_INPUT', `run ${runId} cannot be resumed: its stored settings do not fit this version (${errorMessage(e)}); start a new study instead`, runId);
  }
  return {
    config,
    runs,
    identity: { id, fingerprint },
    category: String(study.category),
    testProject: typeof study.testProject === 'string' ? study.testProject : null,
  };
}

/** What a fold checkpoint's metadata holds. */
interface CheckpointMeta {
  state: TrainState;
  optimizer: OptimizerRef | null;
}

const checkpointName = (name: string) => `${name}-checkpoint`;
const bestName = (name: string) => `${name}-best`;


/**
 * Stores a fold network as soon as it is trained, as its run's 'fold-<k>' (or 'final'), with everything
 * but the weights as metadata, and then drops the fold's checkpoints, which are no longer needed.
 */
export async function saveFoldNetwork(project: Project, runId: string, net: FinetunedNetwork): Promise<void> {
  const { model, ...meta } = net;
  const name = networkName(net);
  await saveRunPlain(project, runId, [name], model, meta);
  setRunStatus(project, runId, 'running', { backend: net.backend });
  deleteRunModel(project, runId, checkpointName(name));
  deleteRunModel(project, runId, bestName(name));
}

/** Stores the last epoch checkpoint of the fold network `name` (and its best one when this epoch is the best). */
export async function saveFoldCheckpoint(project: Project, runId: string, name: string, c: FoldCheckpoint): Promise<void> {
  const ck = checkpointName(name);
  const optimizer = c.optimizer ? writeOptimizerState(project, runId, ck, c.optimizer) : null;
  const meta: CheckpointMeta = { state: c.state, optimizer };
  await saveRunPlain(project, runId, c.best ? [ck, bestName(name)] : [ck], c.checkpoint, meta);
  if (optimizer) pruneOptimizerStates(project, runId, ck, optimizer);
}

const FOLD_NETWORK = /^(fold-\d+|final)$/;

/** Fold networks and checkpoints stored with the PA / FA runs (`levelRuns`: backbone -> level -> run id), per backbone. */
export async function storedFinetuning(project: Project, levelRuns: Map<string, Partial<Record<'pa' | 'fa', string>>>): Promise<Map<string, ResumeFrom>> {
  const out = new Map<string, ResumeFrom>();
  for (const [backbone, byLevel] of levelRuns) {
    const from: ResumeFrom = { networks: [], checkpoints: {} };
    for (const level of ['pa', 'fa'] as const) {
      const runId = byLevel[level];
      if (!runId) continue;
      const models = listRunModels(project, runId).map((m) => m.id.slice(runId.length + 1));
      for (const name of models.filter((n) => FOLD_NETWORK.test(n))) {
        await ensureModelBackend();
        const meta = getStoredModel(project, `${runId}/${name}`)!.metadata as Omit<FinetunedNetwork, 'model'>;
        if (meta.method !== level || meta.backbone !== backbone || !Array.isArray(meta.history)) {
          throw new SonoError('CORRUPT', `stored network ${name} of run ${runId} does not describe a ${level} network of ${backbone}; restart the study instead`, runId);
        }
        from.networks.push({ ...meta, model: await loadRunPlain(project, runId, name) });
      }
      for (const name of models.filter((n) => n.endsWith('-checkpoint'))) {
        const fold = name.slice(0, -'-checkpoint'.length);
        if (!FOLD_NETWORK.test(fold) || models.includes(fold)) continue;
        await ensureModelBackend();
        const meta = getStoredModel(project, `${runId}/${name}`)!.metadata as unknown as CheckpointMeta;
        const best = models.includes(bestName(fold)) ? await loadRunPlain(project, runId, bestName(fold)) : null;
        from.checkpoints[`${level}/${fold}`] = {
          checkpoint: await loadRunPlain(project, runId, name),
          best,
          state: meta.state,
          optimizer: meta.optimizer ? readOptimizerState(project, runId, name, meta.optimizer) : null,
        };
      }
    }
    out.set(backbone, from);
  }
  return out;
}
