import { SonoError } from '../errors.js';
import { createRng, shuffleInPlace } from './prng.js';

export type Split = 'train' | 'val' | 'test';

/**
 * Items grouped by subject, in first-appearance order. Images of one subject are correlated, so a subject
 * must never sit on both sides of an evaluation; an item without a subject (null, undefined or '') can
 * only be assumed independent, so it forms a group of its own.
 */
function groupBySubject(subjects: ReadonlyArray<string | null | undefined>): number[][] {
  const groups: number[][] = [];
  const bySubject = new Map<string, number[]>();
  subjects.forEach((s, i) => {
    if (s === null || s === undefined || s === '') {
      groups.push([i]);
      return;
    }
    if (typeof s !== 'string') {
      throw new SonoError('BAD_INPUT', `Subject of item ${i} must be a string, got ${typeof s}`);
    }
    let g = bySubject.get(s);
    if (!g) {
      g = [];
      bySubject.set(s, g);
      groups.push(g);
    }
    g.push(i);
  });
  return groups;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new SonoError('BAD_INPUT', `Split seed must be an integer, got ${seed}`);
}

/**
 * Fold index (0..k-1) per item, with every subject inside one fold. Subjects are shuffled by the seed,
 * then placed largest first into the fold with the fewest items, which keeps fold sizes within one
 * subject's item count of each other and gives every fold at least one subject.
 */
export function subjectKFold(subjects: ReadonlyArray<string | null | undefined>, k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new SonoError('BAD_INPUT', `k-fold needs an integer k >= 2, got ${k}`);
  checkSeed(seed);
  const groups = groupBySubject(subjects);
  if (groups.length < k) {
    throw new SonoError(
      'BAD_INPUT',
      `Cannot make ${k} folds from ${groups.length} subject${groups.length === 1 ? '' : 's'}: ` +
        'every fold needs at least one subject',
    );
  }
  shuffleInPlace(groups, createRng(seed));
  // Stable sort: equal-sized subjects keep their shuffled order, which is where the seed acts.
  groups.sort((a, b) => b.length - a.length);
  const foldSize = new Array<number>(k).fill(0);
  const fold = new Array<number>(subjects.length);
  for (const g of groups) {
    let best = 0;
    for (let f = 1; f < k; f++) if (foldSize[f] < foldSize[best]) best = f;
    foldSize[best] += g.length;
    for (const i of g) fold[i] = best;
  }
  return fold;
}

export interface SplitFractions {
  train: number;
  val: number;
  /** Defaults to 1 - train - val. */
  test?: number;
}

const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * Train/val/test label per item, with every subject inside one split and item counts close to the
 * fractions. Subjects are taken in seeded random order, each going to the split furthest below its
 * target. Unlike k-fold, subjects are not sorted by size first: that would put the largest subjects in
 * train every time and make the test set systematically different.
 */
export function subjectSplit(
  subjects: ReadonlyArray<string | null | undefined>,
  fractions: SplitFractions,
  seed: number,
): Split[] {
  checkSeed(seed);
  const { train, val } = fractions;
  const test = fractions.test ?? 1 - train - val;
  const fr = [train, val, Math.abs(test) < 1e-12 ? 0 : test];
  if (!fr.every((f) => Number.isFinite(f) && f >= 0) || Math.abs(fr[0] + fr[1] + fr[2] - 1) > 1e-9) {
    throw new SonoError(
      'BAD_INPUT',
      `Split fractions must be non-negative and sum to 1, got train=${train}, val=${val}, test=${test}`,
    );
  }
  const groups = shuffleInPlace(groupBySubject(subjects), createRng(seed));
  const n = subjects.length;
  const target = fr.map((f) => f * n);
  const count = [0, 0, 0];
  const out = new Array<Split>(n);
  for (const g of groups) {
    let best = -1;
    for (let s = 0; s < 3; s++) {
      if (fr[s] === 0) continue;
      if (best < 0 || target[s] - count[s] > target[best] - count[best]) best = s;
    }
    count[best] += g.length;
    for (const i of g) out[i] = SPLITS[best];
  }
  return out;
}
