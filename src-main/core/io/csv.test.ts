import { describe, expect, it } from 'vitest';
import { readCsv, writeCsv } from './csv.js';
import type { AnnotationSet } from './types.js';

const HEADER = 'file_name,width,height,subject,split,category,x,y,w,h';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');

describe('writeCsv', () => {
  const set: AnnotationSet = {
    images: [
      { fileName: 'images/a, "b".png', width: 800, height: 540, subject: 'Zoë, P.', split: 'train' },
      { fileName: 'images/empty.png', width: 640, height: 480 },
      { fileName: 'images/ünï/c.png' },
    ],
    categories: ['nerve', 'vessel "main", left'],
    boxes: [
      { fileName: 'images/a, "b".png', category: 'nerve', x: 10.125, y: 3.333, w: 100.5, h: 20.001 },
      { fileName: 'images/a, "b".png', category: 'vessel "main", left', x: 0, y: 0, w: 800, h: 540 },
      { fileName: 'images/ünï/c.png', category: 'nerve', x: 5000, y: 1, w: 2, h: 3 },
    ],
  };

  it('writes one quoted row per box and a bare row for an image without boxes', () => {
    expect(writeCsv(set).split('\r\n')).toEqual([
      HEADER,
      '"images/a, ""b"".png",800,540,"Zoë, P.",train,nerve,10.125,3.333,100.5,20.001',
      '"images/a, ""b"".png",800,540,"Zoë, P.",train,"vessel ""main"", left",0,0,800,540',
      'images/empty.png,640,480,,,,,,,',
      'images/ünï/c.png,,,,,nerve,5000,1,2,3',
      '',
    ]);
  });

  it('round-trips the whole set exactly', () => {
    const { set: back, issues } = readCsv(writeCsv(set), 'out.csv');
    expect(issues).toEqual([]);
    expect(back).toStrictEqual(set);
  });

  it('keeps a name with a line break', () => {
    const withBreak: AnnotationSet = { images: [{ fileName: 'a\nb.png', width: 10, height: 10 }], categories: ['x\r\ny'], boxes: [{ fileName: 'a\nb.png', category: 'x\r\ny', x: 1, y: 1, w: 1, h: 1 }] };
    expect(readCsv(writeCsv(withBreak), 'f').set).toStrictEqual(withBreak);
  });

  it('refuses sets CSV could not express', () => {
    expect(() => writeCsv({ ...set, boxes: [{ ...set.boxes[0], fileName: 'nope.png' }] })).toThrow(/not in the annotation set/);
    expect(() => writeCsv({ ...set, boxes: [{ ...set.boxes[0], category: ' ' }] })).toThrow(/empty category/);
  });
});

