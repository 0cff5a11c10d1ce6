import { csvCell } from './run-format';
import type { LossCurves } from './types';

export interface CurvePoint {
  epoch: number;
  /** Mean over the networks that reached this epoch (and, for validation, had validation patches). */
  loss: number;
  /** How many networks the mean is over. */
  n: number;
}

type Network = LossCurves['networks'][number];

/**
 * One curve per run: a study trains a network per fold, and their per-epoch mean is what compares across
 * methods (the folds' own curves are in the CSV). Folds that stopped early drop out of the later epochs,
 * which `n` shows. A study with a test project also trains one network on all images ('final'): it is
 * the curve of the 'test' evaluation set, and the folds' mean that of the cross-validation ('cv'). A run
 * with only one kind (a fine-tuning run has just 'final') shows it for either set.
 */
export function meanCurve(networks: readonly Network[], which: 'train' | 'val', scope: string): CurvePoint[] {
  const preferred = networks.filter((n) => (scope === 'test' ? n.network === 'final' : n.network.startsWith('fold-')));
  const used = preferred.length > 0 ? preferred : networks;
  const sums = new Map<number, { sum: number; n: number }>();
  for (const net of used) {
    for (const e of net.epochs) {
      const v = which === 'train' ? e.trainLoss : e.valLoss;
      if (v === null || !Number.isFinite(v)) continue;
      const s = sums.get(e.epoch) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      sums.set(e.epoch, s);
    }
  }
  return [...sums].sort(([a], [b]) => a - b).map(([epoch, s]) => ({ epoch, loss: s.sum / s.n, n: s.n }));
}

/** Every stored epoch of every network of the runs, one row each. */
export function lossCsv(curves: readonly LossCurves[]): string {
  const header = ['run', 'method', 'level', 'backbone', 'status', 'network', 'epoch', 'train_loss', 'val_loss', 'val_accuracy'];
  const lines = curves.flatMap((c) =>
    c.networks.flatMap((net) =>
      net.epochs.map((e) => [c.runId, c.method, c.level, c.backbone, c.status, net.network, e.epoch, e.trainLoss, e.valLoss, e.valAccuracy].map(csvCell).join(',')),
    ),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}
