import { join } from 'node:path';
import { writeCoco, writeCsv, writeVoc, writeYolo, writeYoloClasses } from '../io/index.js';
import type { AnnotatedImage, AnnotationFormat, AnnotationSet, BoxRecord } from '../io/types.js';
import { allAnnotations } from '../project/annotations.js';
import { listCategories } from '../project/categories.js';
import type { Project } from '../project/open.js';
import { translateStorageError } from '../project/storage-errors.js';
import { joinInside, writeFileAtomic } from '../util/atomic-write.js';

export interface ExportReport {
  format: AnnotationFormat;
  out: string;
  images: number;
  boxes: number;
  filesWritten: number;
}

/** The whole project as the neutral record (every image, including those without boxes). */
export function projectAnnotationSet(project: Project): AnnotationSet {
  const rows = project.db
    .prepare('SELECT original_name, width, height, subject, split FROM images ORDER BY id')
    .all() as Array<{ original_name: string; width: number; height: number; subject: string | null; split: AnnotatedImage['split'] | null }>;
  const images: AnnotatedImage[] = rows.map((r) => ({
    fileName: r.original_name,
    width: r.width,
    height: r.height,
    ...(r.subject !== null ? { subject: r.subject } : {}),
    ...(r.split !== null ? { split: r.split } : {}),
  }));
  const boxes: BoxRecord[] = allAnnotations(project).map((a) => ({ fileName: a.imageName, category: a.category, x: a.x, y: a.y, w: a.w, h: a.h }));
  return { images, categories: listCategories(project).map((c) => c.name), boxes };
}

/**
 * Writes the project's annotations. COCO and CSV write one file at `out`; VOC and YOLO write a folder
 * with one file per image, named after the image (`#` of a frame number becomes `_frame`), so the same
 * images plus this folder import back to the same boxes.
 */
export function exportAnnotations(project: Project, format: AnnotationFormat, out: string): ExportReport {
  const set = projectAnnotationSet(project);
  const report: ExportReport = { format, out, images: set.images.length, boxes: set.boxes.length, filesWritten: 0 };
  const write = (path: string, text: string): void => {
    try {
      writeFileAtomic(path, text);
    } catch (e) {
      throw translateStorageError(e, path);
    }
    report.filesWritten++;
  };
  if (format === 'coco') write(out, writeCoco(set));
  else if (format === 'csv') write(out, writeCsv(set));
  else {
    const byImage = new Map<string, BoxRecord[]>();
    for (const b of set.boxes) byImage.set(b.fileName, [...(byImage.get(b.fileName) ?? []), b]);
    if (format === 'yolo') write(join(out, 'classes.txt'), writeYoloClasses(set.categories));
    for (const img of set.images) {
      const stem = img.fileName.replace(/#(\d+)$/, '_frame$1').replace(/\.[^./]+$/, '');
      const boxes = byImage.get(img.fileName) ?? [];
      if (format === 'voc') write(joinInside(out, `${stem}.xml`), writeVoc(img, boxes));
      else write(joinInside(out, `${stem}.txt`), writeYolo({ width: img.width!, height: img.height! }, boxes, set.categories));
    }
  }
  return report;
}
