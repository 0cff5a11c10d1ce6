/**
 * Per-epoch losses of the networks a run fine-tuned (`run_losses`), kept with the run so that Compare can
 * plot loss curves after the run's live progress is gone. A network is named as its model is ('final',
 * 'fold-<k>'); saving a network's history replaces the one stored before, because a resumed run's
 * history repeats the epochs of the session it continues.
 */
import { SonoError } from '../errors.js';
import type { Project } from './open.js';

export interface EpochLoss {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  /** Null when the epoch had no validation patches. */
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface NetworkLosses {
  network: string;
  epochs: EpochLoss[];
}

export interface RunLosses {
  runId: string;
  networks: NetworkLosses[];
}

const finiteOrNull = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** Replaces the stored history of one network of a run with `epochs`. */
export function saveRunLosses(project: Project, runId: string, network: string, epochs: readonly EpochLoss[]): void {
  for (const e of epochs) {
    if (!Number.isInteger(e.epoch) || e.epoch < 1) throw new SonoError('BAD_INPUT', `epoch ${e.epoch} of network ${network} of run ${runId} is not a whole number from 1`, runId);
    if (!Number.isFinite(e.trainLoss)) throw new SonoError('BAD_INPUT', `the training loss of epoch ${e.epoch} of network ${network} of run ${runId} is not a finite number`, runId);
  }
  const del = project.db.prepare('DELETE FROM run_losses WHERE run_id = ? AND network = ?');
  const ins = project.db.prepare(
    'INSERT OR REPLACE INTO run_losses (run_id, network, epoch, train_loss, val_loss, val_accuracy) VALUES (?, ?, ?, ?, ?, ?)',
  );
  project.db.transaction(() => {
    del.run(runId, network);
    for (const e of epochs) ins.run(runId, network, e.epoch, e.trainLoss, finiteOrNull(e.valLoss), finiteOrNull(e.valAccuracy));
  })();
}

interface LossRow {
  run_id: string;
  network: string;
  epoch: number;
  train_loss: number;
  val_loss: number | null;
  val_accuracy: number | null;
}

/**
 * Stored histories of the given runs (of every run with one when `runIds` is not given), networks in name
 * order ('fold-10' after 'fold-9'), epochs ascending. Empty in a project opened read-only at an older schema.
 */
export function listRunLosses(project: Project, runIds?: readonly string[]): RunLosses[] {
  if (!project.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_losses'").get()) return [];
  const rows = project.db.prepare('SELECT * FROM run_losses ORDER BY run_id, network, epoch').all() as LossRow[];
  const wanted = runIds ? new Set(runIds) : null;
  const byRun = new Map<string, Map<string, EpochLoss[]>>();
  for (const r of rows) {
    if (wanted && !wanted.has(r.run_id)) continue;
    if (!byRun.has(r.run_id)) byRun.set(r.run_id, new Map());
    const nets = byRun.get(r.run_id)!;
    if (!nets.has(r.network)) nets.set(r.network, []);
    nets.get(r.network)!.push({ epoch: r.epoch, trainLoss: r.train_loss, valLoss: r.val_loss, valAccuracy: r.val_accuracy });
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return [...byRun].map(([runId, nets]) => ({
    runId,
    networks: [...nets].sort(([a], [b]) => collator.compare(a, b)).map(([network, epochs]) => ({ network, epochs })),
  }));
}
