import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_BYTES } from './checks.js';
import { readCoco, writeCoco } from './coco.js';
import type { AnnotationSet } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(here, '../../../../shared/data');
const readShared = (name: string) => readFileSync(resolve(dataDir, name, 'annotations.coco.json'), 'utf8');

/** A minimal COCO document with one 800x540 image (id 1) and one category (id 1, 'head'). */
function coco(parts: { images?: unknown[]; annotations?: unknown[]; categories?: unknown[] }): string {
  return JSON.stringify({
    images: parts.images ?? [{ id: 1, file_name: 'a.png', width: 800, height: 540 }],
    annotations: parts.annotations ?? [],
    categories: parts.categories ?? [{ id: 1, name: 'head' }],
  });
}

const ann = (over: Record<string, unknown>) => ({ id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 30, 40], area: 1200, iscrowd: 0, ...over });

describe('readCoco on the shared data sets', () => {
  it('reads hc18-dev with subjects and no issues', () => {
    const { set, issues } = readCoco(readShared('hc18-dev'), 'hc18.json');
    expect(issues).toEqual([]);
    expect(set.images).toHaveLength(191);
    expect(set.boxes).toHaveLength(191);
    expect(set.categories).toEqual(['fetal-head']);
    expect(set.images[0]).toEqual({ fileName: 'images/000_HC.png', width: 800, height: 540, subject: '000' });
    expect(set.boxes[0]).toEqual({ fileName: 'images/000_HC.png', category: 'fetal-head', x: 313, y: 269, w: 194, h: 219 });
  });

  it('reads usgra-dev with two categories and no issues', () => {
    const { set, issues } = readCoco(readShared('usgra-dev'), 'usgra.json');
    expect(issues).toEqual([]);
    expect(set.images).toHaveLength(204);
    expect(set.boxes).toHaveLength(512);
    expect(set.categories).toEqual(['nerve', 'vessel']);
    expect(set.images.every((im) => im.subject === undefined && im.width !== undefined && im.height !== undefined)).toBe(true);
    expect(new Set(set.boxes.map((b) => b.category))).toEqual(new Set(['nerve', 'vessel']));
  });
});

describe('writeCoco', () => {
  const set: AnnotationSet = {
    images: [
      { fileName: 'images/p1/a.png', width: 800, height: 540, subject: 'p1', split: 'train' },
      { fileName: 'images/b.png', width: 640, height: 480 },
      { fileName: 'c.png' },
    ],
    categories: ['nerve', 'vessel'],
    boxes: [
      { fileName: 'images/b.png', category: 'vessel', x: 10.125, y: 3.333, w: 100.5, h: 20.25 },
      { fileName: 'images/p1/a.png', category: 'nerve', x: 0, y: 0, w: 800, h: 540 },
    ],
  };

  it('numbers everything from 1 and derives area and iscrowd', () => {
    const doc = JSON.parse(writeCoco(set));
    expect(doc.info.description).toMatch(/SonoTL/);
    expect(doc.images).toEqual([
      { id: 1, file_name: 'images/p1/a.png', width: 800, height: 540, subject: 'p1', split: 'train' },
      { id: 2, file_name: 'images/b.png', width: 640, height: 480 },
      { id: 3, file_name: 'c.png' },
    ]);
    expect(doc.categories).toEqual([
      { id: 1, name: 'nerve' },
      { id: 2, name: 'vessel' },
    ]);
    expect(doc.annotations).toEqual([
      { id: 1, image_id: 2, category_id: 2, bbox: [10.125, 3.333, 100.5, 20.25], area: 2035.125, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 800, 540], area: 432000, iscrowd: 0 },
    ]);
  });

  it('round-trips the whole set exactly', () => {
    const { set: back, issues } = readCoco(writeCoco(set), 'out.json');
    expect(issues).toEqual([]);
    expect(back).toStrictEqual(set);
  });

  it('refuses sets a COCO file could not express', () => {
    expect(() => writeCoco({ ...set, boxes: [{ ...set.boxes[0], fileName: 'missing.png' }] })).toThrow(/not in the annotation set/);
    expect(() => writeCoco({ ...set, boxes: [{ ...set.boxes[0], category: 'bone' }] })).toThrow(/category 'bone'/);
    expect(() => writeCoco({ ...set, images: [...set.images, { fileName: 'c.png' }] })).toThrow(/appears twice/);
  });

  it('numbers repeated category names once', () => {
    const doc = JSON.parse(writeCoco({ ...set, categories: ['nerve', 'nerve', 'vessel'] }));
    expect(doc.categories).toEqual([
      { id: 1, name: 'nerve' },
      { id: 2, name: 'vessel' },
    ]);
  });
});

