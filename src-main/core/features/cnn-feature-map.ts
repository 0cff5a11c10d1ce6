/**
 * Fully convolutional CNN features: the whole image, resized by a scale factor to a multiple of 32,
 * goes through the backbone once, giving a map of C-dimensional cells (7 x 7 for a 224 input). Window
 * features are then pooled from the map (cnn-roi-pool.ts) instead of running the network per window.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { preprocess } from '../backbones/preprocess.js';
import type { WindowPreprocessor } from '../backbones/window-input.js';
import { SonoError } from '../errors.js';
import type { GrayImage } from './integral.js';
import { exportAtInputSize, FEATURE_STRIDE } from './cnn-sized-export.js';

export interface FeatureMap {
  /** rows x cols x channels, channel fastest (NHWC without the batch). */
  data: Float32Array;
  rows: number;
  cols: number;
  channels: number;
  /** Network-input pixels per image pixel along x and y (the resize factor actually used). */
  scaleX: number;
  scaleY: number;
}

export interface FeatureMapperOptions {
  featureLayer: string;
  /** The backbone's input transform (window-input.ts); default the 'tf' scaling. */
  preprocess?: WindowPreprocessor;
  /** ONNX Runtime intra-op threads. Default 1. */
  threads?: number;
  /** Largest network input accepted, in pixels (height x width); larger requests are scaled down. Default 2048 x 2048. */
  maxInputPixels?: number;
  /** Sessions kept for reuse (one per input size). Default 8. */
  maxSessions?: number;
}

/** Resized input size for an image and scale factor: each side a multiple of 32, at least 32. */
export function inputSizeFor(width: number, height: number, factor: number, maxInputPixels = 2048 * 2048): { w: number; h: number } {
  let f = factor;
  if (width * height * f * f > maxInputPixels) f = Math.sqrt(maxInputPixels / (width * height));
  const side = (v: number) => Math.max(FEATURE_STRIDE, Math.round((v * f) / FEATURE_STRIDE) * FEATURE_STRIDE);
  return { w: side(width), h: side(height) };
}

export class FeatureMapper {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly threads: number;
  private readonly maxInputPixels: number;
  private readonly maxSessions: number;
  private closed = false;

  constructor(
    private readonly model: LayersModel,
    private readonly opts: FeatureMapperOptions,
  ) {
    this.threads = opts.threads ?? 1;
    this.maxInputPixels = opts.maxInputPixels ?? 2048 * 2048;
    this.maxSessions = opts.maxSessions ?? 8;
  }

  /** Feature map of `image` resized by about `factor` (exactly: to the nearest multiples of 32). */
  async map(image: GrayImage, factor: number): Promise<FeatureMap> {
    if (this.closed) throw new SonoError('BAD_INPUT', 'feature mapper is closed');
    if (!(factor > 0 && Number.isFinite(factor))) throw new SonoError('BAD_INPUT', `scale factor must be positive, got ${factor}`);
    const { w, h } = inputSizeFor(image.width, image.height, factor, this.maxInputPixels);
    const session = await this.session(h, w);
    const input = (this.opts.preprocess ?? preprocess)(image, { x: 0, y: 0, w: image.width, h: image.height }, [h, w]);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, h, w]) };
    const out = (await session.run(feeds))[session.outputNames[0]];
    const [, rows, cols, channels] = out.dims as number[];
    return { data: out.data as Float32Array, rows, cols, channels, scaleX: w / image.width, scaleY: h / image.height };
  }

  private session(h: number, w: number): Promise<ort.InferenceSession> {
    const key = `${h}x${w}`;
    let s = this.sessions.get(key);
    if (s) {
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.sessions.delete(key);
      this.sessions.set(key, s);
      return s;
    }
    s = exportAtInputSize(this.model, this.opts.featureLayer, h, w).then((bytes) =>
      ort.InferenceSession.create(bytes, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
        // ONNX Runtime's intra-op threads spin-wait for work by default. Between the passes of one
        // detection this thread pools the maps, and the spinning threads take the cores it needs; with
        // other processes on the cores, a spinning thread also waits for a descheduled peer. Blocking
        // instead made whole-image NA detection 1.6x faster on the 2-core machine (docs/performance.md 5).
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      }),
    );
    this.sessions.set(key, s);
    s.catch(() => this.sessions.delete(key));
    while (this.sessions.size > this.maxSessions) {
      const [oldest, evicted] = this.sessions.entries().next().value as [string, Promise<ort.InferenceSession>];
      this.sessions.delete(oldest);
      void evicted.then((e) => e.release()).catch(() => undefined);
    }
    return s;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}
