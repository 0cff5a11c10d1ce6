import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { readCoco, readCsv, readVoc, readYolo, readYoloClasses } from '../io/index.js';
import type { AnnotatedImage, AnnotationFormat, AnnotationSet, BoxRecord, InputIssue } from '../io/types.js';

/** Annotation files larger than this are refused before reading (hostile or mistaken input). */
export const MAX_ANNOTATION_BYTES = 200 * 1024 * 1024;

/**
 * Annotations loaded from one source, keyed by the image name they were written for. YOLO stores
 * normalised coordinates, so its boxes can only be resolved once the image size is known: for YOLO the
 * source keeps the label files and resolves them per image.
 */
export interface AnnotationSource {
  /** Where names written in the annotations are relative to. */
  baseDir: string;
  images: Map<string, AnnotatedImage>;
  boxes: Map<string, BoxRecord[]>;
  /** Category names in the file's order, so the project keeps that order (and its colours). */
  categories: string[];
  issues: InputIssue[];
  yolo?: { dir: string; classNames: string[]; labels: Map<string, string> };
}

export function loadAnnotationSource(format: AnnotationFormat, path: string): AnnotationSource {
  const abs = resolve(path);
  const source: AnnotationSource = { baseDir: abs, images: new Map(), boxes: new Map(), categories: [], issues: [] };
  if (!existsSync(abs)) {
    source.issues.push({ file: path, reason: `no such ${format === 'voc' || format === 'yolo' ? 'folder' : 'file'}` });
    return source;
  }
  if (format === 'coco' || format === 'csv') {
    source.baseDir = dirname(abs);
    const text = readText(abs, path, source.issues);
    if (text !== null) add(source, format === 'coco' ? readCoco(text, path) : readCsv(text, path));
  } else if (!statSync(abs).isDirectory()) {
    // Fuzzing found that a file given where a VOC folder belongs made readdirSync throw a raw ENOTDIR
    // out of the whole import. Regression case: test/fuzz/importers.test.ts ("wrong kinds of paths").
    source.issues.push({ file: path, reason: `is not a folder; ${format === 'voc' ? 'VOC' : 'YOLO'} annotations are read from a folder of files` });
  } else if (format === 'voc') {
    for (const file of listFiles(abs, '.xml')) {
      const text = readText(file, file, source.issues);
      if (text !== null) add(source, readVoc(text, file));
    }
  } else {
    const classesFile = join(abs, 'classes.txt');
    if (!lexists(classesFile)) {
      source.issues.push({ file: path, reason: 'YOLO folder has no classes.txt naming the class ids' });
      return source;
    }
    // Read like every other file inside the folder: not through a symbolic link (fuzzing found a linked
    // classes.txt was followed, reading a file outside the folder) and not past the size limit.
    const classesText = readText(classesFile, classesFile, source.issues, true);
    if (classesText === null) return source;
    const classNames = readYoloClasses(classesText);
    const labels = new Map<string, string>();
    for (const file of listFiles(abs, '.txt')) {
      if (file === classesFile) continue;
      labels.set(relative(abs, file).split(sep).join('/').replace(/\.txt$/i, ''), file);
    }
    source.yolo = { dir: abs, classNames, labels };
    source.categories = [...classNames];
  }
  return source;
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The text of an annotation file, or null with an issue. Files found inside an annotation folder are read
 * with `insideFolder`, which refuses symbolic links (they can point outside the folder the user chose).
 */
function readText(abs: string, shown: string, issues: InputIssue[], insideFolder = false): string | null {
  try {
    if (insideFolder && lstatSync(abs).isSymbolicLink()) {
      issues.push({ file: shown, reason: 'is a symbolic link; links inside annotation folders are not followed (they can point outside the folder)' });
      return null;
    }
    const st = statSync(abs);
    if (!st.isFile()) {
      issues.push({ file: shown, reason: 'is not a regular file' });
      return null;
    }
    if (st.size > MAX_ANNOTATION_BYTES) {
      issues.push({ file: shown, reason: `larger than ${MAX_ANNOTATION_BYTES / 1024 / 1024} MB; refusing to read it` });
      return null;
    }
    return readFileSync(abs, 'utf8');
  } catch (e) {
    issues.push({ file: shown, reason: `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
    return null;
  }
}

function add(source: AnnotationSource, result: { set: AnnotationSet; issues: InputIssue[] }): void {
  source.issues.push(...result.issues);
  for (const c of result.set.categories) if (!source.categories.includes(c)) source.categories.push(c);
  for (const img of result.set.images) source.images.set(img.fileName, img);
  for (const box of result.set.boxes) {
    const list = source.boxes.get(box.fileName);
    if (list) list.push(box);
    else source.boxes.set(box.fileName, [box]);
  }
}

/** Files with the extension below a folder, without following links. */
function listFiles(dir: string, ext: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p);
      else if (st.isFile() && extname(name).toLowerCase() === ext) out.push(p);
    }
  };
  visit(dir);
  return out.sort();
}

/** The YOLO boxes of one image, once its size is known; issues go to the given list. */
export function yoloBoxesFor(
  source: AnnotationSource,
  image: { rel: string; width: number; height: number },
  used: Set<string>,
  issues: InputIssue[],
): BoxRecord[] {
  const yolo = source.yolo;
  if (!yolo) return [];
  const stem = image.rel.replace(/\.[^./]+$/, '');
  const candidates = [stem, basename(stem), `labels/${basename(stem)}`];
  for (const key of candidates) {
    const file = yolo.labels.get(key);
    if (!file) continue;
    used.add(key);
    // Size-checked before reading, like every other annotation file (fuzzing found a 200 MB label file
    // was read whole into memory before readYolo refused it).
    const text = readText(file, file, issues, true);
    if (text === null) return [];
    const result = readYolo(text, file, { fileName: image.rel, width: image.width, height: image.height }, yolo.classNames);
    issues.push(...result.issues);
    return result.set.boxes;
  }
  return [];
}
