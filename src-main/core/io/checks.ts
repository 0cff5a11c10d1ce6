/**
 * Checks shared by every reader: file names, image sizes, box coordinates and input size. Each check
 * returns a reason instead of throwing, so a reader can report the item and carry on with the rest.
 */
import type { AnnotatedImage, InputIssue } from './types.js';
import { roundCoord } from './types.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** Boxes drawn to the very edge often end a fraction of a pixel beyond it after resampling or rounding. */
export const EDGE_SLACK_PX = 0.5;

export const MAX_JSON_BYTES = 200_000_000;
/** CSV and YOLO are as easy to inflate as JSON, so they share its limit. */
export const MAX_TEXT_BYTES = MAX_JSON_BYTES;
/** A VOC file describes one image; anything near this size is not an annotation file. */
export const MAX_XML_BYTES = 10_000_000;

/**
 * A hostile file can hold millions of bad items; past this many issues the rest are only counted, so
 * the report stays readable and memory stays bounded.
 */
export const MAX_ISSUES = 1000;

/** Collects issues for one file, keeping at most MAX_ISSUES and summarising the rest. */
export class IssueLog {
  private readonly kept: InputIssue[] = [];
  private dropped = 0;

  constructor(private readonly file: string) {}

  add(reason: string): void {
    if (this.kept.length < MAX_ISSUES) this.kept.push({ file: this.file, reason });
    else this.dropped++;
  }

  list(): InputIssue[] {
    if (this.dropped === 0) return [...this.kept];
    return [...this.kept, { file: this.file, reason: `${this.dropped} more problems not listed` }];
  }
}