describe('readCoco on bad input', () => {
  it('reports text that is not JSON', () => {
    const { set, issues } = readCoco('{"images": [', 'bad.json');
    expect(set).toEqual({ images: [], categories: [], boxes: [] });
    expect(issues).toHaveLength(1);
    expect(issues[0].file).toBe('bad.json');
    expect(issues[0].reason).toMatch(/^not valid JSON: /);
  });

  it('reports a top level that is not an object', () => {
    expect(readCoco('[1, 2]', 'f').issues[0].reason).toMatch(/top level must be an object .*got an array/);
    expect(readCoco('null', 'f').issues[0].reason).toMatch(/got null/);
    expect(readCoco('{}', 'f').issues[0].reason).toMatch(/no 'images' list/);
    expect(readCoco('{"images": 3}', 'f').issues[0].reason).toMatch(/'images' must be a list \(got a number\)/);
  });

  it('refuses input over the size limit without parsing it', () => {
    const { issues } = readCoco(' '.repeat(MAX_JSON_BYTES + 1), 'huge.json');
    expect(issues).toHaveLength(1);
    expect(issues[0].reason).toMatch(/larger than 200\.0 MB are refused/);
  });

  it('accepts a byte order mark', () => {
    expect(readCoco(`\uFEFF${coco({})}`, 'f').issues).toEqual([]);
  });

  it('skips a box with a missing, non-numeric or non-finite coordinate and keeps the rest', () => {
    // JSON.parse reads 1e999 as Infinity, the only way a non-finite number reaches a JSON reader.
    const text = coco({
      annotations: [ann({ id: 7, bbox: [10, 20, 30] }), ann({ id: 8, bbox: [10, 'a', 30, 40] }), ann({ id: 9, bbox: 'INF' }), ann({ id: 10, bbox: [10, 20, null, 40] })],
    }).replace('"bbox":"INF"', '"bbox":[10,20,1e999,40]');
    const { set, issues } = readCoco(text, 'f');
    expect(issues.map((i) => i.reason)).toEqual([
      'annotation id 7: bbox must be a list of 4 numbers [x, y, w, h] (got a list of 3)',
      "annotation id 8 (image 'a.png'): y is not a number ('a')",
      "annotation id 9 (image 'a.png'): w is not finite (Infinity)",
      "annotation id 10 (image 'a.png'): w is missing",
    ]);
    expect(set.boxes).toEqual([]);
    expect(set.images).toHaveLength(1);
  });

  it('skips empty boxes and boxes outside the image', () => {
    const { set, issues } = readCoco(
      coco({ annotations: [ann({ id: 1, bbox: [10, 20, 0, 40] }), ann({ id: 2, bbox: [790, 10, 20, 20] }), ann({ id: 3, bbox: [799.5, 539.5, 1, 1] })] }),
      'f',
    );
    expect(issues.map((i) => i.reason)).toEqual([
      "annotation id 1 (image 'a.png'): box width w must be positive (got 0)",
      "annotation id 2 (image 'a.png'): box [790, 10, 20, 20] (x, y, w, h) lies outside the 800x540 image",
    ]);
    expect(set.boxes).toEqual([{ fileName: 'a.png', category: 'head', x: 799.5, y: 539.5, w: 1, h: 1 }]);
  });

  it('reports unknown category and image ids', () => {
    const { set, issues } = readCoco(coco({ annotations: [ann({ id: 4, category_id: 9 }), ann({ id: 5, image_id: 42 }), ann({ id: 6 })] }), 'f');
    expect(issues.map((i) => i.reason)).toEqual(['annotation id 4: unknown category id 9', 'annotation id 5: refers to unknown image id 42']);
    expect(set.boxes).toHaveLength(1);
  });

  it('names annotations without an id by position', () => {
    const { issues } = readCoco(coco({ annotations: [ann({}), { image_id: 1, category_id: 1 }] }), 'f');
    expect(issues[0].reason).toBe('annotation #2: bbox must be a list of 4 numbers [x, y, w, h] (got nothing)');
  });

  it('keeps the first of duplicate image ids', () => {
    const { set, issues } = readCoco(
      coco({
        images: [
          { id: 1, file_name: 'a.png', width: 800, height: 540 },
          { id: 1, file_name: 'b.png', width: 800, height: 540 },
        ],
        annotations: [ann({})],
      }),
      'f',
    );
    expect(issues.map((i) => i.reason)).toEqual(["image id 1 appears more than once; the later entry (file_name 'b.png') is ignored"]);
    expect(set.images.map((i) => i.fileName)).toEqual(['a.png']);
    expect(set.boxes[0].fileName).toBe('a.png');
  });

  it('skips images with unsafe file names together with their boxes, without a second issue per box', () => {
    const images = [
      { id: 1, file_name: '../secret.png', width: 800, height: 540 },
      { id: 2, file_name: '/etc/passwd', width: 800, height: 540 },
      { id: 3, file_name: '..\\..\\windows\\a.png', width: 800, height: 540 },
      { id: 4, file_name: 'a.png\u0000.jpg', width: 800, height: 540 },
      { id: 5, file_name: 'sub\\ok.png', width: 800, height: 540 },
    ];
    const annotations = images.map((im) => ann({ id: im.id, image_id: im.id }));
    const { set, issues } = readCoco(coco({ images, annotations }), 'f');
    expect(issues.map((i) => i.reason)).toEqual([
      expect.stringMatching(/^image id 1: file name '\.\.\/secret\.png' contains a '\.\.' segment.*skipped with its boxes$/),
      expect.stringMatching(/^image id 2: file name '\/etc\/passwd' is an absolute path/),
      expect.stringMatching(/^image id 3: file name .* contains a '\.\.' segment/),
      expect.stringMatching(/^image id 4: file name .* contains a NUL byte/),
    ]);
    expect(set.images).toEqual([{ fileName: 'sub/ok.png', width: 800, height: 540 }]);
    expect(set.boxes).toEqual([{ fileName: 'sub/ok.png', category: 'head', x: 10, y: 20, w: 30, h: 40 }]);
  });

  it('skips an image that reuses another image’s file name', () => {
    const images = [
      { id: 1, file_name: 'a.png', width: 800, height: 540 },
      { id: 2, file_name: 'a.png', width: 800, height: 540 },
    ];
    const { set, issues } = readCoco(coco({ images, annotations: [ann({ image_id: 2 })] }), 'f');
    expect(issues.map((i) => i.reason)).toEqual(["image id 2: file name 'a.png' is already used by image id 1; skipped with its boxes"]);
    expect(set.boxes).toEqual([]);
  });

  it('skips images with an impossible size and ignores bad subject or split values', () => {
    const images = [
      { id: 1, file_name: 'a.png', width: 800, height: 540, subject: ['x'], split: 'training' },
      { id: 2, file_name: 'b.png', width: -5, height: 540 },
    ];
    const { set, issues } = readCoco(coco({ images }), 'f');
    expect(issues.map((i) => i.reason)).toEqual([
      expect.stringMatching(/^image id 1 \('a\.png'\): subject must be text .*subject ignored$/),
      expect.stringMatching(/^image id 1 \('a\.png'\): split must be one of train, val, test \(got 'training'\); split ignored$/),
      expect.stringMatching(/^image id 2 \('b\.png'\): width must be a positive whole number of pixels \(got -5\); skipped with its boxes$/),
    ]);
    expect(set.images).toEqual([{ fileName: 'a.png', width: 800, height: 540 }]);
  });

  it('reports bad categories and keeps the first of duplicate category ids', () => {
    const categories = [{ id: 1, name: 'head' }, { id: 1, name: 'body' }, { id: 2 }, 'x'];
    const { set, issues } = readCoco(coco({ categories, annotations: [ann({ category_id: 2 })] }), 'f');
    expect(issues.map((i) => i.reason)).toEqual([
      "category id 1 appears more than once; the entry named 'body' is ignored",
      'category id 2: name is missing or empty',
      'category #4 is not an object',
      'annotation id 1: unknown category id 2',
    ]);
    expect(set.categories).toEqual(['head']);
  });

  it('reads numeric subjects and rounds coordinates to the grid', () => {
    const { set, issues } = readCoco(coco({ images: [{ id: 1, file_name: 'a.png', width: 800, height: 540, subject: 12 }], annotations: [ann({ bbox: [1.00049, 2.9996, 3.1234, 4] })] }), 'f');
    expect(issues).toEqual([]);
    expect(set.images[0].subject).toBe('12');
    expect(set.boxes[0]).toMatchObject({ x: 1, y: 3, w: 3.123, h: 4 });
  });
});
