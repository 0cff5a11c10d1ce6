import { describe, expect, it } from 'vitest';
import { subjectKFold, subjectSplit } from './folds.js';

/** 60 subjects with 1-4 images each, interleaved, plus 10 images without a subject. */
function cohort(): Array<string | null | undefined> {
  const out: Array<string | null | undefined> = [];
  for (let round = 0; round < 4; round++) {
    for (let s = 0; s < 60; s++) if (s % 4 >= round) out.push(`s${s}`);
  }
  for (let i = 0; i < 10; i++) out.push(i % 2 ? null : undefined);
  return out;
}

function expectSubjectsNotSplit(subjects: Array<string | null | undefined>, labels: Array<number | string>) {
  const where = new Map<string, number | string>();
  subjects.forEach((s, i) => {
    if (!s) return;
    if (!where.has(s)) where.set(s, labels[i]);
    expect(labels[i], `subject ${s}`).toBe(where.get(s));
  });
}

describe('subjectKFold', () => {
  const subjects = cohort();

  it('assigns every item a fold in 0..k-1 and never splits a subject', () => {
    const folds = subjectKFold(subjects, 5, 42);
    expect(folds.length).toBe(subjects.length);
    for (const f of folds) expect(Number.isInteger(f) && f >= 0 && f < 5).toBe(true);
    expectSubjectsNotSplit(subjects, folds);
  });

  it('balances folds by item count to within the largest subject', () => {
    const folds = subjectKFold(subjects, 5, 42);
    const sizes = [0, 0, 0, 0, 0];
    for (const f of folds) sizes[f]++;
    // 160 items over 5 folds = 32 each; the largest subject has 4 images.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.reduce((a, b) => a + b)).toBe(subjects.length);
  });

  it('treats items without a subject as separate subjects', () => {
    const folds = subjectKFold([null, undefined, '', null], 4, 1);
    expect(new Set(folds).size).toBe(4);
  });

  it('is deterministic by seed and the seed matters', () => {
    expect(subjectKFold(subjects, 5, 7)).toEqual(subjectKFold(subjects, 5, 7));
    expect(subjectKFold(subjects, 5, 8)).not.toEqual(subjectKFold(subjects, 5, 7));
  });

  it('refuses more folds than subjects and bad k', () => {
    expect(() => subjectKFold(['a', 'a', 'b', 'b', 'c'], 4, 1)).toThrow(/4 folds from 3 subjects/);
    expect(() => subjectKFold(['a', 'b', 'c'], 3, 1)).not.toThrow();
    expect(() => subjectKFold(['a', 'b'], 1, 1)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => subjectKFold(['a', 'b'], 2.5, 1)).toThrow(/k >= 2/);
  });
});

describe('subjectSplit', () => {
  const subjects = cohort();

  it('keeps each subject in one split with counts near the fractions', () => {
    const split = subjectSplit(subjects, { train: 0.7, val: 0.15, test: 0.15 }, 3);
    expect(split.length).toBe(subjects.length);
    expectSubjectsNotSplit(subjects, split);
    const count = { train: 0, val: 0, test: 0 };
    for (const s of split) count[s]++;
    // Targets 112 / 24 / 24 of 160; greedy placement misses by at most a few subjects' images.
    expect(Math.abs(count.train - 112)).toBeLessThanOrEqual(8);
    expect(Math.abs(count.val - 24)).toBeLessThanOrEqual(8);
    expect(Math.abs(count.test - 24)).toBeLessThanOrEqual(8);
  });

  it('defaults test to the remainder and leaves a zero fraction empty', () => {
    const twoWay = subjectSplit(subjects, { train: 0.8, val: 0.2 }, 1);
    expect(twoWay.includes('test')).toBe(false);
    const withTest = subjectSplit(subjects, { train: 0.5, val: 0.25 }, 1);
    expect(withTest.filter((s) => s === 'test').length).toBeGreaterThan(30);
  });

  it('is deterministic by seed', () => {
    const f = { train: 0.6, val: 0.2, test: 0.2 };
    expect(subjectSplit(subjects, f, 9)).toEqual(subjectSplit(subjects, f, 9));
    expect(subjectSplit(subjects, f, 10)).not.toEqual(subjectSplit(subjects, f, 9));
  });

  it('rejects fractions that are negative or do not sum to 1', () => {
    expect(() => subjectSplit(subjects, { train: 0.7, val: 0.2, test: 0.2 }, 1)).toThrow(/sum to 1/);
    expect(() => subjectSplit(subjects, { train: 1.2, val: 0 }, 1)).toThrow(/non-negative/);
    expect(() => subjectSplit(subjects, { train: 0.5, val: Number.NaN }, 1)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });
});
