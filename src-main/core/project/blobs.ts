import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { IMAGES_DIR, type Project } from './open.js';
import { translateStorageError } from './storage-errors.js';

/** Relative path of a stored image: images/ab/<sha256>.<ext>, so a project folder copies whole. */
export function blobRelPath(sha256: string, ext: string): string {
  return `${IMAGES_DIR}/${sha256.slice(0, 2)}/${sha256}.${ext}`;
}

export function blobPath(project: Project, sha256: string, ext: string): string {
  return join(project.dir, blobRelPath(sha256, ext));
}

/**
 * Writes content-addressed bytes. The file appears under its final name only once complete and synced
 * (temp file + fsync + rename), so a kill at any moment leaves either no file or the whole file; a rerun
 * finds it and skips the write.
 */
export function storeBlob(project: Project, sha256: string, ext: string, bytes: Uint8Array): string {
  const path = blobPath(project, sha256, ext);
  if (existsSync(path) && statSync(path).size === bytes.byteLength) return path;
  const dir = join(project.dir, IMAGES_DIR, sha256.slice(0, 2));
  const tmp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      if (existsSync(tmp)) unlinkSync(tmp);
    } catch {
      // the temp file is invisible to the project; leaving it is harmless
    }
    throw translateStorageError(e, path);
  }
  return path;
}
