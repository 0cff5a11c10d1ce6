import { describe, expect, it } from 'vitest';
import type { BoxRecord } from './types.js';
import type { YoloImage } from './yolo.js';
import { readYolo, readYoloClasses, writeYolo, writeYoloClasses } from './yolo.js';

const image: YoloImage = { fileName: 'images/a.png', width: 800, height: 540 };
const classes = ['nerve', 'vessel'];

describe('writeYolo', () => {
  it('writes class index and normalised centre and size', () => {
    const boxes: BoxRecord[] = [{ fileName: 'images/a.png', category: 'vessel', x: 100, y: 54, w: 200, h: 108 }];
    expect(writeYolo(image, boxes, classes)).toBe('1 0.25 0.2 0.25 0.2\n');
  });

  it('writes an empty file for an image without boxes', () => {
    expect(writeYolo(image, [], classes)).toBe('');
  });

  it('refuses categories missing from the class list and images without a size', () => {
    expect(() => writeYolo(image, [{ fileName: 'a', category: 'bone', x: 1, y: 1, w: 1, h: 1 }], classes)).toThrow(/category 'bone'/);
    expect(() => writeYolo({ width: 0, height: 540 }, [], classes)).toThrow(/image size/);
  });
});

describe('YOLO round trip', () => {
  it('returns the same boxes, including non-integer ones and boxes at the edges', () => {
    const fileName = image.fileName;
    const boxes: BoxRecord[] = [
      { fileName, category: 'nerve', x: 10.125, y: 3.333, w: 100.001, h: 0.001 },
      { fileName, category: 'vessel', x: 0, y: 0, w: 800, h: 540 },
      { fileName, category: 'nerve', x: -0.5, y: 539.499, w: 0.5, h: 1 },
    ];
    const subjectImage: YoloImage = { ...image, subject: 'p7', split: 'test' };
    const { set, issues } = readYolo(writeYolo(subjectImage, boxes, classes), 'a.txt', subjectImage, classes);
    expect(issues).toEqual([]);
    expect(set).toStrictEqual({ images: [subjectImage], categories: classes, boxes });
  });

  it('is exact for many grid boxes on small and very large images', () => {
    // A fixed LCG keeps the test reproducible.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (const [width, height] of [[1, 1], [37, 19], [800, 540], [4096, 3072], [100_000, 60_000]]) {
      const img: YoloImage = { fileName: 'x.png', width, height };
      const grid = (max: number) => Math.floor(random() * max * 1000) / 1000;
      const boxes: BoxRecord[] = [];
      for (let i = 0; i < 400; i++) {
        const x = grid(width - 0.001);
        const y = grid(height - 0.001);
        const w = Math.max(0.001, grid(width - x));
        const h = Math.max(0.001, grid(height - y));
        boxes.push({ fileName: 'x.png', category: 'nerve', x, y, w, h });
      }
      const back = readYolo(writeYolo(img, boxes, classes), 'x.txt', img, classes);
      expect(back.issues).toEqual([]);
      expect(back.set.boxes).toStrictEqual(boxes);
    }
  });
});

describe('readYolo on bad input', () => {
  it('reports each bad line by number and keeps the good ones', () => {
    const text = [
      '0 0.5 0.5 0.1 0.1',
      '',
      '0 0.5 0.5 0.1',
      '2 0.5 0.5 0.1 0.1',
      '-1 0.5 0.5 0.1 0.1',
      '0.5 0.5 0.5 0.1 0.1',
      'a 0.5 0.5 0.1 0.1',
      '1 0.5 x 0.1 0.1',
      '1 0.5 0.5 0 0.1',
      '1 0.99 0.5 0.1 0.1',
      '1 0.5 0.5 inf 0.1',
      '0 0.5 0.5 0.1 0.1 0.97',
      '  1\t0.25   0.25 0.5 0.5  ',
    ].join('\r\n');
    const { set, issues } = readYolo(text, 'a.txt', image, classes);
    expect(issues.map((i) => i.reason)).toEqual([
      'line 3: expected 5 fields (class cx cy w h), found 4',
      'line 4: unknown class 2 (the class list has 2 classes, numbered from 0)',
      'line 5: unknown class -1 (the class list has 2 classes, numbered from 0)',
      'line 6: unknown class 0.5 (the class list has 2 classes, numbered from 0)',
      "line 7: class is not a number ('a')",
      "line 8: cy is not a number ('x')",
      'line 9: box width w must be positive (got 0)',
      'line 10: box [752, 243, 80, 54] (x, y, w, h) lies outside the 800x540 image',
      "line 11: w is not finite ('inf')",
      'line 12: expected 5 fields (class cx cy w h), found 6',
    ]);
    expect(set.boxes).toEqual([
      { fileName: 'images/a.png', category: 'nerve', x: 360, y: 243, w: 80, h: 54 },
      { fileName: 'images/a.png', category: 'vessel', x: 0, y: 0, w: 400, h: 270 },
    ]);
  });

  it('reports a class with an empty name', () => {
    const { issues } = readYolo('1 0.5 0.5 0.1 0.1\n', 'a.txt', image, ['a', '', 'c']);
    expect(issues[0].reason).toBe('line 1: class 1 has an empty name in the class list');
  });

  it('refuses an unsafe image name or an image without a usable size', () => {
    const bad = readYolo('0 0.5 0.5 0.1 0.1', 'a.txt', { ...image, fileName: '..\\a.png' }, classes);
    expect(bad.set.images).toEqual([]);
    expect(bad.issues[0].reason).toMatch(/'\.\.' segment.*labels are skipped/);
    const sizeless = readYolo('0 0.5 0.5 0.1 0.1', 'a.txt', { ...image, width: Number.NaN }, classes);
    expect(sizeless.set.boxes).toEqual([]);
    expect(sizeless.issues[0].reason).toMatch(/width is not finite/);
  });

  it('normalises backslashes in the image name', () => {
    const { set } = readYolo('', 'a.txt', { ...image, fileName: 'images\\a.png' }, classes);
    expect(set.images[0].fileName).toBe('images/a.png');
  });
});

describe('classes.txt', () => {
  it('round-trips class names', () => {
    const names = ['fetal-head', 'nerve é', 'a,b "c"'];
    expect(writeYoloClasses(names)).toBe('fetal-head\nnerve é\na,b "c"\n');
    expect(readYoloClasses(writeYoloClasses(names))).toEqual(names);
  });

  it('trims lines and trailing blank lines but keeps inner blank lines in place', () => {
    expect(readYoloClasses('\uFEFFa \r\n\r\n c\r\n\r\n')).toEqual(['a', '', 'c']);
    expect(readYoloClasses('')).toEqual([]);
  });

  it('refuses names that would not read back the same', () => {
    expect(() => writeYoloClasses(['a\nb'])).toThrow(/one line/);
    expect(() => writeYoloClasses([''])).toThrow(/non-empty/);
    expect(() => writeYoloClasses([' a'])).toThrow(/surrounding blanks/);
  });
});