/** Quotes a value from the file for a message, cut short so a hostile value cannot flood the report. */
export function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : shortJson(value, 61);
  const shown = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `'${shown.replace(/\0/g, '\\0').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

/**
 * The start of a parsed JSON value's JSON text: the same characters JSON.stringify would give, but it
 * stops once `limit` characters are out. Fuzzing found that quote() used JSON.stringify on the whole
 * value, which throws RangeError (call stack exceeded) on a value nested 100 000 levels deep
 * (`"file_name": [[[[...]]]]`) and builds a huge string to show 60 characters of a huge one; the
 * reader then threw instead of reporting the item. Depth is bounded too, so this never recurses far.
 * Regression test: test/fuzz/importers.test.ts ("deeply nested JSON").
 */
function shortJson(value: unknown, limit: number): string {
  let out = '';
  const emit = (s: string): boolean => {
    out += s;
    return out.length < limit;
  };
  const visit = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v !== 'object') return emit(JSON.stringify(v) ?? String(v));
    if (depth > 32) return emit('...');
    const isArray = Array.isArray(v);
    if (!emit(isArray ? '[' : '{')) return false;
    const keys = isArray ? null : Object.keys(v);
    const n = isArray ? (v as unknown[]).length : keys!.length;
    for (let i = 0; i < n; i++) {
      if (i > 0 && !emit(',')) return false;
      if (keys) {
        if (!emit(`${JSON.stringify(keys[i])}:`)) return false;
        if (!visit((v as Record<string, unknown>)[keys[i]], depth + 1)) return false;
      } else if (!visit((v as unknown[])[i] ?? null, depth + 1)) return false;
    }
    return emit(isArray ? ']' : '}');
  };
  visit(value, 0);
  return out;
}

/** A reason for refusing the whole text, or undefined when it is small enough to parse. */
export function checkTextSize(text: string, limitBytes: number, kind: string): string | undefined {
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so the exact count is only needed near the limit.
  if (text.length * 3 <= limitBytes) return undefined;
  const bytes = text.length > limitBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes <= limitBytes) return undefined;
  const mb = (n: number) => (n / 1_000_000).toFixed(1);
  return `file is ${mb(bytes)} MB; ${kind} files larger than ${mb(limitBytes)} MB are refused`;
}

/**
 * Normalises a file name from an annotation file and refuses names that could reach outside the
 * image folder once joined to it: absolute paths, drive letters, `..` segments (also written with
 * backslashes) and NUL bytes, which truncate paths in native code.
 */
export function checkFileName(raw: unknown): Checked<string> {
  if (typeof raw !== 'string') return bad(raw === undefined || raw === null ? 'file name is missing' : `file name is not text (${quote(raw)})`);
  if (raw.includes('\0')) return bad(`file name ${quote(raw)} contains a NUL byte`);
  const name = raw.replace(/\\/g, '/');
  if (name.trim() === '') return bad('file name is empty');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return bad(`file name ${quote(raw)} is an absolute path; only paths relative to the image folder are accepted`);
  if (name.split('/').some((segment) => segment === '..')) return bad(`file name ${quote(raw)} contains a '..' segment that leads outside the image folder`);
  return ok(name);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(inf|infinity|nan)$/i;

/**
 * Reads a number given either as a JSON number or as text. Text must be a plain decimal: Number()
 * alone would also accept '', '0x1F' and ' ', which are never meant as coordinates.
 */
export function readNumber(name: string, raw: unknown): Checked<number> {
  if (raw === undefined || raw === null || raw === '') return bad(`${name} is missing`);
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string') {
    const text = raw.trim();
    if (NON_FINITE.test(text)) return bad(`${name} is not finite (${quote(raw)})`);
    if (!DECIMAL.test(text)) return bad(`${name} is not a number (${quote(raw)})`);
    value = Number(text);
  } else return bad(`${name} is not a number (${quote(raw)})`);
  if (!Number.isFinite(value)) return bad(`${name} is not finite (${typeof raw === 'string' ? quote(raw) : String(value)})`);
  return ok(value);
}

export interface ImageSize {
  width?: number;
  height?: number;
}

/** Both sizes absent means "unknown" (allowed); otherwise both must be positive whole pixel counts. */
export function checkImageSize(rawWidth: unknown, rawHeight: unknown): Checked<ImageSize> {
  const absent = (v: unknown) => v === undefined || v === null || v === '';
  if (absent(rawWidth) && absent(rawHeight)) return ok({});
  const reasons: string[] = [];
  const dims: number[] = [];
  for (const [name, raw] of [['width', rawWidth], ['height', rawHeight]] as const) {
    const n = readNumber(name, raw);
    if (!n.ok) reasons.push(n.reason);
    else if (!Number.isInteger(n.value) || n.value <= 0) reasons.push(`${name} must be a positive whole number of pixels (got ${n.value})`);
    else dims.push(n.value);
  }
  if (reasons.length > 0) return bad(reasons.join('; '));
  return ok({ width: dims[0], height: dims[1] });
}

/** Subjects are ids; numbers are accepted because spreadsheets and scripts often write them bare. */
export function checkSubject(raw: unknown): Checked<string | undefined> {
  if (raw === undefined || raw === null || raw === '') return ok(undefined);
  if (typeof raw === 'string') return ok(raw);
  if (typeof raw === 'number' && Number.isFinite(raw)) return ok(String(raw));
  return bad(`subject must be text (got ${quote(raw)})`);
}

const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export function checkSplit(raw: unknown): Checked<Split | undefined> {
  if (raw === undefined || raw === null || raw === '') return ok(undefined);
  if (typeof raw === 'string' && (SPLITS as readonly string[]).includes(raw)) return ok(raw as Split);
  return bad(`split must be one of train, val, test (got ${quote(raw)})`);
}

/** Builds an image record without undefined-valued keys, so records compare equal after a round trip. */
export function makeImage(fileName: string, size: ImageSize, subject?: string, split?: Split): AnnotatedImage {
  const image: AnnotatedImage = { fileName };
  if (size.width !== undefined) image.width = size.width;
  if (size.height !== undefined) image.height = size.height;
  if (subject !== undefined) image.subject = subject;
  if (split !== undefined) image.split = split;
  return image;
}

export interface Coords {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Reads, rounds and validates one box. Rounding comes first so that a width that rounds to zero is
 * refused rather than stored as an empty box.
 */
export function checkBox(raw: Record<keyof Coords, unknown>, size: ImageSize): Checked<Coords> {
  const reasons: string[] = [];
  const values: Partial<Coords> = {};
  for (const key of ['x', 'y', 'w', 'h'] as const) {
    const n = readNumber(key, raw[key]);
    // Adding 0 turns -0 (from rounding a tiny negative) into 0, which compares equal in strict checks.
    if (n.ok) values[key] = roundCoord(n.value) + 0;
    else reasons.push(n.reason);
  }
  if (reasons.length > 0) return bad(reasons.join('; '));
  const box = values as Coords;
  if (box.w <= 0) reasons.push(`box width w must be positive (got ${box.w})`);
  if (box.h <= 0) reasons.push(`box height h must be positive (got ${box.h})`);
  if (reasons.length > 0) return bad(reasons.join('; '));
  if (size.width !== undefined && size.height !== undefined) {
    const outside =
      box.x < -EDGE_SLACK_PX ||
      box.y < -EDGE_SLACK_PX ||
      box.x + box.w > size.width + EDGE_SLACK_PX ||
      box.y + box.h > size.height + EDGE_SLACK_PX;
    if (outside) return bad(`box [${box.x}, ${box.y}, ${box.w}, ${box.h}] (x, y, w, h) lies outside the ${size.width}x${size.height} image`);
  }
  return ok(box);
}

/** Writers print coordinates that are already on the 1/1000 px grid; this strips float noise from sums. */
export function formatCoord(v: number): string {
  return String(roundCoord(v));
}
