export { dice, iou, isLocalizationFailure, FAILURE_DICE, type Box } from './box.js';
export { wilson, bootstrapMeanCI, type BootstrapOptions } from './intervals.js';
export { mcnemar, MCNEMAR_EXACT_BELOW, type McNemarResult } from './mcnemar.js';
export { subjectKFold, subjectSplit, type Split, type SplitFractions } from './folds.js';
export { erfc, normalCdf, normalQuantile, chiSquare1Survival } from './special.js';
export { createRng, randomIndex, shuffleInPlace } from './prng.js';
