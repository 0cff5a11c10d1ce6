/**
 * Annotation CSV: one row per box, with the image's size, subject and split repeated on each row. An
 * image without boxes has one row with empty category and coordinates, so it survives a round trip.
 * Categories are listed in the order they first appear; a category no box uses is not kept.
 * An empty subject or split cell means "none".
 */
import { SonoError } from '../errors.js';
import { IssueLog, MAX_TEXT_BYTES, checkBox, checkFileName, checkImageSize, checkSplit, checkSubject, checkTextSize, formatCoord, makeImage, quote } from './checks.js';
import { csvField, parseCsvRecords } from './csv-records.js';
import type { AnnotatedImage, AnnotationSet, BoxRecord, ReadResult } from './types.js';
import { indexImages } from './writer-checks.js';

export const CSV_COLUMNS = ['file_name', 'width', 'height', 'subject', 'split', 'category', 'x', 'y', 'w', 'h'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: Column[] = ['file_name', 'category', 'x', 'y', 'w', 'h'];
const BOX_COLUMNS: Column[] = ['category', 'x', 'y', 'w', 'h'];

/** Where each image was first described, to report rows that contradict it. */
interface SeenImage {
  image: AnnotatedImage;
  line: number;
}

function describeDifference(a: AnnotatedImage, b: AnnotatedImage): string | undefined {
  for (const key of ['width', 'height', 'subject', 'split'] as const) {
    if (a[key] !== b[key]) return `${key} ${quote(b[key] ?? '')}`;
  }
  return undefined;
}

export function readCsv(text: string, file: string): ReadResult {
  const log = new IssueLog(file);
  const set: AnnotationSet = { images: [], categories: [], boxes: [] };
  const done = (): ReadResult => ({ set, issues: log.list() });

  const tooBig = checkTextSize(text, MAX_TEXT_BYTES, 'CSV');
  if (tooBig) {
    log.add(tooBig);
    return done();
  }
  const { records, problems } = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  const header = records.shift();
  if (!header) {
    log.add(`the file is empty; expected the header ${CSV_COLUMNS.join(',')}`);
    return done();
  }
  const column = new Map<string, number>();
  header.fields.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    if (!column.has(key)) column.set(key, i);
  });
  const missing = REQUIRED.filter((c) => !column.has(c));
  if (missing.length > 0) {
    log.add(`line ${header.line}: the header lacks ${missing.join(', ')}; expected ${CSV_COLUMNS.join(',')}`);
    return done();
  }

  // Record problems and rows are reported in file order.
  const rowsAndProblems = [
    ...problems.map((p) => ({ line: p.line, problem: p.reason, fields: undefined })),
    ...records.map((r) => ({ line: r.line, problem: undefined, fields: r.fields })),
  ].sort((a, b) => a.line - b.line);

  const seen = new Map<string, SeenImage>();
  for (const row of rowsAndProblems) {
    const label = `line ${row.line}`;
    if (row.fields === undefined) {
      log.add(`${label}: ${row.problem}`);
      continue;
    }
    const fields = row.fields;
    if (fields.length !== header.fields.length) {
      log.add(`${label}: has ${fields.length} fields, the header has ${header.fields.length}; row skipped`);
      continue;
    }
    const cell = (c: Column): string => {
      const i = column.get(c);
      return i === undefined ? '' : fields[i];
    };

    const name = checkFileName(cell('file_name'));
    if (!name.ok) {
      log.add(`${label}: ${name.reason}; row skipped`);
      continue;
    }
    const size = checkImageSize(cell('width'), cell('height'));
    if (!size.ok) {
      log.add(`${label} (${quote(name.value)}): ${size.reason}; row skipped`);
      continue;
    }
    const subject = checkSubject(cell('subject'));
    if (!subject.ok) log.add(`${label} (${quote(name.value)}): ${subject.reason}; subject ignored`);
    const split = checkSplit(cell('split'));
    if (!split.ok) log.add(`${label} (${quote(name.value)}): ${split.reason}; split ignored`);
    const described = makeImage(name.value, size.value, subject.ok ? subject.value : undefined, split.ok ? split.value : undefined);

    let image = seen.get(name.value);
    if (!image) {
      image = { image: described, line: row.line };
      seen.set(name.value, image);
      set.images.push(described);
    } else {
      const difference = describeDifference(image.image, described);
      if (difference !== undefined) {
        log.add(`${label}: image ${quote(name.value)} has ${difference} here, unlike line ${image.line}; row skipped`);
        continue;
      }
    }

    if (BOX_COLUMNS.every((c) => cell(c).trim() === '')) continue;
    const category = cell('category');
    if (category.trim() === '') {
      log.add(`${label} (${quote(name.value)}): the row has coordinates but no category`);
      continue;
    }
    const box = checkBox({ x: cell('x'), y: cell('y'), w: cell('w'), h: cell('h') }, image.image);
    if (!box.ok) {
      log.add(`${label} (${quote(name.value)}): ${box.reason}`);
      continue;
    }
    if (!set.categories.includes(category)) set.categories.push(category);
    set.boxes.push({ fileName: name.value, category, ...box.value });
  }
  return done();
}

/** Rows follow the set's image order, each image's boxes in their set order; lines end in CRLF as RFC 4180 says. */
export function writeCsv(set: AnnotationSet): string {
  indexImages(set);
  const boxesOf = new Map<string, BoxRecord[]>();
  for (const box of set.boxes) {
    const list = boxesOf.get(box.fileName);
    if (list) list.push(box);
    else boxesOf.set(box.fileName, [box]);
  }
  const rows = [CSV_COLUMNS.join(',')];
  for (const image of set.images) {
    const imageCells = [
      image.fileName,
      image.width === undefined ? '' : String(image.width),
      image.height === undefined ? '' : String(image.height),
      image.subject ?? '',
      image.split ?? '',
    ];
    const boxes = boxesOf.get(image.fileName) ?? [];
    if (boxes.length === 0) rows.push([...imageCells, '', '', '', '', ''].map(csvField).join(','));
    for (const box of boxes) {
      if (box.category.trim() === '') throw new SonoError('BAD_INPUT', `a box on ${quote(box.fileName)} has an empty category, which CSV would read as no box`, box.fileName);
      rows.push([...imageCells, box.category, formatCoord(box.x), formatCoord(box.y), formatCoord(box.w), formatCoord(box.h)].map(csvField).join(','));
    }
  }
  return rows.map((row) => `${row}\r\n`).join('');
}
