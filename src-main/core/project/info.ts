import { listRuns, type RunRecord } from './runs.js';
import type { Project } from './open.js';

export interface ProjectInfo {
  dir: string;
  images: number;
  annotatedImages: number;
  boxes: number;
  boxesPerCategory: Record<string, number>;
  subjects: number;
  imagesWithoutSubject: number;
  splits: Record<'train' | 'val' | 'test' | 'none', number>;
  runs: Array<Pick<RunRecord, 'id' | 'method' | 'backbone' | 'status'>>;
}

export function projectInfo(project: Project): ProjectInfo {
  const db = project.db;
  const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  const perCategory: Record<string, number> = {};
  const catRows = db
    .prepare(
      `SELECT c.name AS name, count(a.id) AS n FROM categories c
       LEFT JOIN annotations a ON a.category_id = c.id AND a.deleted = 0 GROUP BY c.id ORDER BY c.id`,
    )
    .all() as Array<{ name: string; n: number }>;
  for (const r of catRows) perCategory[r.name] = r.n;
  const splits = { train: 0, val: 0, test: 0, none: 0 };
  for (const r of db.prepare('SELECT split, count(*) AS n FROM images GROUP BY split').all() as Array<{ split: string | null; n: number }>) {
    splits[(r.split ?? 'none') as keyof typeof splits] = r.n;
  }
  return {
    dir: project.dir,
    images: one('SELECT count(*) AS n FROM images'),
    annotatedImages: one('SELECT count(DISTINCT image_id) AS n FROM annotations WHERE deleted = 0'),
    boxes: one('SELECT count(*) AS n FROM annotations WHERE deleted = 0'),
    boxesPerCategory: perCategory,
    subjects: one('SELECT count(DISTINCT subject) AS n FROM images WHERE subject IS NOT NULL'),
    imagesWithoutSubject: one('SELECT count(*) AS n FROM images WHERE subject IS NULL'),
    splits,
    runs: listRuns(project).map((r) => ({ id: r.id, method: r.method, backbone: r.backbone, status: r.status })),
  };
}
