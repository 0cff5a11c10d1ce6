import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HC18 } from './paths.js';

/** The first `count` HC18 images with the matching subset of its COCO file, in a folder to import from. */
export function makeHc18Slice(dir: string, count: number): { folder: string; coco: string; names: string[] } {
  const folder = join(dir, `hc18-slice-${count}`);
  mkdirSync(join(folder, 'images'), { recursive: true });
  const full = JSON.parse(readFileSync(join(HC18, 'annotations.coco.json'), 'utf8')) as {
    images: Array<{ id: number; file_name: string }>;
    annotations: Array<{ image_id: number }>;
    categories: unknown[];
  };
  const images = full.images.slice(0, count);
  for (const img of images) copyFileSync(join(HC18, img.file_name), join(folder, img.file_name));
  const ids = new Set(images.map((i) => i.id));
  const coco = join(folder, 'annotations.coco.json');
  writeFileSync(coco, JSON.stringify({ images, annotations: full.annotations.filter((a) => ids.has(a.image_id)), categories: full.categories }));
  return { folder, coco, names: images.map((i) => i.file_name.replace(/^images\//, '')) };
}
