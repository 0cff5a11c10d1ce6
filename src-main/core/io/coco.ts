/**
 * COCO detection JSON (images / annotations / categories). Besides the standard fields, images may carry
 * `subject` (patient or volunteer id, used for leakage-free splits) and `split`; other tools ignore them.
 */
import { errorMessage } from '../errors.js';
import {
  IssueLog,
  MAX_JSON_BYTES,
  checkBox,
  checkFileName,
  checkImageSize,
  checkSplit,
  checkSubject,
  checkTextSize,
  formatCoord,
  makeImage,
  quote,
} from './checks.js';
import type { AnnotatedImage, AnnotationSet, BoxRecord, ReadResult } from './types.js';
import { indexImages, unknownCategoryError } from './writer-checks.js';

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** COCO ids are integers, but string ids occur in hand-made files; both key the same lookup. */
function idKey(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/** Reads a list member of the top level; a missing list is allowed (a COCO test split has no annotations). */
function readList(doc: JsonObject, key: string, log: IssueLog): unknown[] {
  const v = doc[key];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  log.add(`'${key}' must be a list (got ${describeJson(v)})`);
  return [];
}

export function readCoco(text: string, file: string): ReadResult {
  const log = new IssueLog(file);
  const set: AnnotationSet = { images: [], categories: [], boxes: [] };
  const done = (): ReadResult => ({ set, issues: log.list() });

  const tooBig = checkTextSize(text, MAX_JSON_BYTES, 'COCO JSON');
  if (tooBig) {
    log.add(tooBig);
    return done();
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    log.add(`not valid JSON: ${errorMessage(e)}`);
    return done();
  }
  if (!isObject(doc)) {
    log.add(`not a COCO file: the top level must be an object with images, annotations and categories (got ${describeJson(doc)})`);
    return done();
  }
  if (doc.images === undefined) log.add("not a COCO file: it has no 'images' list");

  const categoryNames = new Map<string, string>();
  readList(doc, 'categories', log).forEach((entry, i) => {
    if (!isObject(entry)) return log.add(`category #${i + 1} is not an object`);
    const key = idKey(entry.id);
    const label = key === undefined ? `category #${i + 1}` : `category id ${key}`;
    if (key === undefined) return log.add(`${label}: id is missing or not a number`);
    if (typeof entry.name !== 'string' || entry.name.trim() === '') return log.add(`${label}: name is missing or empty`);
    if (categoryNames.has(key)) return log.add(`${label} appears more than once; the entry named ${quote(entry.name)} is ignored`);
    categoryNames.set(key, entry.name);
    // Two ids with one name are one category to SonoTL, which keys categories by name.
    if (!set.categories.includes(entry.name)) set.categories.push(entry.name);
  });

  const imagesById = new Map<string, AnnotatedImage>();
  const idByFileName = new Map<string, string>();
  // Boxes of a refused image are dropped quietly: the image's own issue already says so.
  const refusedImageIds = new Set<string>();
  readList(doc, 'images', log).forEach((entry, i) => {
    if (!isObject(entry)) return log.add(`image #${i + 1} is not an object`);
    const key = idKey(entry.id);
    if (key === undefined) return log.add(`image #${i + 1} (file_name ${quote(entry.file_name)}): id is missing or not a number; skipped`);
    const label = `image id ${key}`;
    if (imagesById.has(key) || refusedImageIds.has(key)) {
      return log.add(`${label} appears more than once; the later entry (file_name ${quote(entry.file_name)}) is ignored`);
    }
    const name = checkFileName(entry.file_name);
    if (!name.ok) {
      refusedImageIds.add(key);
      return log.add(`${label}: ${name.reason}; skipped with its boxes`);
    }
    const firstId = idByFileName.get(name.value);
    if (firstId !== undefined) {
      refusedImageIds.add(key);
      return log.add(`${label}: file name ${quote(name.value)} is already used by image id ${firstId}; skipped with its boxes`);
    }
    const size = checkImageSize(entry.width, entry.height);
    if (!size.ok) {
      refusedImageIds.add(key);
      return log.add(`${label} (${quote(name.value)}): ${size.reason}; skipped with its boxes`);
    }
    const subject = checkSubject(entry.subject);
    if (!subject.ok) log.add(`${label} (${quote(name.value)}): ${subject.reason}; subject ignored`);
    const split = checkSplit(entry.split);
    if (!split.ok) log.add(`${label} (${quote(name.value)}): ${split.reason}; split ignored`);
    const image = makeImage(name.value, size.value, subject.ok ? subject.value : undefined, split.ok ? split.value : undefined);
    imagesById.set(key, image);
    idByFileName.set(name.value, key);
    set.images.push(image);
  });

  readList(doc, 'annotations', log).forEach((entry, i) => {
    if (!isObject(entry)) return log.add(`annotation #${i + 1} is not an object`);
    const ownId = idKey(entry.id);
    const label = ownId === undefined ? `annotation #${i + 1}` : `annotation id ${ownId}`;
    const imageKey = idKey(entry.image_id);
    if (imageKey === undefined) return log.add(`${label}: image_id is missing or not a number`);
    if (refusedImageIds.has(imageKey)) return;
    const image = imagesById.get(imageKey);
    if (!image) return log.add(`${label}: refers to unknown image id ${imageKey}`);
    const categoryKey = idKey(entry.category_id);
    if (categoryKey === undefined) return log.add(`${label}: category_id is missing or not a number`);
    const category = categoryNames.get(categoryKey);
    if (category === undefined) return log.add(`${label}: unknown category id ${categoryKey}`);
    const bbox = entry.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4) {
      const got = Array.isArray(bbox) ? `a list of ${bbox.length}` : bbox === undefined ? 'nothing' : describeJson(bbox);
      return log.add(`${label}: bbox must be a list of 4 numbers [x, y, w, h] (got ${got})`);
    }
    const box = checkBox({ x: bbox[0], y: bbox[1], w: bbox[2], h: bbox[3] }, image);
    if (!box.ok) return log.add(`${label} (image ${quote(image.fileName)}): ${box.reason}`);
    set.boxes.push({ fileName: image.fileName, category, ...box.value });
  });

  return done();
}

