import { closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import type { InputIssue } from '../io/types.js';

export interface SourceFile {
  /** Absolute path on disk. */
  abs: string;
  /** Name stored in the project and matched against annotation files: the path below the folder given, with '/'. */
  rel: string;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.dcm', '.dicom', '.ima']);

/**
 * Expands the files and folders given to an import into the image files to read. Folders are walked
 * without following symbolic links, because a link can point outside the folder the user chose.
 * Files named explicitly are always tried (a wrong one is reported); inside folders only image
 * extensions and extension-less DICOM files are taken, so annotation files beside the images are not
 * reported as broken images.
 */
export function collectImageFiles(inputs: readonly string[]): { files: SourceFile[]; issues: InputIssue[] } {
  const files: SourceFile[] = [];
  const issues: InputIssue[] = [];
  for (const input of inputs) {
    const abs = resolve(input);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      issues.push({ file: input, reason: 'no such file or folder' });
      continue;
    }
    if (st.isSymbolicLink()) {
      issues.push({ file: input, reason: 'is a symbolic link; give the file or folder it points to instead' });
    } else if (st.isDirectory()) {
      walk(abs, abs, files, issues);
    } else if (st.isFile()) {
      files.push({ abs, rel: basename(abs) });
    } else {
      issues.push({ file: input, reason: 'is not a regular file or folder' });
    }
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, issues };
}

function walk(root: string, dir: string, files: SourceFile[], issues: InputIssue[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    issues.push({ file: dir, reason: `cannot read folder (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
    return;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const abs = join(dir, name);
    const st = lstatSync(abs);
    const rel = relative(root, abs).split(sep).join('/');
    if (st.isSymbolicLink()) {
      if (IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) {
        issues.push({ file: abs, reason: 'skipped: symbolic links are not followed (they can point outside the import folder)' });
      }
    } else if (st.isDirectory()) {
      walk(root, abs, files, issues);
    } else if (st.isFile()) {
      const ext = extname(name).toLowerCase();
      if (IMAGE_EXTENSIONS.has(ext) || (ext === '' && hasDicomMagic(abs))) files.push({ abs, rel });
    }
  }
}

function hasDicomMagic(path: string): boolean {
  const buf = Buffer.alloc(132);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, buf, 0, 132, 0) === 132 && buf.toString('latin1', 128, 132) === 'DICM';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
