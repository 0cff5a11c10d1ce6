/**
 * The mechanism analysis of one image for a pair of networks (pretrained, adapted): CNN response maps of
 * the first two convolution stages, their similarity to phase congruency and Frangi vesselness of the same
 * image, speckle in homogeneous regions, and how much each filter's weights moved.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { preprocessCaffe } from '../backbones/caffenet-preprocess.js';
import { preprocess, nchwToNhwc, type GrayImage } from '../backbones/preprocess.js';
import type { BackboneEntry } from '../backbones/registry.js';
import { SonoError } from '../errors.js';
import { useCpuBackend } from '../ml/cpu-backend.js';
import { computeResponses, responseLayers, type ResponseLayer } from './cnn-responses.js';
import { DEFAULT_CHANGE_THRESHOLD, filterChange, type FilterChangeReport } from './filter-change.js';
import type { FloatImage } from './float-image.js';
import { frangi } from './frangi.js';
import { modelKernels } from './model-layers.js';
import { phaseCongruency } from './phase-congruency.js';
import { resizeArea } from './resample.js';
import { pearson, ssim } from './similarity.js';
import { homogeneousRegions, speckleStats, type Region, type SpeckleStats } from './speckle.js';

export type NetworkState = 'pretrained' | 'adapted';
export const NETWORK_STATES: readonly NetworkState[] = ['pretrained', 'adapted'];
export type ClassicalName = 'phase-congruency' | 'frangi';
export const CLASSICAL_NAMES: readonly ClassicalName[] = ['phase-congruency', 'frangi'];

export interface MapMeasures {
  pearson: Record<ClassicalName, number>;
  ssim: Record<ClassicalName, number>;
  speckle: SpeckleStats;
}

export interface FilterResponse {
  filter: number;
  maps: Record<NetworkState, Float32Array>;
  measures: Record<NetworkState, MapMeasures>;
}

export interface LayerResponses {
  layer: ResponseLayer;
  width: number;
  height: number;
  /** Speckle of the network input area-resized to this layer's map size, in the same regions. */
  inputSpeckle: SpeckleStats;
  filters: FilterResponse[];
}

export interface Ranked {
  classical: ClassicalName;
  state: NetworkState;
  /** Highest Pearson correlation first. */
  top: Array<{ conv: string; filter: number; pearson: number; ssim: number }>;
}

export interface MechanismOptions {
  /** Layer groups analysed from the registry's list, input first. Default 2 (conv1-2 / stem + block 0). */
  groups?: number;
  threshold?: number;
  /** Ridges Frangi responds to. Default 'bright': tissue boundaries and bone are bright in B-mode. */
  ridges?: 'bright' | 'dark';
  /** Filters listed per classical filter and network state. Default 5. */
  topK?: number;
}

export interface MechanismResult {
  backbone: string;
  /** [height, width] the image was resized to (the network input). */
  inputSize: readonly [number, number];
  /** The network input as gray in [0, 1], and the classical filters computed on it. */
  classical: { input: FloatImage; 'phase-congruency': FloatImage; frangi: FloatImage };
  regions: Region[];
  inputSpeckle: SpeckleStats;
  layers: LayerResponses[];
  mostSimilar: Ranked[];
  filterChange: FilterChangeReport;
  ridges: 'bright' | 'dark';
}


/** The whole image resized to the network input: what the study's CNN sees of it, and the pixels every measure here uses. */
export function networkInput(gray: GrayImage, entry: BackboneEntry): { nhwc: Float32Array; gray01: FloatImage } {
  const [h, w] = entry.inputSize;
  const whole = { x: 0, y: 0, w: gray.width, h: gray.height };
  const scaled = preprocess(gray, whole, entry.inputSize);
  const plane = new Float32Array(h * w);
  for (let i = 0; i < plane.length; i++) plane[i] = (scaled[i] + 1) / 2;
  let nchw: Float32Array;
  switch (entry.preprocessing) {
    case 'tf':
      nchw = scaled;
      break;
    case 'caffe':
      nchw = preprocessCaffe(gray, whole, entry.inputSize);
      break;
  }
  return { nhwc: nchwToNhwc(nchw, 1, 3, h, w), gray01: { width: w, height: h, data: plane } };
}