/** One member per line keeps large files compact and their diffs readable. */
function jsonList(items: unknown[]): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((item) => `  ${JSON.stringify(item)}`).join(',\n')}\n ]`;
}

/**
 * Writes a COCO file: ids are 1..n in the set's order for images, categories and boxes, so the output
 * depends only on the set.
 */
export function writeCoco(set: AnnotationSet): string {
  const imageIndex = indexImages(set);
  const categoryIds = new Map<string, number>();
  for (const name of set.categories) {
    if (!categoryIds.has(name)) categoryIds.set(name, categoryIds.size + 1);
  }

  const images = set.images.map((image, i) => {
    const out: Record<string, unknown> = { id: i + 1, file_name: image.fileName };
    if (image.width !== undefined) out.width = image.width;
    if (image.height !== undefined) out.height = image.height;
    if (image.subject !== undefined) out.subject = image.subject;
    if (image.split !== undefined) out.split = image.split;
    return out;
  });
  const annotations = set.boxes.map((box: BoxRecord, i) => {
    const categoryId = categoryIds.get(box.category);
    if (categoryId === undefined) throw unknownCategoryError(box);
    const bbox = [box.x, box.y, box.w, box.h].map((v) => Number(formatCoord(v)));
    return {
      id: i + 1,
      image_id: (imageIndex.get(box.fileName) as number) + 1,
      category_id: categoryId,
      bbox,
      // Areas of 1/1000 px boxes have up to 6 decimals; rounding there drops float noise only.
      area: Math.round(bbox[2] * bbox[3] * 1e6) / 1e6,
      iscrowd: 0,
    };
  });
  const categories = [...categoryIds].map(([name, id]) => ({ id, name }));

  return [
    '{',
    ` "info": ${JSON.stringify({ description: 'Annotations exported by SonoTL' })},`,
    ' "licenses": [],',
    ` "images": ${jsonList(images)},`,
    ` "annotations": ${jsonList(annotations)},`,
    ` "categories": ${jsonList(categories)}`,
    '}',
    '',
  ].join('\n');
}
