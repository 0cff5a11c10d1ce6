/**
 * Runs an exported backbone (see ../onnx/export-tfjs.ts) in ONNX Runtime to turn preprocessed image
 * batches into embeddings. Input is the exporter's NCHW float32 layout, as written by `preprocess`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SonoError, errorMessage } from '../errors.js';

export { preprocess, nchwToNhwc, type Box, type GrayImage } from './preprocess.js';

export interface FeatureExtractorOptions {
  /** Threads for one inference (intra-op); default: all cores available to the process. */
  threads?: number;
  /**
   * Execution providers to try, best first, 'cpu' always added last. Default: the platform's GPU
   * provider when this onnxruntime-node build has it (cuda on Linux, dml on Windows, coreml on macOS).
   */
  providers?: string[];
}

export interface FeatureExtractor {
  /** The execution provider the session was created with ('cpu' after a failed GPU attempt). */
  readonly provider: string;
  /** [channels, height, width] of one input image. */
  readonly inputShape: readonly [number, number, number];
  /** Length of one image's feature vector. */
  readonly featureDim: number;
  /** `batch` holds `n` images, NCHW; returns n * featureDim floats, image by image. */
  run(batch: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const GPU_PROVIDER: Partial<Record<NodeJS.Platform, string>> = { linux: 'cuda', win32: 'dml', darwin: 'coreml' };

/**
 * GPU providers worth trying here. The npm binary lists CUDA on Linux even though its provider library
 * is a separate install (`bundled: false`); trying it without the library costs a failed session and an
 * error line on stderr, so an unbundled provider is only tried when its library sits beside the binding.
 */
export function defaultProviders(): string[] {
  const gpu = GPU_PROVIDER[process.platform];
  if (!gpu) return [];
  const backend = ort.listSupportedBackends().find((b) => b.name === gpu);
  if (!backend) return [];
  if (backend.bundled) return [gpu];
  const lib = process.platform === 'win32' ? `onnxruntime_providers_${gpu}.dll` : `libonnxruntime_providers_${gpu}.so`;
  const bindingDir = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(path.join(bindingDir, lib)) ? [gpu] : [];
}

export async function createFeatureExtractor(onnxBytes: Uint8Array, opts: FeatureExtractorOptions = {}): Promise<FeatureExtractor> {
  const threads = opts.threads ?? os.availableParallelism();
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    // One graph, run node by node: inter-op parallelism would only compete for the same cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
  };
  const attempts = [...(opts.providers ?? defaultProviders()).filter((p) => p !== 'cpu'), 'cpu'];
  let session: ort.InferenceSession | undefined;
  let provider = 'cpu';
  const failures: string[] = [];
  for (const p of attempts) {
    try {
      // A GPU provider whose driver or runtime library is missing makes session creation throw; the
      // next candidate (finally the CPU) is tried instead.
      session = await ort.InferenceSession.create(onnxBytes, { ...base, executionProviders: p === 'cpu' ? ['cpu'] : [p, 'cpu'] });
      provider = p;
      break;
    } catch (e) {
      failures.push(`${p}: ${errorMessage(e)}`);
    }
  }
  if (!session) throw new SonoError('UNSUPPORTED', `cannot load the ONNX model in ONNX Runtime (${failures.join('; ')})`);
  const s = session;

  const inputMeta = s.inputMetadata[0];
  const outputMeta = s.outputMetadata[0];
  if (!inputMeta?.isTensor || !outputMeta?.isTensor) throw new SonoError('BAD_INPUT', 'the ONNX model has no tensor input/output');
  const [, c, h, w] = inputMeta.shape;
  const [, featureDim] = outputMeta.shape;
  if (inputMeta.shape.length !== 4 || typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new SonoError('BAD_INPUT', `the ONNX model input ${inputMeta.name} is [${inputMeta.shape.join(',')}]; expected [N, C, H, W] with fixed C, H, W`);
  }
  if (outputMeta.shape.length !== 2 || typeof featureDim !== 'number') {
    throw new SonoError('BAD_INPUT', `the ONNX model output ${outputMeta.name} is [${outputMeta.shape.join(',')}]; expected pooled features [N, D]`);
  }
  const perImage = c * h * w;
  let closed = false;

  return {
    provider,
    inputShape: [c, h, w],
    featureDim,
    async run(batch: Float32Array, n: number): Promise<Float32Array> {
      if (closed) throw new SonoError('BAD_INPUT', 'feature extractor is closed');
      if (!Number.isInteger(n) || n < 1 || batch.length !== n * perImage) {
        throw new SonoError('BAD_INPUT', `batch of ${batch.length} floats is not ${n} images of ${c}x${h}x${w}`);
      }
      const input = new ort.Tensor('float32', batch, [n, c, h, w]);
      const out = (await s.run({ [inputMeta.name]: input }))[outputMeta.name];
      // CPU output tensors own a fresh JS array, so it can be handed out without a copy.
      return out.data as Float32Array;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await s.release();
    },
  };
}
