import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SonoError } from '../core/errors.js';
import { openProject, type Project } from '../core/project/open.js';
import { writeFileAtomic } from '../core/util/atomic-write.js';

const MAX_RECENT = 10;

/** Where per-user settings live: SONOTL_CONFIG_DIR, else the platform's config folder. */
export function configDir(): string {
  if (process.env.SONOTL_CONFIG_DIR) return resolve(process.env.SONOTL_CONFIG_DIR);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'SonoTL');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'SonoTL');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'sonotl');
}

/**
 * The project a window (or bridge) has open. One at a time: opening another closes the first, which
 * releases its lock for other processes.
 */
export class Session {
  private project: Project | null = null;

  constructor(private readonly recentFile = join(configDir(), 'recent.json')) {}

  get current(): Project | null {
    return this.project;
  }

  /** The open project, or a clear error for calls that need one. */
  require(): Project {
    if (!this.project) throw new SonoError('NOT_FOUND', 'no project is open; open or create one first');
    return this.project;
  }

  open(dir: string, create = false): Project {
    const next = openProject(dir, { create });
    this.close();
    this.project = next;
    this.remember(next.dir);
    return next;
  }

  close(): void {
    this.project?.close();
    this.project = null;
  }

  recent(): string[] {
    try {
      const list = JSON.parse(readFileSync(this.recentFile, 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string').slice(0, MAX_RECENT) : [];
    } catch {
      return [];
    }
  }

  private remember(dir: string): void {
    const list = [dir, ...this.recent().filter((d) => d !== dir && existsSync(d))].slice(0, MAX_RECENT);
    try {
      mkdirSync(join(this.recentFile, '..'), { recursive: true });
      writeFileAtomic(this.recentFile, JSON.stringify(list, null, 2));
    } catch {
      // The recent list is a convenience; failing to write it must not stop the project from opening.
    }
  }
}
