import { describe, expect, it } from 'vitest';
import { IssueLog, MAX_ISSUES, checkBox, checkFileName, checkImageSize, checkSplit, checkSubject, checkTextSize, formatCoord, readNumber } from './checks.js';

function reason<T>(r: { ok: true; value: T } | { ok: false; reason: string }): string {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`);
  return r.reason;
}

describe('checkFileName', () => {
  it('keeps relative names and turns backslashes into slashes', () => {
    expect(checkFileName('images/a.png')).toEqual({ ok: true, value: 'images/a.png' });
    expect(checkFileName('images\\sub\\a.png')).toEqual({ ok: true, value: 'images/sub/a.png' });
    expect(checkFileName('a..b.png')).toEqual({ ok: true, value: 'a..b.png' });
  });

  it('refuses absolute paths, drive letters and UNC paths', () => {
    expect(reason(checkFileName('/etc/passwd'))).toMatch(/absolute path/);
    expect(reason(checkFileName('C:\\data\\a.png'))).toMatch(/absolute path/);
    expect(reason(checkFileName('c:a.png'))).toMatch(/absolute path/);
    expect(reason(checkFileName('\\\\server\\share\\a.png'))).toMatch(/absolute path/);
  });

  it('refuses .. segments written with either slash', () => {
    expect(reason(checkFileName('../a.png'))).toMatch(/'\.\.' segment/);
    expect(reason(checkFileName('images/../../a.png'))).toMatch(/'\.\.' segment/);
    expect(reason(checkFileName('images\\..\\..\\a.png'))).toMatch(/'\.\.' segment/);
    expect(reason(checkFileName('images/..'))).toMatch(/'\.\.' segment/);
  });

  it('refuses NUL bytes, empty names and non-text', () => {
    expect(reason(checkFileName('a.png\0.txt'))).toMatch(/NUL byte/);
    expect(reason(checkFileName('  '))).toMatch(/empty/);
    expect(reason(checkFileName(undefined))).toMatch(/missing/);
    expect(reason(checkFileName(12))).toMatch(/not text/);
  });
});

describe('readNumber', () => {
  it('reads JSON numbers and decimal text', () => {
    expect(readNumber('x', 3.5)).toEqual({ ok: true, value: 3.5 });
    expect(readNumber('x', ' -1.25e2 ')).toEqual({ ok: true, value: -125 });
    expect(readNumber('x', '.5')).toEqual({ ok: true, value: 0.5 });
  });

  it('names missing, non-numeric and non-finite values', () => {
    expect(reason(readNumber('x', undefined))).toBe('x is missing');
    expect(reason(readNumber('x', ''))).toBe('x is missing');
    expect(reason(readNumber('w', 'abc'))).toBe("w is not a number ('abc')");
    expect(reason(readNumber('w', '0x10'))).toMatch(/not a number/);
    expect(reason(readNumber('w', [1]))).toMatch(/not a number/);
    expect(reason(readNumber('y', 'Infinity'))).toMatch(/y is not finite/);
    expect(reason(readNumber('y', 'nan'))).toMatch(/y is not finite/);
    expect(reason(readNumber('y', '1e999'))).toMatch(/y is not finite/);
    expect(reason(readNumber('y', Number.POSITIVE_INFINITY))).toMatch(/y is not finite/);
  });
});

describe('checkImageSize', () => {
  it('allows an unknown size and requires whole positive pixels otherwise', () => {
    expect(checkImageSize(undefined, undefined)).toEqual({ ok: true, value: {} });
    expect(checkImageSize('800', 540)).toEqual({ ok: true, value: { width: 800, height: 540 } });
    expect(reason(checkImageSize(800, undefined))).toBe('height is missing');
    expect(reason(checkImageSize(0, 540))).toMatch(/width must be a positive whole number/);
    expect(reason(checkImageSize(800, 540.5))).toMatch(/height must be a positive whole number/);
  });
});

describe('checkSubject and checkSplit', () => {
  it('accepts text or number subjects and the three splits', () => {
    expect(checkSubject('p01')).toEqual({ ok: true, value: 'p01' });
    expect(checkSubject(7)).toEqual({ ok: true, value: '7' });
    expect(checkSubject('')).toEqual({ ok: true, value: undefined });
    expect(reason(checkSubject({}))).toMatch(/subject must be text/);
    expect(checkSplit('val')).toEqual({ ok: true, value: 'val' });
    expect(reason(checkSplit('training'))).toMatch(/split must be one of train, val, test \(got 'training'\)/);
  });
});

describe('checkBox', () => {
  const size = { width: 800, height: 540 };

  it('rounds to the 1/1000 px grid', () => {
    expect(checkBox({ x: 10.1254, y: 3.3331, w: '5.0005', h: 2 }, size)).toEqual({ ok: true, value: { x: 10.125, y: 3.333, w: 5.001, h: 2 } });
  });

  it('never returns negative zero', () => {
    const box = checkBox({ x: -1e-17, y: -0, w: 1, h: 1 }, size);
    expect(box.ok && Object.is(box.value.x, 0) && Object.is(box.value.y, 0)).toBe(true);
  });

  it('lists every missing or bad coordinate', () => {
    expect(reason(checkBox({ x: undefined, y: 1, w: 'a', h: 2 }, size))).toBe("x is missing; w is not a number ('a')");
  });

  it('refuses empty boxes, including ones that round to zero', () => {
    expect(reason(checkBox({ x: 1, y: 1, w: 0, h: 2 }, size))).toMatch(/width w must be positive \(got 0\)/);
    expect(reason(checkBox({ x: 1, y: 1, w: 2, h: -3 }, size))).toMatch(/height h must be positive \(got -3\)/);
    expect(reason(checkBox({ x: 1, y: 1, w: 0.0004, h: 2 }, size))).toMatch(/width w must be positive/);
  });

  it('allows half a pixel beyond the edges and no more', () => {
    expect(checkBox({ x: -0.5, y: -0.5, w: 800.5, h: 540.5 }, size).ok).toBe(true);
    expect(checkBox({ x: 0, y: 0, w: 800.5, h: 540 }, size).ok).toBe(true);
    expect(reason(checkBox({ x: -0.501, y: 0, w: 10, h: 10 }, size))).toBe('box [-0.501, 0, 10, 10] (x, y, w, h) lies outside the 800x540 image');
    expect(reason(checkBox({ x: 790, y: 10, w: 20, h: 20 }, size))).toMatch(/lies outside the 800x540 image/);
    expect(reason(checkBox({ x: 10, y: 530, w: 20, h: 10.501 }, size))).toMatch(/outside/);
  });

  it('skips the extent check when the image size is unknown', () => {
    expect(checkBox({ x: 5000, y: 5000, w: 20, h: 20 }, {}).ok).toBe(true);
  });
});

describe('checkTextSize', () => {
  it('passes text under the limit and names the size of text over it', () => {
    expect(checkTextSize('x'.repeat(100), 100, 'CSV')).toBeUndefined();
    expect(checkTextSize('x'.repeat(2_000_001), 2_000_000, 'CSV')).toBe('file is 2.0 MB; CSV files larger than 2.0 MB are refused');
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 40 three-byte characters are 120 bytes.
    expect(checkTextSize('€'.repeat(40), 100, 'CSV')).toMatch(/larger than/);
    expect(checkTextSize('€'.repeat(33), 100, 'CSV')).toBeUndefined();
  });
});

describe('IssueLog', () => {
  it('keeps the first MAX_ISSUES issues and counts the rest', () => {
    const log = new IssueLog('f.json');
    for (let i = 0; i < MAX_ISSUES + 5; i++) log.add(`problem ${i}`);
    const issues = log.list();
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues[0]).toEqual({ file: 'f.json', reason: 'problem 0' });
    expect(issues[MAX_ISSUES].reason).toBe('5 more problems not listed');
  });
});

describe('formatCoord', () => {
  it('prints grid values without float noise', () => {
    expect(formatCoord(10.125 + 3.333)).toBe('13.458');
    expect(formatCoord(-0)).toBe('0');
  });
});
