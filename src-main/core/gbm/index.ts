export { GbmClassifier, type FitOptions, type GbmTuning } from './booster.js';
export type { Dataset } from './dataset.js';
export type { GbmModelJson, GbmTreeJson } from './model-json.js';
export type { GbmParams } from './params.js';
