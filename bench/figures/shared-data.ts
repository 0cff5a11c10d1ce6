import { resolve } from 'node:path';
import type { LocateOptions } from '../../src-main/core/backbones/locate.js';
import { packageRoot } from '../../src-main/core/util/package-root.js';

/** ../shared beside the checkout (README "Data and licences"); SONOTL_MODELS overrides the models folder. */
export function sharedDir(): string {
  return resolve(packageRoot(), '..', 'shared');
}

export function modelLocate(): LocateOptions {
  return { env: { ...process.env, SONOTL_MODELS: process.env.SONOTL_MODELS || resolve(sharedDir(), 'models') } };
}

/** The annotated HC18-dev images with their head boxes, in file order (test-fixtures.ts resolves paths from src/, not dist/). */
export async function hc18Boxes(): Promise<Array<{ file: string; box: { x: number; y: number; w: number; h: number } }>> {
  const { readFile } = await import('node:fs/promises');
  const dir = resolve(sharedDir(), 'data', 'hc18-dev');
  const coco = JSON.parse(await readFile(resolve(dir, 'annotations.coco.json'), 'utf8')) as {
    images: Array<{ id: number; file_name: string }>;
    annotations: Array<{ image_id: number; bbox: [number, number, number, number] }>;
  };
  const byId = new Map(coco.images.map((i) => [i.id, i.file_name]));
  return coco.annotations.map((a) => {
    const [x, y, w, h] = a.bbox;
    return { file: resolve(dir, byId.get(a.image_id)!), box: { x, y, w, h } };
  });
}
