import { basename, resolve } from 'node:path';
import type { InputIssue } from '../io/types.js';
import type { SourceFile } from './collect.js';

/** Frames of a multi-frame file are named `<file>#<n>` (n from 1, as DICOM numbers frames). */
export function frameName(rel: string, frame: number, frameCount: number): string {
  return frameCount > 1 ? `${rel}#${frame + 1}` : rel;
}

/**
 * Pairs each image name written in an annotation file with an imported file (and frame). Names are tried
 * as the path below the import folder, then relative to the annotation file, then by file name alone
 * when that is unambiguous; a name that matches nothing is reported, never guessed.
 * Returns a map from `<rel>#<frame>` (frame from 0) to the annotation name.
 */
export function matchAnnotationNames(
  names: Iterable<string>,
  files: readonly SourceFile[],
  annotationBaseDir: string,
  annotationFile: string,
): { byFrame: Map<string, string>; issues: InputIssue[] } {
  const byRel = new Map(files.map((f) => [f.rel, f]));
  const byAbs = new Map(files.map((f) => [f.abs, f]));
  const byBase = new Map<string, SourceFile[]>();
  for (const f of files) {
    const b = basename(f.rel);
    byBase.set(b, [...(byBase.get(b) ?? []), f]);
  }
  const byFrame = new Map<string, string>();
  const issues: InputIssue[] = [];
  for (const name of names) {
    const m = /^(.*)#(\d+)$/.exec(name);
    const base = m ? m[1] : name;
    const frame = m ? Number(m[2]) - 1 : 0;
    const sameBase = byBase.get(basename(base));
    const file = byRel.get(base) ?? byAbs.get(resolve(annotationBaseDir, base)) ?? (sameBase?.length === 1 ? sameBase[0] : undefined);
    if (!file) {
      const why = sameBase && sameBase.length > 1 ? `matches ${sameBase.length} imported files by name; write its folder too` : 'not among the imported image files';
      issues.push({ file: annotationFile, reason: `unknown image name "${name}": ${why}` });
      continue;
    }
    byFrame.set(`${file.rel}#${frame}`, name);
  }
  return { byFrame, issues };
}
