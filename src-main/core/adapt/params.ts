/**
 * Settings of a fine-tuning run: what is sampled, how it is augmented, and how it is optimised. Defaults
 * are chosen to be affordable on a laptop CPU: MobileNetV2 is fully convolutional, so it trains on
 * 96 x 96 crops (about 20 patches/s on 2 cores with WASM) instead of the 224 x 224 it was pretrained at,
 * and the saved network is used at any input size afterwards.
 */
import { z } from 'zod';
import { SonoError } from '../errors.js';

/** Crop sides must be multiples of the backbone's total stride (FEATURE_STRIDE in cnn-sized-export.ts). */
const FEATURE_STRIDE = 32;

export interface AugmentParams {
  /** Probability of a left-right mirror (probe orientation differs between machines). Default 0.5. */
  flipHorizontal: number;
  /** Probability of an up-down mirror; off by default, since depth runs downwards in B-mode. */
  flipVertical: number;
  /** Largest shift of the crop box, as a fraction of its width / height. Default 0.05. */
  shift: number;
  /** Largest relative change of the overall gain (brightness as a factor). Default 0.2. */
  gain: number;
  /** Largest relative change of the contrast about the crop's mean. Default 0.2. */
  contrast: number;
}

export interface FinetuneParams {
  /** Square training crop side in pixels, a multiple of 32. Default 96. */
  cropSize: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  /** Momentum of SGD. Default 0.9. */
  momentum: number;
  /** Per-epoch learning-rate schedule over the planned epochs. */
  schedule: 'constant' | 'cosine' | 'step';
  /** 'step': the rate is multiplied by 0.1 every this many epochs. */
  stepEpochs: number;
  /** Epochs without a lower validation loss before stopping (0: never stop early). */
  patience: number;
  /** Fraction of subjects (images when there are no subjects) held out to validate. */
  validationFraction: number;
  /** A window is a positive patch at Dice >= positiveDice with a truth, negative below negativeDice. */
  positiveDice: number;
  negativeDice: number;
  positivesPerImage: number;
  /** Negatives per positive. */
  negativeRatio: number;
  /**
   * Hard negatives added per training image after the first epoch: the negatives the network then scores
   * highest, out of `hardNegativePool` random candidate windows below negativeDice (0 turns mining off).
   */
  hardNegativesPerImage: number;
  hardNegativePool: number;
  augment: AugmentParams;
  seed: number;
}

export const DEFAULT_AUGMENT: AugmentParams = { flipHorizontal: 0.5, flipVertical: 0, shift: 0.05, gain: 0.2, contrast: 0.2 };

export const DEFAULT_FINETUNE: FinetuneParams = {
  cropSize: 96,
  epochs: 3,
  batchSize: 16,
  optimizer: 'adam',
  learningRate: 1e-4,
  momentum: 0.9,
  schedule: 'cosine',
  stepEpochs: 2,
  patience: 2,
  validationFraction: 0.2,
  positiveDice: 0.8,
  negativeDice: 0.5,
  positivesPerImage: 4,
  negativeRatio: 2,
  hardNegativesPerImage: 2,
  hardNegativePool: 32,
  augment: DEFAULT_AUGMENT,
  seed: 1,
};

const prob = z.number().min(0).max(1);
/** Partial settings as accepted from study.json and the API (unknown fields are refused). */
export const finetuneParamsSchema = z
  .object({
    cropSize: z.number().int().min(FEATURE_STRIDE).max(512).refine((v) => v % FEATURE_STRIDE === 0, `must be a multiple of ${FEATURE_STRIDE}`),
    epochs: z.number().int().min(1).max(1000),
    batchSize: z.number().int().min(1).max(512),
    optimizer: z.enum(['adam', 'sgd']),
    learningRate: z.number().gt(0).max(1e6),
    momentum: z.number().min(0).lt(1),
    schedule: z.enum(['constant', 'cosine', 'step']),
    stepEpochs: z.number().int().min(1).max(1000),
    patience: z.number().int().min(0).max(1000),
    validationFraction: z.number().min(0).lt(1),
    positiveDice: z.number().gt(0).max(1),
    negativeDice: z.number().gt(0).max(1),
    positivesPerImage: z.number().int().min(1).max(1000),
    negativeRatio: z.number().gt(0).max(100),
    hardNegativesPerImage: z.number().int().min(0).max(100),
    hardNegativePool: z.number().int().min(1).max(1000),
    augment: z.object({ flipHorizontal: prob, flipVertical: prob, shift: z.number().min(0).max(0.5), gain: z.number().min(0).lt(1), contrast: z.number().min(0).lt(1) }).partial().strict(),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
  })
  .partial()
  .strict();

export type FinetuneParamsInput = z.input<typeof finetuneParamsSchema>;

/** Full parameters from partial input over the defaults; a bad or unknown field is a one-line error. */
export function resolveFinetuneParams(input: unknown, base: FinetuneParams = DEFAULT_FINETUNE): FinetuneParams {
  const parsed = finetuneParamsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SonoError('BAD_INPUT', `fine-tuning settings: ${issue.path.length ? issue.path.join('.') : 'settings'}: ${issue.message}`);
  }
  const p = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Partial<FinetuneParams>;
  const out: FinetuneParams = { ...base, ...p, augment: { ...base.augment, ...parsed.data.augment } };
  if (out.negativeDice > out.positiveDice) {
    throw new SonoError('BAD_INPUT', `fine-tuning settings: negativeDice ${out.negativeDice} must not exceed positiveDice ${out.positiveDice}`);
  }
  return out;
}

/** Learning rate of a 0-based epoch. */
export function learningRateAt(p: FinetuneParams, epoch: number): number {
  switch (p.schedule) {
    case 'constant':
      return p.learningRate;
    case 'cosine':
      return p.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / p.epochs));
    case 'step':
      return p.learningRate * 0.1 ** Math.floor(epoch / p.stepEpochs);
  }
}