function measureMap(map: FloatImage, classical: Record<ClassicalName, FloatImage>, regions: Region[]): MapMeasures {
  const p = {} as Record<ClassicalName, number>;
  const s = {} as Record<ClassicalName, number>;
  for (const name of CLASSICAL_NAMES) {
    p[name] = pearson(map.data, classical[name].data);
    s[name] = ssim(map.data, classical[name].data, map.width, map.height);
  }
  return { pearson: p, ssim: s, speckle: speckleStats(map, regions) };
}

export async function analyzeNetworks(
  input: { pretrained: tfl.LayersModel; adapted: tfl.LayersModel | null; entry: BackboneEntry; gray: GrayImage },
  opts: MechanismOptions = {},
): Promise<MechanismResult> {
  const { pretrained, entry, gray } = input;
  const adapted = input.adapted ?? pretrained;
  const groupCount = opts.groups ?? 2;
  const ridges = opts.ridges ?? 'bright';
  const topK = opts.topK ?? 5;
  if (!Number.isInteger(groupCount) || groupCount < 1 || groupCount > entry.layerGroups.length) {
    throw new SonoError('BAD_INPUT', `backbone ${entry.id} has ${entry.layerGroups.length} layer groups; cannot analyse ${groupCount}`);
  }
  // One image through the first layers is light work for the pure-JS backend.
  await useCpuBackend('the analysis');

  const groups = entry.layerGroups.slice(0, groupCount);
  const layers = responseLayers(pretrained, groups, `pretrained ${entry.id}`);
  const { nhwc, gray01 } = networkInput(gray, entry);
  const before = computeResponses(pretrained, layers, nhwc, entry.inputSize, `pretrained ${entry.id}`);
  const after = input.adapted ? computeResponses(adapted, layers, nhwc, entry.inputSize, 'the adapted network') : before;

  const pc = phaseCongruency(gray01).magnitude;
  const fr = frangi(gray01, { blackRidges: ridges === 'dark', gamma: null });
  const classical = { input: gray01, 'phase-congruency': { ...gray01, data: pc }, frangi: { ...gray01, data: fr } };
  const regions = homogeneousRegions(gray01);

  const out: LayerResponses[] = [];
  for (let k = 0; k < layers.length; k++) {
    const { width, height, channels } = before[k];
    if (after[k].width !== width || after[k].height !== height || after[k].channels !== channels) {
      throw new SonoError('BAD_INPUT', `layer ${layers[k].output}: ${channels} maps of ${width}x${height} before adaptation but ${after[k].channels} of ${after[k].width}x${after[k].height} after`);
    }
    const atSize = {
      'phase-congruency': resizeArea(classical['phase-congruency'], width, height),
      frangi: resizeArea(classical.frangi, width, height),
    };
    const filters: FilterResponse[] = [];
    for (let c = 0; c < channels; c++) {
      const slice = (r: typeof before[number]) => r.data.subarray(c * width * height, (c + 1) * width * height);
      const maps = { pretrained: slice(before[k]), adapted: slice(after[k]) };
      filters.push({
        filter: c,
        maps,
        measures: {
          pretrained: measureMap({ width, height, data: maps.pretrained }, atSize, regions),
          adapted: measureMap({ width, height, data: maps.adapted }, atSize, regions),
        },
      });
    }
    out.push({ layer: layers[k], width, height, inputSpeckle: speckleStats(resizeArea(gray01, width, height), regions), filters });
  }

  const mostSimilar: Ranked[] = [];
  for (const classicalName of CLASSICAL_NAMES) {
    for (const state of NETWORK_STATES) {
      const all = out.flatMap((l) =>
        l.filters.map((f) => ({ conv: l.layer.conv, filter: f.filter, pearson: f.measures[state].pearson[classicalName], ssim: f.measures[state].ssim[classicalName] })),
      );
      all.sort((a, b) => b.pearson - a.pearson);
      mostSimilar.push({ classical: classicalName, state, top: all.slice(0, topK) });
    }
  }

  return {
    backbone: entry.id,
    inputSize: entry.inputSize,
    classical,
    regions,
    inputSpeckle: speckleStats(gray01, regions),
    layers: out,
    mostSimilar,
    filterChange: filterChange(modelKernels(pretrained), modelKernels(adapted), opts.threshold ?? DEFAULT_CHANGE_THRESHOLD),
    ridges,
  };
}
