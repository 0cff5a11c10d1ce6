import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../imaging/gray.js';
import { writeCoco } from '../io/index.js';
import type { AnnotationSet } from '../io/types.js';
import { generatePhantomSet } from './generate.js';

/**
 * Writes a phantom data set as files (PNG images + COCO boxes with subjects), so the demo goes through
 * the same import path as a user's data. Returns the COCO file's path.
 */
export async function writePhantomDataset(
  dir: string,
  opts: { seed: number; count: number; imagesPerSubject?: number; width?: number; height?: number },
  onProgress?: (done: number, total: number) => void,
): Promise<string> {
  const images = generatePhantomSet(opts);
  mkdirSync(join(dir, 'images'), { recursive: true });
  const set: AnnotationSet = { images: [], categories: ['kidney'], boxes: [] };
  for (let i = 0; i < images.length; i++) {
    const img = images[i];
    const fileName = `images/${img.name}.png`;
    writeFileSync(join(dir, fileName), await encodePng({ width: img.width, height: img.height, data: img.pixels }));
    set.images.push({ fileName, width: img.width, height: img.height, subject: img.subject });
    for (const b of img.boxes) set.boxes.push({ fileName, category: b.category, x: b.x, y: b.y, w: b.w, h: b.h });
    onProgress?.(i + 1, images.length);
  }
  const coco = join(dir, 'annotations.coco.json');
  writeFileSync(coco, writeCoco(set));
  return coco;
}
