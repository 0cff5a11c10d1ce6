import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCoco, readCsv, readVoc, readYolo, readYoloClasses, writeCoco, writeCsv, writeVoc, writeYolo, writeYoloClasses } from './index.js';
import type { AnnotationSet, BoxRecord } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(here, '../../../../shared/data');

function sharedSet(name: string): AnnotationSet {
  const { set, issues } = readCoco(readFileSync(resolve(dataDir, name, 'annotations.coco.json'), 'utf8'), name);
  expect(issues).toEqual([]);
  return set;
}

/** Categories in first-use order and boxes grouped by image, the order CSV preserves. */
const sample: AnnotationSet = {
  images: [
    { fileName: 'images/p01/frame 1.png', width: 800, height: 540, subject: 'p01', split: 'train' },
    { fileName: 'images/leer.png', width: 640, height: 480, subject: 'p02', split: 'test' },
    { fileName: 'images/ñandú, "x".png', width: 37, height: 19, split: 'val' },
  ],
  categories: ['fetal-head', 'nerve', 'vessel'],
  boxes: [
    { fileName: 'images/p01/frame 1.png', category: 'fetal-head', x: 10.125, y: 3.333, w: 200.5, h: 100.001 },
    { fileName: 'images/p01/frame 1.png', category: 'nerve', x: 0, y: 0, w: 800, h: 540 },
    { fileName: 'images/ñandú, "x".png', category: 'vessel', x: 36.999, y: 18.5, w: 0.001, h: 0.999 },
    { fileName: 'images/ñandú, "x".png', category: 'nerve', x: 0.001, y: 0.002, w: 3.333, h: 3.333 },
  ],
};

function boxesOf(set: AnnotationSet, fileName: string): BoxRecord[] {
  return set.boxes.filter((b) => b.fileName === fileName);
}

/** Checks each format reproduces the set: COCO and CSV as a whole, VOC and YOLO image by image. */
function expectEveryFormatReproduces(set: AnnotationSet): void {
  for (const [name, back] of [
    ['coco', readCoco(writeCoco(set), 'out.json')],
    ['csv', readCsv(writeCsv(set), 'out.csv')],
  ] as const) {
    expect(back.issues, name).toEqual([]);
    expect(back.set, name).toStrictEqual(set);
  }

  const classNames = readYoloClasses(writeYoloClasses(set.categories));
  expect(classNames).toEqual(set.categories);
  for (const image of set.images) {
    const boxes = boxesOf(set, image.fileName);

    const voc = readVoc(writeVoc(image, boxes), 'out.xml');
    expect(voc.issues).toEqual([]);
    expect(voc.set.images).toStrictEqual([image]);
    expect(voc.set.boxes).toStrictEqual(boxes);

    if (image.width === undefined || image.height === undefined) throw new Error(`${image.fileName} has no size`);
    const yoloImage = { ...image, width: image.width, height: image.height };
    const yolo = readYolo(writeYolo(yoloImage, boxes, classNames), 'out.txt', yoloImage, classNames);
    expect(yolo.issues).toEqual([]);
    expect(yolo.set.images).toStrictEqual([image]);
    expect(yolo.set.boxes).toStrictEqual(boxes);
  }
}

describe('round trips through every format', () => {
  it('reproduces a hand-made set with fractional boxes, odd names and an image without boxes', () => {
    expectEveryFormatReproduces(sample);
  });

  it('reproduces the hc18-dev boxes', () => {
    const set = sharedSet('hc18-dev');
    expect(set.boxes).toHaveLength(191);
    expectEveryFormatReproduces(set);
  });

  it('reproduces the usgra-dev boxes', () => {
    const set = sharedSet('usgra-dev');
    expect(set.boxes).toHaveLength(512);
    expectEveryFormatReproduces(set);
  });

  it('gives the same COCO file after a detour through CSV', () => {
    const original = writeCoco(sharedSet('usgra-dev'));
    const viaCsv = readCsv(writeCsv(readCoco(original, 'a.json').set), 'a.csv').set;
    expect(writeCoco(viaCsv)).toBe(original);
  });
});
