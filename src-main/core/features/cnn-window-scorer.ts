/**
 * CNN window features for the detector (the "NA" method: frozen ImageNet backbone).
 *
 * 'roi' (default): each window is assigned to a pyramid level whose resize factor brings the window to
 * about the network's input size (224 px, 7 x 7 cells); the whole image is run once per level used and
 * the window's feature is ROI-average-pooled from that level's map. Cost per image: a few network passes,
 * whatever the number of windows.
 * 'crop' (`--exact-windows`): each window is cropped, resized to 224 x 224 and run through the network
 * with global average pooling, as in the original study. Exact but one network pass per window, so only
 * for small runs.
 * A backbone whose feature layer is a vector rather than a map (CaffeNet's fc7) always runs 'crop': each
 * window is resized to the network's input (227 x 227) with the entry's preprocessing and the layer's
 * output is the feature; see cnnWindowMode.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadBackbone, type LocateOptions } from '../backbones/locate.js';
import { createFeatureExtractor, type FeatureExtractor } from '../backbones/onnx-features.js';
import { getBackbone, type BackboneEntry } from '../backbones/registry.js';
import { featureExportOptions, supportsRoiFeatures, windowPreprocessor, type WindowPreprocessor } from '../backbones/window-input.js';
import { ImageStateCache, type GrayImage, type WindowScorer } from '../detect/window-scorer.js';
import type { Box } from '../metrics/index.js';
import { useCpuBackend } from '../ml/cpu-backend.js';
import { exportLayersModel } from '../onnx/export-tfjs.js';
import { FeatureMapper, type FeatureMap } from './cnn-feature-map.js';
import { roiAveragePool } from './cnn-roi-pool.js';

export type CnnWindowMode = 'roi' | 'crop';

export interface CnnScorerOptions {
  mode?: CnnWindowMode;
  /** ONNX Runtime threads. Default 1. */
  threads?: number;
  /** Pyramid levels per octave of window size ('roi'). Default 2. */
  levelsPerOctave?: number;
  /** Windows per network batch ('crop'). Default 16. */
  batch?: number;
  /** Method name in reports. Default 'na'. */
  name?: string;
}

/** Pyramid level of a window: the level whose factor maps its geometric-mean side closest to `target` px. */
export function windowLevel(win: Box, target: number, levelsPerOctave: number): number {
  return Math.round(levelsPerOctave * Math.log2(Math.sqrt(win.w * win.h) / target));
}

export function levelFactor(level: number, levelsPerOctave: number): number {
  return 2 ** (-level / levelsPerOctave);
}

/** The mode a study really runs for `backboneId`: 'crop' whenever ROI pooling is impossible (fc7 features). */
export function cnnWindowMode(backboneId: string, requested: CnnWindowMode): CnnWindowMode {
  return requested === 'roi' && !supportsRoiFeatures(getBackbone(backboneId)) ? 'crop' : requested;
}

export class CnnWindowScorer implements WindowScorer {
  readonly name: string;
  readonly featureDim: number;
  private readonly preprocess: WindowPreprocessor;
  private readonly maps = new ImageStateCache<Map<number, Promise<FeatureMap>>>();

  private constructor(
    private readonly entry: BackboneEntry,
    private readonly mode: CnnWindowMode,
    private readonly levelsPerOctave: number,
    private readonly batch: number,
    private readonly mapper: FeatureMapper | null,
    private readonly extractor: FeatureExtractor | null,
    private readonly ownedModel: LayersModel | null,
    name: string,
  ) {
    this.featureDim = entry.featureDim;
    this.name = name;
    this.preprocess = windowPreprocessor(entry);
  }

  /** A scorer over `model` (e.g. a fine-tuned copy), or over the registered pretrained weights when omitted. */
  static async create(backboneId: string, opts: CnnScorerOptions & { model?: LayersModel; locate?: LocateOptions } = {}): Promise<CnnWindowScorer> {
    const entry = getBackbone(backboneId);
    await useCpuBackend('the window scorer');
    const owned = opts.model ? null : await loadBackbone(backboneId, opts.locate);
    const model = opts.model ?? owned!;
    const mode = cnnWindowMode(backboneId, opts.mode ?? 'roi');
    const threads = opts.threads ?? 1;
    let mapper: FeatureMapper | null = null;
    let extractor: FeatureExtractor | null = null;
    if (mode === 'roi') {
      mapper = new FeatureMapper(model, { featureLayer: entry.featureLayer, threads, preprocess: windowPreprocessor(entry) });
    } else {
      const bytes = exportLayersModel(model, featureExportOptions(entry));
      extractor = await createFeatureExtractor(bytes, { threads, providers: ['cpu'] });
    }
    return new CnnWindowScorer(entry, mode, opts.levelsPerOctave ?? 2, opts.batch ?? 16, mapper, extractor, owned, opts.name ?? 'na');
  }

  async features(image: GrayImage, windows: readonly Box[]): Promise<Float32Array> {
    if (this.mode !== 'roi') return this.cropped(image, windows);
    const out = new Float32Array(windows.length * this.featureDim);
    await this.pooled(image, windows, out, 0, this.featureDim);
    return out;
  }

  async featuresInto(image: GrayImage, windows: readonly Box[], out: Float32Array, offset: number, rowStride: number): Promise<void> {
    if (this.mode === 'roi') return this.pooled(image, windows, out, offset, rowStride);
    const x = await this.cropped(image, windows);
    for (let i = 0; i < windows.length; i++) out.set(x.subarray(i * this.featureDim, (i + 1) * this.featureDim), offset + i * rowStride);
  }

  private async pooled(image: GrayImage, windows: readonly Box[], out: Float32Array, offset: number, rowStride: number): Promise<void> {
    const [target] = this.entry.inputSize;
    const byLevel = new Map<number, number[]>();
    windows.forEach((w, i) => {
      const level = windowLevel(w, target, this.levelsPerOctave);
      const list = byLevel.get(level);
      if (list) list.push(i);
      else byLevel.set(level, [i]);
    });
    const levels = this.maps.get(image, () => new Map());
    for (const [level, indices] of byLevel) {
      let pending = levels.get(level);
      if (!pending) {
        pending = this.mapper!.map(image, levelFactor(level, this.levelsPerOctave));
        levels.set(level, pending);
      }
      const map = await pending;
      for (const i of indices) roiAveragePool(map, [windows[i]], out, offset + i * rowStride, rowStride);
    }
  }

  private async cropped(image: GrayImage, windows: readonly Box[]): Promise<Float32Array> {
    const [h, w] = this.entry.inputSize;
    const per = 3 * h * w;
    const out = new Float32Array(windows.length * this.featureDim);
    const buf = new Float32Array(this.batch * per);
    for (let start = 0; start < windows.length; start += this.batch) {
      const n = Math.min(this.batch, windows.length - start);
      for (let k = 0; k < n; k++) this.preprocess(image, windows[start + k], this.entry.inputSize, buf, k * per);
      const feats = await this.extractor!.run(n === this.batch ? buf : buf.subarray(0, n * per), n);
      out.set(feats, start * this.featureDim);
    }
    return out;
  }

  release(): void {
    this.maps.clear();
  }

  async close(): Promise<void> {
    this.maps.clear();
    await this.mapper?.close();
    await this.extractor?.close();
    this.ownedModel?.dispose();
  }
}
