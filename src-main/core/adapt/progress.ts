/** Progress of a fine-tuning run, as plain objects (they cross the worker boundary by structured clone). */

export type FinetunePhase = 'load' | 'sample' | 'mine' | 'train' | 'validate' | 'save';

export interface FinetuneProgress {
  phase: FinetunePhase;
  /** 1-based epoch and batch of the 'train' / 'validate' phases. */
  epoch?: number;
  epochs: number;
  batch?: number;
  batches?: number;
  /** Mean training loss of the epoch so far. */
  loss?: number;
  /** Training patches per second so far in this session. */
  imagesPerSecond?: number;
  /** Seconds left, from the measured batch times; null until a batch has been timed. */
  etaSeconds: number | null;
  detail?: string;
}

export type FinetuneListener = (p: FinetuneProgress) => void;
