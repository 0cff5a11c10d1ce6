import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SonoError } from '../errors.js';
import { markInterruptedRuns } from './runs.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { translateStorageError } from './storage-errors.js';

export const DB_FILE = 'project.sqlite';
export const IMAGES_DIR = 'images';

export interface Project {
  readonly dir: string;
  readonly db: Database.Database;
  /** Per-project random salt for hashing patient ids; never leaves the project. */
  readonly salt: string;
  close(): void;
}

export interface OpenOptions {
  /** Create the project when the folder holds none (the folder may exist but must be empty). */
  create?: boolean;
  /** Only for tools that must read while another process holds the project; never writes. */
  readonly?: boolean;
}

/**
 * Opens (or creates) a project folder. One process at a time: the connection takes SQLite's exclusive
 * lock for its whole life (locking_mode=EXCLUSIVE), so a second opener fails at once with a clear
 * message, and a killed holder releases it with the process (the OS drops its file locks), so a crash
 * never leaves a stale lock that needs manual repair.
 */
export function openProject(dirArg: string, options: OpenOptions = {}): Project {
  const dir = resolve(dirArg);
  const dbPath = join(dir, DB_FILE);
  const exists = existsSync(dbPath);
  if (!exists) {
    if (!options.create) {
      throw new SonoError('PROJECT_NOT_FOUND', `${dir} is not a SonoTL project (no ${DB_FILE}); create one with "sonotl init ${dirArg}"`, dir);
    }
    prepareEmptyFolder(dir);
  } else if (options.create) {
    throw new SonoError('PROJECT_EXISTS', `${dir} already holds a SonoTL project`, dir);
  }

  let db: Database.Database;
  try {
    db = new Database(dbPath, { timeout: 0, readonly: options.readonly === true });
  } catch (e) {
    throw translateStorageError(e, dbPath);
  }
  try {
    takeLock(db, dir, options.readonly === true);
    if (!options.readonly) migrate(db, dir);
    else assertKnownVersion(db, dir);
    const salt = options.readonly ? readMeta(db, 'salt') ?? '' : ensureSalt(db);
    mkdirSync(join(dir, IMAGES_DIR), { recursive: true });
    const project: Project = {
      dir,
      db,
      salt,
      close: () => {
        if (db.open) db.close();
      },
    };
    if (!options.readonly) markInterruptedRuns(project);
    return project;
  } catch (e) {
    db.close();
    throw translateStorageError(e, dbPath);
  }
}

function prepareEmptyFolder(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new SonoError('BAD_INPUT', `${dir} is a file, not a folder`, dir);
    const entries = readdirSync(dir).filter((n) => !n.startsWith('.'));
    if (entries.length > 0) {
      throw new SonoError('BAD_INPUT', `${dir} is not empty; a new project needs an empty or new folder`, dir);
    }
  }
  try {
    mkdirSync(join(dir, IMAGES_DIR), { recursive: true });
  } catch (e) {
    throw translateStorageError(e, dir);
  }
}

function takeLock(db: Database.Database, dir: string, readonly: boolean): void {
  try {
    // A reader takes no exclusive lock: on a WAL database closed cleanly (no -shm left) an exclusive
    // read-only connection cannot set up the shared WAL index and fails with SQLITE_IOERR_LOCK. It still
    // fails at once (SQLITE_BUSY) while a writer holds its exclusive lock, which is what a reader wants.
    if (!readonly) db.pragma('locking_mode = EXCLUSIVE');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    // The exclusive lock is only taken by a first write; take it now so the second opener is refused
    // here rather than at its first save.
    if (!readonly) db.exec('BEGIN IMMEDIATE; COMMIT;');
    else db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    if (isBusy(e)) {
      throw new SonoError('PROJECT_LOCKED', `project ${dir} is open in another window or process; close it there first`, dir);
    }
    throw e;
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

function migrate(db: Database.Database, dir: string): void {
  const version = assertKnownVersion(db, dir);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function assertKnownVersion(db: Database.Database, dir: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new SonoError('PROJECT_TOO_NEW', `project ${dir} was written by a newer SonoTL (schema ${version}, this build knows ${SCHEMA_VERSION}); update SonoTL`, dir);
  }
  return version;
}

function ensureSalt(db: Database.Database): string {
  const existing = readMeta(db, 'salt');
  if (existing) return existing;
  const salt = randomBytes(16).toString('hex');
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('salt', salt);
  return salt;
}

export function readMeta(db: Database.Database, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}
