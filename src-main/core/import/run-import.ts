import { readFileSync } from 'node:fs';
import { errorMessage, isSonoError } from '../errors.js';
import { decodeImage, type DecodedImage } from '../imaging/decode.js';
import type { AnnotatedImage, AnnotationFormat, BoxRecord, InputIssue } from '../io/types.js';
import { insertImportedBox, normaliseBox } from '../project/annotations.js';
import { storeBlob } from '../project/blobs.js';
import { ensureCategory } from '../project/categories.js';
import { findBySource, findSameContent, insertImage, type ImageRecord } from '../project/images.js';
import type { Project } from '../project/open.js';
import { translateStorageError } from '../project/storage-errors.js';
import { sha256Hex, subjectFromPatientId } from '../util/hash.js';
import { loadAnnotationSource, yoloBoxesFor, type AnnotationSource } from './annotation-source.js';
import { collectImageFiles, type SourceFile } from './collect.js';
import { frameName, matchAnnotationNames } from './match.js';

export interface ImportProgress {
  done: number;
  total: number;
  file: string;
}

export interface ImportOptions {
  annotations?: { format: AnnotationFormat; path: string };
  /** Recorded as the author of imported boxes. */
  author?: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportReport {
  filesSeen: number;
  imagesAdded: number;
  imagesAlreadyPresent: number;
  boxesAdded: number;
  boxesAlreadyPresent: number;
  /** Files or items that were not imported, each with its reason; everything else was. */
  issues: InputIssue[];
  /**
   * New images whose content equals an image already in the project under another name. They are
   * imported (their boxes may differ), but they would leak between subject-wise splits, so they are
   * reported.
   */
  sameContent: Array<{ file: string; sameAs: string }>;
  cancelled: boolean;
}

/**
 * Imports image files and (optionally) one annotation source. Each image file is committed on its own —
 * stored bytes first (atomically), then its rows in one transaction — so a kill at any point leaves a
 * consistent project, and running the same import again completes it: files already present are
 * recognised by content hash, boxes already present are not added twice.
 */
export async function importInputs(project: Project, inputs: readonly string[], options: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = {
    filesSeen: 0,
    imagesAdded: 0,
    imagesAlreadyPresent: 0,
    boxesAdded: 0,
    boxesAlreadyPresent: 0,
    issues: [],
    sameContent: [],
    cancelled: false,
  };
  const collected = collectImageFiles(inputs);
  report.issues.push(...collected.issues);
  const files = collected.files;
  report.filesSeen = files.length;

  const source = options.annotations ? loadAnnotationSource(options.annotations.format, options.annotations.path) : undefined;
  let names = new Map<string, string>();
  if (source) {
    report.issues.push(...source.issues);
    if (!source.yolo) {
      const all = new Set([...source.images.keys(), ...source.boxes.keys()]);
      const matched = matchAnnotationNames(all, files, source.baseDir, options.annotations!.path);
      names = matched.byFrame;
      report.issues.push(...matched.issues);
    }
  }
  const usedYoloLabels = new Set<string>();
  // The source's categories are created in the file's order (which fixes their colours), but only once a
  // box is actually imported: a file whose every box is refused leaves the project unchanged.
  const categories = new Map<string, number>();
  const categoryId = (name: string): number => {
    if (categories.size === 0) for (const c of source?.categories ?? []) categories.set(c, ensureCategory(project, c));
    let id = categories.get(name);
    if (id === undefined) categories.set(name, (id = ensureCategory(project, name)));
    return id;
  };
  const author = options.author ?? 'import';

  for (let i = 0; i < files.length; i++) {
    if (options.signal?.aborted) {
      report.cancelled = true;
      break;
    }
    const file = files[i];
    options.onProgress?.({ done: i, total: files.length, file: file.rel });
    try {
      await importOne(project, file, source, names, usedYoloLabels, author, report, categoryId);
    } catch (e) {
      const err = translateStorageError(e, project.dir);
      // Storage failures (disk full, read-only) stop the import: every later file would fail the same way.
      if (isSonoError(err) && (err.code === 'DISK_FULL' || err.code === 'PROJECT_READ_ONLY')) throw err;
      report.issues.push({ file: file.rel, reason: errorMessage(err) });
    }
  }
  options.onProgress?.({ done: report.cancelled ? report.filesSeen - 1 : files.length, total: files.length, file: '' });

  if (source?.yolo && !report.cancelled) {
    for (const key of source.yolo.labels.keys()) {
      if (!usedYoloLabels.has(key)) report.issues.push({ file: source.yolo.labels.get(key)!, reason: 'label file matches no imported image' });
    }
  }
  return report;
}

interface FrameToStore {
  frame: number;
  decoded?: DecodedImage;
  existing?: ImageRecord;
  width: number;
  height: number;
  annotated?: AnnotatedImage;
  boxes: BoxRecord[];
}

async function importOne(
  project: Project,
  file: SourceFile,
  source: AnnotationSource | undefined,
  names: Map<string, string>,
  usedYoloLabels: Set<string>,
  author: string,
  report: ImportReport,
  categoryId: (name: string) => number,
): Promise<void> {
  const bytes = readFileSync(file.abs);
  const sha = sha256Hex(bytes);
  const existing = findBySource(project, sha, file.rel);
  const decoded = existing.length > 0 ? [] : await decodeImage(bytes, file.rel);
  const frameCount = existing.length > 0 ? existing.length : decoded.length;

  const frames: FrameToStore[] = [];
  for (let f = 0; f < frameCount; f++) {
    const d = decoded[f];
    const e = existing[f];
    const width = d ? d.width : e.width;
    const height = d ? d.height : e.height;
    const entry: FrameToStore = { frame: f, decoded: d, existing: e, width, height, boxes: [] };
    if (source?.yolo) {
      if (f === 0) entry.boxes = yoloBoxesFor(source, { rel: file.rel, width, height }, usedYoloLabels, report.issues);
    } else if (source) {
      const name = names.get(`${file.rel}#${f}`);
      if (name !== undefined) {
        entry.annotated = source.images.get(name);
        entry.boxes = source.boxes.get(name) ?? [];
        const declared = entry.annotated;
        if (declared?.width !== undefined && declared.height !== undefined && (declared.width !== width || declared.height !== height)) {
          report.issues.push({
            file: file.rel,
            reason: `annotations give the image as ${declared.width}x${declared.height} but it is ${width}x${height}; its boxes were not imported`,
          });
          entry.boxes = [];
        }
      }
    }
    frames.push(entry);
  }

  const checked = frames.map((fr) => ({
    ...fr,
    boxes: fr.boxes.flatMap((b) => {
      try {
        return [{ category: b.category, box: normaliseBox(b, { width: fr.width, height: fr.height, id: 0 }) }];
      } catch (e) {
        report.issues.push({ file: frameName(file.rel, fr.frame, frameCount), reason: errorMessage(e).replace(/ image 0$/, ' image') });
        return [];
      }
    }),
  }));

  for (const fr of checked) {
    if (fr.decoded) storeBlob(project, sha256Hex(fr.decoded.stored.bytes), fr.decoded.stored.ext, fr.decoded.stored.bytes);
  }

  project.db.transaction(() => {
    for (const fr of checked) {
      let imageId: number;
      if (fr.existing) {
        imageId = fr.existing.id;
        report.imagesAlreadyPresent++;
        fillMissing(project, fr.existing, fr.annotated);
      } else {
        const d = fr.decoded!;
        const twin = fr.frame === 0 ? findSameContent(project, sha, file.rel) : undefined;
        if (twin) report.sameContent.push({ file: file.rel, sameAs: twin.sourceName });
        imageId = insertImage(project, {
          sourceSha256: sha,
          sourceName: file.rel,
          frame: fr.frame,
          fileSha256: sha256Hex(d.stored.bytes),
          fileExt: d.stored.ext,
          originalName: frameName(file.rel, fr.frame, frameCount),
          width: d.width,
          height: d.height,
          channels: d.channels,
          bitDepth: d.bitDepth,
          subject: fr.annotated?.subject ?? (d.patientId ? subjectFromPatientId(project.salt, d.patientId) : null),
          split: fr.annotated?.split ?? null,
          modality: d.modality,
          metadata: d.metadata,
        });
        report.imagesAdded++;
      }
      for (const b of fr.boxes) {
        if (insertImportedBox(project, imageId, categoryId(b.category), b.box, author)) report.boxesAdded++;
        else report.boxesAlreadyPresent++;
      }
    }
  })();
}

/** A re-import may bring a subject or split the first import lacked; it never overwrites one. */
function fillMissing(project: Project, image: ImageRecord, annotated: AnnotatedImage | undefined): void {
  if (!annotated) return;
  if (image.subject === null && annotated.subject) {
    project.db.prepare('UPDATE images SET subject = ? WHERE id = ?').run(annotated.subject, image.id);
  }
  if (image.split === null && annotated.split) {
    project.db.prepare('UPDATE images SET split = ? WHERE id = ?').run(annotated.split, image.id);
  }
}

