/**
 * One CNN feature vector per annotated box of a project (the "features" export researchers take to
 * Python): each box is cropped, resized to the backbone's input with its preprocessing, and run through
 * the pretrained backbone or a run's fine-tuned one in ONNX Runtime, globally average-pooled at the
 * feature layer (or, for a vector feature layer such as CaffeNet's fc7, taken as it is).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadBackbone, type LocateOptions } from '../backbones/locate.js';
import { createFeatureExtractor } from '../backbones/onnx-features.js';
import type { GrayImage } from '../backbones/preprocess.js';
import { getBackbone, type BackboneEntry } from '../backbones/registry.js';
import { featureExportOptions, windowPreprocessor } from '../backbones/window-input.js';
import { SonoError } from '../errors.js';
import { readGray } from '../imaging/gray.js';
import { allAnnotations, getImage, getRun, loadRunModel, type Project } from '../project/index.js';
import { exportLayersModel } from '../onnx/export-tfjs.js';
import { ensureModelBackend } from './artifacts.js';

export interface BoxFeatureRow {
  row: number;
  annotationId: number;
  imageId: number;
  image: string;
  subject: string | null;
  split: string | null;
  category: string;
  /** [x, y, w, h] in image pixels. */
  box: [number, number, number, number];
}

export interface BoxFeatures {
  backbone: string;
  /** Run whose fine-tuned network gave the features; null for the pretrained backbone. */
  run: string | null;
  level: string | null;
  featureLayer: string;
  dim: number;
  data: Float32Array;
  rows: BoxFeatureRow[];
}

export interface BoxFeatureOptions {
  backbone?: string;
  runId?: string;
  category?: string;
  threads?: number;
  locate?: LocateOptions;
  onProgress?: (done: number, total: number) => void;
}

/** The network a features or export request names: a run's fine-tuned 'final', or the pretrained backbone. */
export async function networkFor(project: Project, opts: { backbone?: string; runId?: string; locate?: LocateOptions }): Promise<{ entry: BackboneEntry; model: tfl.LayersModel; run: string | null; level: string | null }> {
  await ensureModelBackend();
  if (opts.runId) {
    const run = getRun(project, opts.runId);
    if (!run.backbone) throw new SonoError('BAD_INPUT', `run ${run.id} (${run.method}) has no CNN backbone`, run.id);
    if (opts.backbone && opts.backbone !== run.backbone) throw new SonoError('BAD_INPUT', `run ${run.id} fine-tuned ${run.backbone}, not ${opts.backbone}`, run.id);
    return { entry: getBackbone(run.backbone), model: await loadRunModel(project, run.id, 'final'), run: run.id, level: run.level };
  }
  const entry = getBackbone(opts.backbone ?? 'mobilenet_v2_0.35_224');
  return { entry, model: await loadBackbone(entry.id, opts.locate), run: null, level: null };
}

export async function boxFeatures(project: Project, opts: BoxFeatureOptions = {}): Promise<BoxFeatures> {
  const boxes = allAnnotations(project).filter((b) => !opts.category || b.category === opts.category);
  if (boxes.length === 0) {
    throw new SonoError('BAD_INPUT', opts.category ? `project ${project.dir} has no boxes of category "${opts.category}"` : `project ${project.dir} has no boxes`);
  }
  const net = await networkFor(project, { backbone: opts.backbone, runId: opts.runId, locate: opts.locate });
  const { entry } = net;
  const preprocess = windowPreprocessor(entry);
  let bytes: Uint8Array;
  try {
    bytes = exportLayersModel(net.model, featureExportOptions(entry));
  } finally {
    net.model.dispose();
  }
  const extractor = await createFeatureExtractor(bytes, { threads: opts.threads ?? 1, providers: ['cpu'] });
  const [h, w] = entry.inputSize;
  const per = 3 * h * w;
  const batch = 16;
  const data = new Float32Array(boxes.length * entry.featureDim);
  const rows: BoxFeatureRow[] = [];
  try {
    let gray: GrayImage | null = null;
    let grayOf = -1;
    const buf = new Float32Array(batch * per);
    for (let start = 0; start < boxes.length; start += batch) {
      const chunk = boxes.slice(start, start + batch);
      for (const [k, b] of chunk.entries()) {
        const image = getImage(project, b.imageId);
        // Boxes come ordered by image, so each image is decoded once.
        if (grayOf !== b.imageId) {
          const file = join(project.dir, image.relPath);
          let raw: Buffer;
          try {
            raw = await readFile(file);
          } catch {
            throw new SonoError('NOT_FOUND', `stored file of image ${image.originalName} is missing (${file})`, file);
          }
          gray = await readGray(raw, image.originalName);
          grayOf = b.imageId;
        }
        preprocess(gray!, b, entry.inputSize, buf, k * per);
        rows.push({ row: start + k, annotationId: b.id, imageId: b.imageId, image: image.originalName, subject: image.subject, split: image.split, category: b.category, box: [b.x, b.y, b.w, b.h] });
      }
      const n = chunk.length;
      data.set(await extractor.run(n === batch ? buf : buf.subarray(0, n * per), n), start * entry.featureDim);
      opts.onProgress?.(start + n, boxes.length);
    }
  } finally {
    await extractor.close();
  }
  return { backbone: entry.id, run: net.run, level: net.level, featureLayer: entry.featureLayer, dim: entry.featureDim, data, rows };
}
