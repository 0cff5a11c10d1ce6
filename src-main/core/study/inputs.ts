/**
 * What a study reads from a project: every image with at least one box of the organ's category, its
 * subject and split, and the absolute path of its stored file. Plain data, so it can be posted to the
 * worker thread, which then needs no database connection (the project stays open in the caller).
 */
import { join } from 'node:path';
import { SonoError } from '../errors.js';
import type { Box } from '../metrics/index.js';
import { allAnnotations, listImages, type Project, type Split } from '../project/index.js';

export interface StudyImage {
  id: number;
  name: string;
  file: string;
  width: number;
  height: number;
  subject: string | null;
  split: Split | null;
  /** Boxes of the organ's category. */
  truths: Box[];
}

export interface StudyInputs {
  projectDir: string;
  category: string;
  categoryId: number;
  images: StudyImage[];
  /** Images without a box of the category: not part of the study. */
  skipped: number;
}

export function loadStudyInputs(project: Project, category: string | null): StudyInputs {
  const boxes = allAnnotations(project);
  const counts = new Map<string, { id: number; n: number }>();
  for (const b of boxes) {
    const c = counts.get(b.category) ?? { id: b.categoryId, n: 0 };
    c.n++;
    counts.set(b.category, c);
  }
  if (counts.size === 0) throw new SonoError('BAD_INPUT', `project ${project.dir} has no boxes; a study needs annotated images`);
  let chosen = category;
  if (chosen === null) {
    // Ties go to the first name alphabetically so the choice does not depend on import order.
    chosen = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))[0][0];
  }
  const cat = counts.get(chosen);
  if (!cat) {
    throw new SonoError('BAD_INPUT', `project ${project.dir} has no boxes of category "${chosen}" (it has: ${[...counts.keys()].join(', ')})`);
  }
  const truths = new Map<number, Box[]>();
  for (const b of boxes) {
    if (b.category !== chosen) continue;
    const list = truths.get(b.imageId) ?? [];
    list.push({ x: b.x, y: b.y, w: b.w, h: b.h });
    truths.set(b.imageId, list);
  }
  const images: StudyImage[] = [];
  let skipped = 0;
  const pageSize = 1000;
  for (let offset = 0; ; offset += pageSize) {
    const page = listImages(project, { offset, limit: pageSize });
    for (const img of page.items) {
      const t = truths.get(img.id);
      if (!t) {
        skipped++;
        continue;
      }
      images.push({
        id: img.id,
        name: img.originalName,
        file: join(project.dir, img.relPath),
        width: img.width,
        height: img.height,
        subject: img.subject,
        split: img.split,
        truths: t,
      });
    }
    if (offset + pageSize >= page.total) break;
  }
  return { projectDir: project.dir, category: chosen, categoryId: cat.id, images, skipped };
}
