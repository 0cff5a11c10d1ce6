/**
 * Where the tests find the shared real data (../shared beside the checkout, or $SONOTL_MODELS), and a
 * reader for its grayscale PNGs and COCO boxes. Not used by product code.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Box, GrayImage } from './preprocess.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function sharedModelsDir(): string {
  return process.env.SONOTL_MODELS ? path.resolve(process.env.SONOTL_MODELS) : path.resolve(repoRoot, '../shared/models');
}

export const hc18Dir = path.resolve(repoRoot, '../shared/data/hc18-dev');

export async function readGrayPng(file: string): Promise<GrayImage> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`${file}: expected 1 channel, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The first `count` annotated images of HC18-dev with their head boxes. */
export async function hc18Samples(count: number): Promise<Array<{ file: string; box: Box }>> {
  const coco = JSON.parse(await readFile(path.join(hc18Dir, 'annotations.coco.json'), 'utf8')) as {
    images: Array<{ id: number; file_name: string }>;
    annotations: Array<{ image_id: number; bbox: [number, number, number, number] }>;
  };
  return coco.annotations.slice(0, count).map((a) => {
    const image = coco.images.find((i) => i.id === a.image_id)!;
    const [x, y, w, h] = a.bbox;
    return { file: path.join(hc18Dir, image.file_name), box: { x, y, w, h } };
  });
}
