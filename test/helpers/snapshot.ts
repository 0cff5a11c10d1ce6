import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Project } from '../../src-main/core/project/open.js';

/** Every row of every table plus every stored file: two equal snapshots mean nothing changed. */
export function snapshot(project: Project): { tables: Record<string, unknown[]>; files: string[] } {
  const tables: Record<string, unknown[]> = {};
  const names = project.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
  for (const { name } of names) tables[name] = project.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all();
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(`${relative(project.dir, p)}:${statSync(p).size}`);
    }
  };
  walk(join(project.dir, 'images'));
  return { tables, files: files.sort() };
}
