/**
 * What every window-feature consumer (the study's CNN scorer, `sonotl features`, `export-model`) needs
 * to know about a backbone beyond its weights: how a window becomes network input (the entry's
 * preprocessing) and how the feature layer becomes one vector (the entry's pooling).
 */
import type { ExportOptions } from '../onnx/export-tfjs.js';
import { preprocessCaffe } from './caffenet-preprocess.js';
import { preprocess, type Box, type GrayImage } from './preprocess.js';
import type { BackboneEntry } from './registry.js';

export type WindowPreprocessor = (gray: GrayImage, box: Box, size: number | readonly [number, number], out?: Float32Array, offset?: number) => Float32Array;

/** The entry's input transform, writing planar NCHW (the layout of SonoTL's ONNX exports). */
export function windowPreprocessor(entry: BackboneEntry): WindowPreprocessor {
  switch (entry.preprocessing) {
    case 'tf':
      return preprocess;
    case 'caffe':
      return preprocessCaffe;
  }
}

/**
 * Exporter options giving the entry's embedding: the feature map globally average-pooled ('avg'), or
 * the feature layer's output as it is ('none', e.g. CaffeNet's 4096-d fc7 vector).
 */
export function featureExportOptions(entry: BackboneEntry): ExportOptions {
  return { outputLayer: entry.featureLayer, pooling: entry.featurePooling };
}

/**
 * Whether window features can be ROI-pooled from one whole-image feature map: only when the feature
 * layer is a convolutional map that is average-pooled. A vector feature layer (fc7) sees a fixed-size
 * input, so each window has to be cropped and run through the network by itself.
 */
export function supportsRoiFeatures(entry: BackboneEntry): boolean {
  return entry.featurePooling === 'avg';
}
