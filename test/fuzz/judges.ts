/** What counts as an acceptable outcome for each entry point under fuzzing. */
import { SonoError } from '../../src-main/core/errors.js';
import type { DecodedImage } from '../../src-main/core/imaging/decode.js';
import { MAX_PIXELS } from '../../src-main/core/imaging/limits.js';
import type { ReadResult } from '../../src-main/core/io/index.js';
import { MAX_ISSUES } from '../../src-main/core/io/index.js';
import type { ImportReport } from '../../src-main/core/import/run-import.js';
import { describeError, fail, pass, type Verdict } from './harness.js';

type Outcome<T> = { value?: T; error?: unknown };

/** A refusal is acceptable only as a SonoError with one of `codes` and a non-empty message naming `name`. */
export function judgeRefusal(error: unknown, codes: readonly string[], name?: string): Verdict {
  if (!(error instanceof SonoError)) return fail(`threw ${describeError(error)} instead of a SonoError`);
  if (!codes.includes(error.code)) return fail(`SonoError code ${error.code}: ${error.message}`);
  if (error.message.trim() === '') return fail('SonoError with an empty message');
  if (error.message.includes('\n')) return fail(`message is not one line: ${JSON.stringify(error.message.slice(0, 200))}`);
  if (name !== undefined && !error.message.includes(name)) return fail(`message does not name ${name}: ${error.message}`);
  return pass;
}

/** decodeImage: frames with a sane layout, or BAD_INPUT / UNSUPPORTED naming the file. */
export const judgeDecode =
  (name: string) =>
  ({ value, error }: Outcome<DecodedImage[]>): Verdict => {
    if (error !== undefined) return judgeRefusal(error, ['BAD_INPUT', 'UNSUPPORTED'], name);
    if (!Array.isArray(value) || value.length === 0) return fail('decoded to no frames');
    for (const f of value) {
      if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width < 1 || f.height < 1) return fail(`frame size ${f.width}x${f.height}`);
      if (f.width * f.height * value.length > MAX_PIXELS) return fail(`decoded ${f.width}x${f.height}x${value.length}, over the pixel limit`);
      if (f.channels !== 1 && f.channels !== 3) return fail(`channels ${f.channels}`);
      if (f.bitDepth !== 8 && f.bitDepth !== 16) return fail(`bit depth ${f.bitDepth}`);
      if (!Buffer.isBuffer(f.stored.bytes) || f.stored.bytes.length === 0) return fail('no stored bytes');
    }
    return pass;
  };

/** Annotation readers are pure and must never throw: every problem is an issue on the given file. */
export const judgeRead =
  (file: string) =>
  ({ value, error }: Outcome<ReadResult>): Verdict => {
    if (error !== undefined) return fail(`reader threw ${describeError(error)}`);
    if (!value || !Array.isArray(value.issues) || !value.set) return fail('no ReadResult');
    if (value.issues.length > MAX_ISSUES + 1) return fail(`${value.issues.length} issues, more than the cap`);
    for (const issue of value.issues) {
      if (issue.file !== file) return fail(`issue names ${issue.file}, not ${file}`);
      if (typeof issue.reason !== 'string' || issue.reason.trim() === '') return fail('issue with an empty reason');
    }
    for (const b of value.set.boxes) {
      if (![b.x, b.y, b.w, b.h].every(Number.isFinite) || b.w <= 0 || b.h <= 0) return fail(`box ${JSON.stringify(b)}`);
      if (typeof b.category !== 'string' || b.category.trim() === '') return fail('box without a category');
      if (typeof b.fileName !== 'string' || b.fileName === '' || b.fileName.includes('\0')) return fail(`box file name ${JSON.stringify(b.fileName)}`);
    }
    for (const img of value.set.images) {
      const n = img.fileName;
      if (typeof n !== 'string' || n.startsWith('/') || n.split('/').includes('..') || n.includes('\0')) return fail(`unsafe image name accepted: ${JSON.stringify(n)}`);
    }
    return pass;
  };

/** A whole import: a report whose every issue names a file and gives a reason, or a clear SonoError. */
export function judgeImport({ value, error }: Outcome<ImportReport>): Verdict {
  if (error !== undefined) return judgeRefusal(error, ['BAD_INPUT', 'UNSUPPORTED', 'NOT_FOUND', 'DISK_FULL', 'PROJECT_READ_ONLY']);
  if (!value) return fail('no report');
  for (const issue of value.issues) {
    if (typeof issue.file !== 'string' || issue.file.trim() === '') return fail(`issue without a file: ${JSON.stringify(issue)}`);
    if (typeof issue.reason !== 'string' || issue.reason.trim() === '') return fail(`issue without a reason: ${JSON.stringify(issue)}`);
  }
  return pass;
}

/** Model loaders: a model, or BAD_INPUT / NOT_FOUND with a message. */
export const judgeModel =
  <T>(check: (value: T) => Verdict = () => pass) =>
  ({ value, error }: Outcome<T>): Verdict => {
    if (error !== undefined) return judgeRefusal(error, ['BAD_INPUT', 'NOT_FOUND', 'UNSUPPORTED']);
    return check(value as T);
  };

/** Both verdicts must pass. */
export function both(a: Verdict, b: () => Verdict): Verdict {
  return a.ok ? b() : a;
}
