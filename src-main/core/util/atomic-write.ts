import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SonoError } from '../errors.js';

/** Writes a whole file or nothing: a reader never sees half an export. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    // A full disk must not leave a stray partial file in the user's folder.
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Joins a stored relative name below a folder, refusing any name that would land outside it. */
export function joinInside(root: string, rel: string): string {
  const abs = resolve(root, rel);
  const back = relative(resolve(root), abs);
  if (back === '' || back.startsWith('..' + sep) || back === '..' || resolve(back) === back) {
    throw new SonoError('BAD_INPUT', `refusing to write "${rel}": it would land outside ${root}`, rel);
  }
  return abs;
}
