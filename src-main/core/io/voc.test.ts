import { describe, expect, it } from 'vitest';
import { MAX_XML_BYTES } from './checks.js';
import type { AnnotatedImage, BoxRecord } from './types.js';
import { readVoc, writeVoc } from './voc.js';

function vocObject(name: string, xmin: string | number, ymin: string | number, xmax: string | number, ymax: string | number): string {
  return `<object><name>${name}</name><bndbox><xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax></bndbox></object>`;
}

function voc(objects: string, filename = 'a.png', size = '<size><width>800</width><height>540</height><depth>3</depth></size>'): string {
  return `<?xml version="1.0"?>\n<annotation><folder>VOC2007</folder><filename>${filename}</filename>${size}${objects}</annotation>`;
}

describe('writeVoc and readVoc', () => {
  const image: AnnotatedImage = { fileName: 'images/p1/a & <b>.png', width: 800, height: 540, subject: 'p1', split: 'val' };
  const boxes: BoxRecord[] = [
    { fileName: image.fileName, category: 'nerve', x: 10.125, y: 3.333, w: 100.5, h: 20.001 },
    { fileName: image.fileName, category: 'vessel "v"', x: 0, y: 0, w: 800, h: 540 },
    { fileName: image.fileName, category: 'nerve', x: 799.5, y: 0.001, w: 0.999, h: 1 },
  ];

  it('writes corners as x and x + w, without a 1 px shift', () => {
    const xml = writeVoc(image, boxes);
    expect(xml).toContain('<xmin>10.125</xmin>');
    expect(xml).toContain('<xmax>110.625</xmax>');
    expect(xml).toContain('<ymax>23.334</ymax>');
    expect(xml).toContain('<filename>images/p1/a &amp; &lt;b&gt;.png</filename>');
    expect(xml).toContain('<width>800</width>');
  });

  it('round-trips an image and its boxes exactly', () => {
    const { set, issues } = readVoc(writeVoc(image, boxes), 'a.xml');
    expect(issues).toEqual([]);
    expect(set).toStrictEqual({ images: [image], categories: ['nerve', 'vessel "v"'], boxes });
  });

  it('round-trips an image without boxes or size', () => {
    const bare: AnnotatedImage = { fileName: 'b.png' };
    const { set, issues } = readVoc(writeVoc(bare, []), 'b.xml');
    expect(issues).toEqual([]);
    expect(set).toStrictEqual({ images: [bare], categories: [], boxes: [] });
  });

  it('refuses boxes of another image and names XML cannot hold', () => {
    expect(() => writeVoc(image, [{ ...boxes[0], fileName: 'other.png' }])).toThrow(/'other\.png' was given for the VOC file/);
    expect(() => writeVoc({ fileName: 'a\u0001.png' }, [])).toThrow(/control characters/);
  });
});

describe('readVoc on files from other tools', () => {
  it('reads a single object, decodes entities and character references, and ignores extra elements', () => {
    const xml = voc(`<object><name>fetal&#x2D;head</name><pose>Unspecified</pose><difficult>0</difficult><bndbox><xmin> 1 </xmin><ymin>2</ymin><xmax>11.5</xmax><ymax>22</ymax></bndbox></object>`, 'img&amp;1.png');
    const { set, issues } = readVoc(xml, 'a.xml');
    expect(issues).toEqual([]);
    expect(set.images).toEqual([{ fileName: 'img&1.png', width: 800, height: 540 }]);
    expect(set.boxes).toEqual([{ fileName: 'img&1.png', category: 'fetal-head', x: 1, y: 2, w: 10.5, h: 20 }]);
  });

  it('takes CDATA text literally', () => {
    const { set } = readVoc(voc(vocObject('<![CDATA[a &amp; b]]>', 1, 2, 3, 4)), 'a.xml');
    expect(set.categories).toEqual(['a &amp; b']);
  });

  it('reads a file without <size> and skips the extent check', () => {
    const { set, issues } = readVoc(voc(vocObject('x', 1000, 1000, 1010, 1010), 'a.png', ''), 'a.xml');
    expect(issues).toEqual([]);
    expect(set.images).toEqual([{ fileName: 'a.png' }]);
    expect(set.boxes).toHaveLength(1);
  });
});

