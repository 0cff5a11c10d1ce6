import type { Project } from './open.js';

export interface Category {
  id: number;
  name: string;
  color: string;
}

// Distinguishable on a dark grayscale image and for the common colour-vision deficiencies (Okabe-Ito).
const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#FFFFFF'];

export function listCategories(project: Project): Category[] {
  return project.db.prepare('SELECT id, name, color FROM categories ORDER BY id').all() as Category[];
}

/** The id of the named category, creating it (with the next palette colour) when new. */
export function ensureCategory(project: Project, name: string): number {
  const found = project.db.prepare('SELECT id FROM categories WHERE name = ?').get(name) as { id: number } | undefined;
  if (found) return found.id;
  const count = (project.db.prepare('SELECT count(*) AS n FROM categories').get() as { n: number }).n;
  const info = project.db
    .prepare('INSERT INTO categories (name, color) VALUES (?, ?)')
    .run(name, PALETTE[count % PALETTE.length]);
  return Number(info.lastInsertRowid);
}
