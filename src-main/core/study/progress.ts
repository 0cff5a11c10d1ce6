/**
 * Progress of a study, reported as plain objects (they cross the worker boundary by structured clone).
 * Work is counted in rough cost units per phase, so that one overall fraction and an ETA can be given
 * even though phases differ a lot in cost.
 */

export type StudyPhase = 'load' | 'finetune' | 'sample' | 'train-first' | 'mine' | 'train' | 'detect' | 'report';

export interface StudyProgress {
  phase: StudyPhase;
  /** 1-based fold, when the step belongs to one; folds.length + 1 is the train-on-all fold of a test project. */
  fold?: number;
  method?: string;
  /** Steps of this phase done and in all (images, or classifier rounds while training). */
  done: number;
  total: number;
  /** Whole study, 0..1. */
  overall: number;
  /** Seconds left, estimated from the rate so far; null until there is a rate. */
  etaSeconds: number | null;
  detail?: string;
}

export type ProgressListener = (p: StudyProgress) => void;

/** Cost units per step: relative costs measured on HC18 (whole-image CNN maps dominate per image). */
export const PHASE_COST: Record<Exclude<StudyPhase, 'load' | 'report'>, number> = {
  /** Per training image and epoch of one fine-tuned network (about 6 patches at 20 patches/s). */
  finetune: 1,
  sample: 1,
  'train-first': 0.1,
  mine: 3,
  train: 0.15,
  detect: 4,
};

export class ProgressTracker {
  private doneUnits = 0;
  /** Units done without work in this session (a resumed study's stored networks): left out of the rate. */
  private skippedUnits = 0;
  private readonly started = Date.now();
  private lastEmit = 0;

  constructor(
    private readonly totalUnits: number,
    private readonly listener: ProgressListener | undefined,
    private readonly minIntervalMs = 200,
  ) {}

  /** Adds finished work and reports; `force` reports even right after a previous report (phase ends). */
  step(units: number, event: Omit<StudyProgress, 'overall' | 'etaSeconds'>, force = false): void {
    this.doneUnits += units;
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.lastEmit < this.minIntervalMs) return;
    this.lastEmit = now;
    const overall = this.totalUnits > 0 ? Math.min(1, this.doneUnits / this.totalUnits) : 1;
    const elapsed = (now - this.started) / 1000;
    const worked = this.totalUnits > 0 ? (this.doneUnits - this.skippedUnits) / this.totalUnits : 0;
    const etaSeconds = overall >= 1 ? 0 : worked > 0.01 ? (elapsed / worked) * (1 - overall) : null;
    this.listener({ ...event, overall, etaSeconds });
  }

  /** Counts work as done that this session did not do (reused from an interrupted study), so the ETA's rate is not flattered by it. */
  skip(units: number, event: Omit<StudyProgress, 'overall' | 'etaSeconds'>): void {
    this.skippedUnits += units;
    this.step(units, event, true);
  }
}