describe('readVoc on bad input', () => {
  it('refuses a DOCTYPE, so entities cannot expand', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><annotation><filename>&lol2;</filename></annotation>`;
    const { set, issues } = readVoc(bomb, 'bomb.xml');
    expect(set.images).toEqual([]);
    expect(issues).toEqual([{ file: 'bomb.xml', reason: expect.stringMatching(/DOCTYPE/) }]);
  });

  it('leaves undeclared entities unexpanded', () => {
    const { set } = readVoc(voc('', '&xxe;.png'), 'a.xml');
    expect(set.images[0].fileName).toBe('&xxe;.png');
  });

  it('refuses input over 10 MB', () => {
    const { issues } = readVoc(voc(`<!--${'x'.repeat(MAX_XML_BYTES)}-->`), 'big.xml');
    expect(issues).toHaveLength(1);
    expect(issues[0].reason).toMatch(/VOC XML files larger than 10\.0 MB are refused/);
  });

  it('reports malformed XML with its position', () => {
    const { issues } = readVoc('<annotation><filename>a.png</annotation>', 'a.xml');
    expect(issues[0].reason).toMatch(/^not valid XML: .*line 1, column \d+/);
  });

  it('reports XML that is not a VOC annotation', () => {
    expect(readVoc('<svg><g/></svg>', 'a.xml').issues[0].reason).toMatch(/no <annotation> element/);
  });

  it('skips the whole image when its file name is unsafe', () => {
    for (const name of ['../x.png', '/abs/x.png', '..\\..\\x.png', 'C:\\x.png']) {
      const { set, issues } = readVoc(voc(vocObject('a', 1, 1, 5, 5), name), 'a.xml');
      expect(set.images).toEqual([]);
      expect(set.boxes).toEqual([]);
      expect(issues[0].reason).toMatch(/^<filename>: file name .*(absolute path|'\.\.' segment).*skipped$/);
    }
    expect(readVoc(voc('', ''), 'a.xml').issues[0].reason).toMatch(/<filename>: file name is empty/);
    expect(readVoc('<annotation><size><width>8</width><height>8</height></size></annotation>', 'a.xml').issues[0].reason).toMatch(/<filename>: file name is missing/);
  });

  it('skips the image when its size is impossible', () => {
    const { set, issues } = readVoc(voc(vocObject('a', 1, 1, 5, 5), 'a.png', '<size><width>0</width><height>540</height></size>'), 'a.xml');
    expect(set.images).toEqual([]);
    expect(issues[0].reason).toMatch(/^<size> of 'a\.png': width must be a positive whole number/);
  });

  it('skips bad objects by number and keeps the good ones', () => {
    const objects = [
      vocObject('ok', 1, 1, 5, 5),
      vocObject('', 1, 1, 5, 5),
      '<object><name>nobox</name></object>',
      vocObject('nan', 'a', 1, 5, 5),
      vocObject('missing', 1, 1, '', 5),
      vocObject('flat', 5, 1, 5, 5),
      vocObject('far', 790, 10, 810, 20),
      vocObject('inf', 1, 1, 5, 'Infinity'),
    ].join('');
    const { set, issues } = readVoc(voc(objects), 'a.xml');
    expect(issues.map((i) => i.reason)).toEqual([
      'object #2: <name> is missing or empty',
      "object #3 ('nobox'): <bndbox> is missing",
      "object #4 ('nan'): xmin is not a number ('a')",
      "object #5 ('missing'): xmax is missing",
      "object #6 ('flat'): xmax (5) must be greater than xmin (5)",
      "object #7 ('far'): box [790, 10, 20, 10] (x, y, w, h) lies outside the 800x540 image",
      "object #8 ('inf'): ymax is not finite ('Infinity')",
    ]);
    expect(set.boxes).toEqual([{ fileName: 'a.png', category: 'ok', x: 1, y: 1, w: 4, h: 4 }]);
  });

  it('ignores an unknown split and keeps the image', () => {
    const { set, issues } = readVoc(voc('').replace('</annotation>', '<split>holdout</split></annotation>'), 'a.xml');
    expect(set.images).toEqual([{ fileName: 'a.png', width: 800, height: 540 }]);
    expect(issues[0].reason).toMatch(/<split>: split must be one of train, val, test \(got 'holdout'\); split ignored/);
  });
});
