import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { SonoError } from '../errors.js';

/**
 * Maps the storage failures a user can fix (full disk, read-only folder, no permission) from SQLite or
 * the file system to one clear message; anything else passes through unchanged.
 */
export function translateStorageError(e: unknown, path: string): unknown {
  if (e instanceof SonoError) return e;
  const code = String((e as { code?: string }).code ?? '');
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new SonoError('DISK_FULL', `disk full while writing ${path}; free some space and try again (nothing saved earlier was changed)`, path);
  }
  // On a read-only mount SQLite cannot create its lock and WAL index files and says only "disk I/O
  // error" (SQLITE_IOERR_LOCK and kin); the folder's own writability tells the two apart.
  const readOnlyFolder = code.startsWith('SQLITE_IOERR') && !writable(dirname(path));
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN' || readOnlyFolder) {
    return new SonoError('PROJECT_READ_ONLY', `cannot write ${path}: the folder is read-only or not accessible (${code}); copy the project to a writable folder`, path);
  }
  return e;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return !(code === 'EROFS' || code === 'EACCES' || code === 'EPERM');
  }
}
