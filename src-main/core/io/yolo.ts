/**
 * YOLO label files: one text file per image, one line `class cx cy w h` per box, with the centre and
 * size normalised to 0..1 by the image size; class indexes point into `classes.txt`.
 */
import { SonoError } from '../errors.js';
import { IssueLog, MAX_TEXT_BYTES, checkBox, checkFileName, checkImageSize, checkTextSize, makeImage, quote, readNumber } from './checks.js';
import type { AnnotatedImage, AnnotationSet, BoxRecord, ReadResult } from './types.js';
import { roundCoord } from './types.js';
import { unknownCategoryError } from './writer-checks.js';

/** The image a label file belongs to; YOLO files carry neither its name nor its size. */
export type YoloImage = Pick<AnnotatedImage, 'fileName' | 'subject' | 'split'> & { width: number; height: number };

const LINE_BREAK = /\r\n|\r|\n/;

export function readYolo(text: string, file: string, image: YoloImage, classNames: string[]): ReadResult {
  const log = new IssueLog(file);
  const set: AnnotationSet = { images: [], categories: [...classNames], boxes: [] };
  const done = (): ReadResult => ({ set, issues: log.list() });

  const tooBig = checkTextSize(text, MAX_TEXT_BYTES, 'YOLO label');
  if (tooBig) {
    log.add(tooBig);
    return done();
  }
  const name = checkFileName(image.fileName);
  if (!name.ok) {
    log.add(`image: ${name.reason}; its labels are skipped`);
    return done();
  }
  const size = checkImageSize(image.width, image.height);
  if (!size.ok || size.value.width === undefined || size.value.height === undefined) {
    log.add(`image ${quote(name.value)}: ${size.ok ? 'width and height are needed to read YOLO labels' : size.reason}; its labels are skipped`);
    return done();
  }
  const width = size.value.width;
  const height = size.value.height;
  const record = makeImage(name.value, size.value, image.subject, image.split);
  set.images.push(record);

  text.replace(/^\uFEFF/, '').split(LINE_BREAK).forEach((line, i) => {
    const label = `line ${i + 1}`;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '') return;
    if (fields.length !== 5) return log.add(`${label}: expected 5 fields (class cx cy w h), found ${fields.length}`);
    const cls = readNumber('class', fields[0]);
    if (!cls.ok) return log.add(`${label}: ${cls.reason}`);
    if (!Number.isInteger(cls.value) || cls.value < 0 || cls.value >= classNames.length) {
      return log.add(`${label}: unknown class ${fields[0]} (the class list has ${classNames.length} classes, numbered from 0)`);
    }
    const category = classNames[cls.value];
    if (category.trim() === '') return log.add(`${label}: class ${cls.value} has an empty name in the class list`);
    const values: number[] = [];
    const reasons: string[] = [];
    for (const [k, key] of ['cx', 'cy', 'w', 'h'].entries()) {
      const n = readNumber(key, fields[k + 1]);
      if (n.ok) values.push(n.value);
      else reasons.push(n.reason);
    }
    if (reasons.length > 0) return log.add(`${label}: ${reasons.join('; ')}`);
    const [cx, cy, w, h] = values;
    // Corners are computed from the normalised numbers directly so the only rounding is roundCoord's.
    const box = checkBox({ x: (cx - w / 2) * width, y: (cy - h / 2) * height, w: w * width, h: h * height }, record);
    if (!box.ok) return log.add(`${label}: ${box.reason}`);
    set.boxes.push({ fileName: record.fileName, category, ...box.value });
  });
  return done();
}

/**
 * 10 decimals keep a coordinate's error below 1e-10 of the image size, far under the 1/1000 px grid
 * for any image narrower than a million pixels, so reading back with roundCoord gives the same box.
 */
function formatNormalised(v: number): string {
  const s = v.toFixed(10).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

export function writeYolo(image: { width: number; height: number }, boxes: BoxRecord[], classNames: string[]): string {
  if (!(image.width > 0 && image.height > 0)) {
    throw new SonoError('BAD_INPUT', `YOLO labels need the image size (got ${image.width}x${image.height})`);
  }
  const classIndex = new Map<string, number>();
  classNames.forEach((name, i) => {
    if (!classIndex.has(name)) classIndex.set(name, i);
  });
  return boxes
    .map((box) => {
      const cls = classIndex.get(box.category);
      if (cls === undefined) throw unknownCategoryError(box);
      const x = roundCoord(box.x);
      const y = roundCoord(box.y);
      const w = roundCoord(box.w);
      const h = roundCoord(box.h);
      const numbers = [(x + w / 2) / image.width, (y + h / 2) / image.height, w / image.width, h / image.height];
      return `${cls} ${numbers.map(formatNormalised).join(' ')}\n`;
    })
    .join('');
}

/** Surrounding blanks are dropped; empty lines inside are kept so later class numbers stay in place. */
export function readYoloClasses(text: string): string[] {
  const names = text.replace(/^\uFEFF/, '').split(LINE_BREAK).map((line) => line.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  return names;
}

export function writeYoloClasses(names: string[]): string {
  for (const name of names) {
    if (name === '' || name !== name.trim() || LINE_BREAK.test(name)) {
      throw new SonoError('BAD_INPUT', `category ${quote(name)} cannot be written to classes.txt: names must be non-empty, one line, without surrounding blanks`, name);
    }
  }
  return names.map((name) => `${name}\n`).join('');
}
