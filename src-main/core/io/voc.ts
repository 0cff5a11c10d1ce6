/**
 * Pascal VOC XML: one file per image.
 *
 * Coordinate convention: SonoTL boxes are continuous pixel coordinates, so xmin = x and xmax = x + w
 * (likewise for y). The original VOC tools treat corners as 1-based inclusive pixel indices and add or
 * subtract 1; SonoTL does not, so a box written and read back is exactly the same box. Files from tools
 * that use the inclusive convention therefore read up to 1 px larger than their authors meant.
 *
 * Besides the standard elements, SonoTL writes `<subject>` and `<split>` when the image has them, so a
 * round trip keeps them; VOC readers in other tools ignore unknown elements.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SonoError, errorMessage } from '../errors.js';
import {
  IssueLog,
  MAX_XML_BYTES,
  checkBox,
  checkFileName,
  checkImageSize,
  checkSplit,
  checkSubject,
  checkTextSize,
  formatCoord,
  makeImage,
  quote,
  readNumber,
} from './checks.js';
import type { AnnotatedImage, AnnotationSet, BoxRecord, ReadResult } from './types.js';
import { roundCoord } from './types.js';

const CDATA = '__cdata';

// Entity expansion is off: a DOCTYPE can define entities that expand exponentially ("billion laughs").
// The predefined XML entities and character references are decoded by decodeText instead.
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  cdataPropName: CDATA,
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

type XmlNode = Record<string, unknown>;

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text of an element: plain text, or CDATA (which is not entity-decoded). Undefined for anything else. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return decodeText(v);
  if (isNode(v) && Object.keys(v).length === 1 && typeof v[CDATA] === 'string') return v[CDATA];
  return undefined;
}

/** Text of a leaf used as a number; a repeated or nested element counts as not a number. */
function numberText(v: unknown): unknown {
  return v === undefined ? undefined : textOf(v) ?? v;
}

function asList(v: unknown): unknown[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function readVoc(xml: string, file: string): ReadResult {
  const log = new IssueLog(file);
  const set: AnnotationSet = { images: [], categories: [], boxes: [] };
  const done = (): ReadResult => ({ set, issues: log.list() });

  const tooBig = checkTextSize(xml, MAX_XML_BYTES, 'VOC XML');
  if (tooBig) {
    log.add(tooBig);
    return done();
  }
  const text = xml.replace(/^\uFEFF/, '');
  if (/<!DOCTYPE/i.test(text)) {
    log.add('refused: the file has a DOCTYPE declaration, which can define entities; VOC files need none');
    return done();
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    log.add(`not valid XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
    return done();
  }
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (e) {
    log.add(`not valid XML: ${errorMessage(e)}`);
    return done();
  }
  const root = isNode(doc) ? doc.annotation : undefined;
  if (!isNode(root)) {
    log.add('not a VOC file: there is no <annotation> element with content at the top');
    return done();
  }

  const name = checkFileName(textOf(root.filename));
  if (!name.ok) {
    log.add(`<filename>: ${name.reason}; the image and its objects are skipped`);
    return done();
  }
  const sizeNode = isNode(root.size) ? root.size : {};
  const size = checkImageSize(numberText(sizeNode.width), numberText(sizeNode.height));
  if (!size.ok) {
    log.add(`<size> of ${quote(name.value)}: ${size.reason}; the image and its objects are skipped`);
    return done();
  }
  const subject = checkSubject(textOf(root.subject));
  if (!subject.ok) log.add(`<subject>: ${subject.reason}; subject ignored`);
  const split = checkSplit(textOf(root.split));
  if (!split.ok) log.add(`<split>: ${split.reason}; split ignored`);
  const image = makeImage(name.value, size.value, subject.ok ? subject.value : undefined, split.ok ? split.value : undefined);
  set.images.push(image);

  asList(root.object).forEach((obj, i) => {
    const node = isNode(obj) ? obj : {};
    const category = textOf(node.name);
    const label = `object #${i + 1}${category ? ` (${quote(category)})` : ''}`;
    if (!category) return log.add(`${label}: <name> is missing or empty`);
    if (!set.categories.includes(category)) set.categories.push(category);
    const bnd = isNode(node.bndbox) ? node.bndbox : undefined;
    if (!bnd) return log.add(`${label}: <bndbox> is missing`);
    const reasons: string[] = [];
    const edges: Record<string, number> = {};
    for (const key of ['xmin', 'ymin', 'xmax', 'ymax']) {
      const n = readNumber(key, numberText(bnd[key]));
      if (n.ok) edges[key] = roundCoord(n.value);
      else reasons.push(n.reason);
    }
    if (reasons.length > 0) return log.add(`${label}: ${reasons.join('; ')}`);
    if (edges.xmax <= edges.xmin) reasons.push(`xmax (${edges.xmax}) must be greater than xmin (${edges.xmin})`);
    if (edges.ymax <= edges.ymin) reasons.push(`ymax (${edges.ymax}) must be greater than ymin (${edges.ymin})`);
    if (reasons.length > 0) return log.add(`${label}: ${reasons.join('; ')}`);
    // Edges are rounded before subtracting so both stay on the 1/1000 px grid.
    const box = checkBox({ x: edges.xmin, y: edges.ymin, w: edges.xmax - edges.xmin, h: edges.ymax - edges.ymin }, image);
    if (!box.ok) return log.add(`${label}: ${box.reason}`);
    set.boxes.push({ fileName: image.fileName, category, ...box.value });
  });
  return done();
}

// XML 1.0 cannot carry these characters at all, escaped or not.
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function escapeXml(s: string): string {
  if (XML_FORBIDDEN.test(s)) throw new SonoError('BAD_INPUT', `${quote(s)} contains control characters that XML cannot hold`, s);
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function element(name: string, value: string | number, indent: string): string {
  return `${indent}<${name}>${typeof value === 'number' ? value : escapeXml(value)}</${name}>`;
}

/**
 * Writes the VOC file of one image. `<filename>` holds the whole relative path (SonoTL's file name),
 * and the depth is written as 3 because detectors that read VOC feed images as RGB.
 */
export function writeVoc(image: AnnotatedImage, boxes: BoxRecord[]): string {
  const lines = ['<annotation>', element('filename', image.fileName, '  ')];
  if (image.width !== undefined && image.height !== undefined) {
    lines.push('  <size>', element('width', image.width, '    '), element('height', image.height, '    '), element('depth', 3, '    '), '  </size>');
  }
  if (image.subject !== undefined) lines.push(element('subject', image.subject, '  '));
  if (image.split !== undefined) lines.push(element('split', image.split, '  '));
  lines.push(element('segmented', 0, '  '));
  for (const box of boxes) {
    if (box.fileName !== image.fileName) {
      throw new SonoError('BAD_INPUT', `a box of ${quote(box.fileName)} was given for the VOC file of ${quote(image.fileName)}`, box.fileName);
    }
    lines.push(
      '  <object>',
      element('name', box.category, '    '),
      element('pose', 'Unspecified', '    '),
      element('truncated', 0, '    '),
      element('difficult', 0, '    '),
      '    <bndbox>',
      `      <xmin>${formatCoord(box.x)}</xmin>`,
      `      <ymin>${formatCoord(box.y)}</ymin>`,
      `      <xmax>${formatCoord(box.x + box.w)}</xmax>`,
      `      <ymax>${formatCoord(box.y + box.h)}</ymax>`,
      '    </bndbox>',
      '  </object>',
    );
  }
  lines.push('</annotation>', '');
  return lines.join('\n');
}
