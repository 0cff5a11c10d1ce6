/**
 * The smallest study settings the study tests run with (a few seconds per fold on a phantom project):
 * shared so that a change to what "tiny" needs is made once.
 */
export const TINY_STUDY = {
  gbm: { maxIter: 10, maxLeafNodes: 4 },
  hardNegativeMaxIter: 5,
  windows: { scales: 2, aspects: 1, stride: 0.34 },
  samples: { positivesPerImage: 3, hardNegativesPerImage: 2 },
  detect: { refine: false },
} as const;

/** One short epoch of fine-tuning on 64-pixel crops, no validation split. */
export const TINY_FINETUNE = { epochs: 1, cropSize: 64, batchSize: 8, positivesPerImage: 2, negativeRatio: 1, validationFraction: 0 } as const;