describe('readCsv', () => {
  it('accepts CRLF, a byte order mark and columns in any order', () => {
    const text = '\uFEFFcategory,file_name,x,y,w,h\r\nnerve,a.png,1,2,3,4\r\n';
    const { set, issues } = readCsv(text, 'f.csv');
    expect(issues).toEqual([]);
    expect(set).toEqual({ images: [{ fileName: 'a.png' }], categories: ['nerve'], boxes: [{ fileName: 'a.png', category: 'nerve', x: 1, y: 2, w: 3, h: 4 }] });
  });

  it('reports an empty file and a header without the needed columns', () => {
    expect(readCsv('', 'f').issues[0].reason).toMatch(/the file is empty; expected the header file_name,width/);
    expect(readCsv('file_name,category,x\na.png,n,1\n', 'f').issues[0].reason).toBe(`line 1: the header lacks y, w, h; expected ${HEADER}`);
  });

  it('skips bad rows by line number and keeps the good ones', () => {
    const text = csv(
      'a.png,800,540,,,n,1,2,3,4',
      'a.png,800,540,,,n,1,2,3',
      'a.png,800,540,,,n,1,x,3,4',
      'a.png,800,540,,,n,1,2,0,4',
      'a.png,800,540,,,n,790,10,20,20',
      'a.png,800,540,,,n,1,2,NaN,4',
      'a.png,800,540,,,,1,2,3,4',
      'a.png,800,540,,,n,,,,',
      'b.png,0,540,,,n,1,2,3,4',
      '"bad"x,800,540,,,n,1,2,3,4',
      'a.png,800,540,,,n,5,6,7,8',
    );
    const { set, issues } = readCsv(text, 'f.csv');
    expect(issues.map((i) => i.reason)).toEqual([
      'line 3: has 9 fields, the header has 10; row skipped',
      "line 4 ('a.png'): y is not a number ('x')",
      "line 5 ('a.png'): box width w must be positive (got 0)",
      "line 6 ('a.png'): box [790, 10, 20, 20] (x, y, w, h) lies outside the 800x540 image",
      "line 7 ('a.png'): w is not finite ('NaN')",
      "line 8 ('a.png'): the row has coordinates but no category",
      "line 9 ('a.png'): x is missing; y is missing; w is missing; h is missing",
      "line 10 ('b.png'): width must be a positive whole number of pixels (got 0); row skipped",
      'line 11: text follows a closing quote; quotes inside a field must be doubled',
    ]);
    expect(set.boxes).toEqual([
      { fileName: 'a.png', category: 'n', x: 1, y: 2, w: 3, h: 4 },
      { fileName: 'a.png', category: 'n', x: 5, y: 6, w: 7, h: 8 },
    ]);
    expect(set.images).toEqual([{ fileName: 'a.png', width: 800, height: 540 }]);
  });

  it('skips rows with unsafe file names and normalises backslashes', () => {
    const text = csv('../up.png,8,8,,,n,1,1,1,1', '/abs.png,8,8,,,n,1,1,1,1', '"..\\\\up.png",8,8,,,n,1,1,1,1', '"a\0.png",8,8,,,n,1,1,1,1', 'sub\\ok.png,8,8,,,n,1,1,1,1');
    const { set, issues } = readCsv(text, 'f.csv');
    expect(issues.map((i) => i.reason)).toEqual([
      expect.stringMatching(/^line 2: file name '\.\.\/up\.png' contains a '\.\.' segment.*row skipped$/),
      expect.stringMatching(/^line 3: file name '\/abs\.png' is an absolute path/),
      expect.stringMatching(/^line 4: file name .* contains a '\.\.' segment/),
      expect.stringMatching(/^line 5: file name .* contains a NUL byte/),
    ]);
    expect(set.images).toEqual([{ fileName: 'sub/ok.png', width: 8, height: 8 }]);
    expect(set.boxes).toHaveLength(1);
  });

  it('skips a row that contradicts the image described earlier', () => {
    const text = csv('a.png,800,540,p1,train,n,1,2,3,4', 'a.png,640,540,p1,train,n,5,6,7,8', 'a.png,800,540,p2,train,n,5,6,7,8');
    const { set, issues } = readCsv(text, 'f.csv');
    expect(issues.map((i) => i.reason)).toEqual([
      "line 3: image 'a.png' has width '640' here, unlike line 2; row skipped",
      "line 4: image 'a.png' has subject 'p2' here, unlike line 2; row skipped",
    ]);
    expect(set.boxes).toHaveLength(1);
  });

  it('ignores an unknown split and keeps the row', () => {
    const { set, issues } = readCsv(csv('a.png,800,540,,holdout,n,1,2,3,4'), 'f.csv');
    expect(issues[0].reason).toMatch(/^line 2 \('a\.png'\): split must be one of train, val, test \(got 'holdout'\); split ignored$/);
    expect(set.images).toEqual([{ fileName: 'a.png', width: 800, height: 540 }]);
    expect(set.boxes).toHaveLength(1);
  });

  it('reports an unterminated quote after keeping the rows before it', () => {
    const { set, issues } = readCsv(csv('a.png,8,8,,,n,1,1,1,1', '"b.png,8,8,,,n,1,1,1,1'), 'f.csv');
    expect(set.boxes).toHaveLength(1);
    expect(issues.map((i) => i.reason)).toEqual(['line 3: a quoted field is never closed; the rest of the file is ignored']);
  });
});
