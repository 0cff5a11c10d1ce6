import { SonoError } from '../errors.js';
import { chiSquare1Survival } from './special.js';

/** Below this many discordant pairs the chi-square approximation is poor, so the exact test is used. */
export const MCNEMAR_EXACT_BELOW = 25;

export interface McNemarResult {
  /** Items A got right and B got wrong. */
  b: number;
  /** Items A got wrong and B got right. */
  c: number;
  /** min(b, c) for the exact test; the continuity-corrected chi-square statistic otherwise. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  exact: boolean;
}

/**
 * McNemar's test for two classifiers scored on the same items. Only discordant items carry information;
 * under the null each is equally likely to favour A or B, so b ~ Binomial(b + c, 1/2).
 */
export function mcnemar(aCorrect: readonly boolean[], bCorrect: readonly boolean[]): McNemarResult {
  if (aCorrect.length !== bCorrect.length) {
    throw new SonoError(
      'BAD_INPUT',
      `McNemar needs paired results: A has ${aCorrect.length} items, B has ${bCorrect.length}`,
    );
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < aCorrect.length; i++) {
    const a = aCorrect[i];
    const o = bCorrect[i];
    if (typeof a !== 'boolean' || typeof o !== 'boolean') {
      throw new SonoError('BAD_INPUT', `McNemar item ${i} is not a pair of booleans`);
    }
    if (a && !o) b++;
    else if (!a && o) c++;
  }
  const n = b + c;
  if (n < MCNEMAR_EXACT_BELOW) {
    const k = Math.min(b, c);
    return { b, c, statistic: k, pValue: exactTwoSided(k, n), exact: true };
  }
  // max(0, .) keeps b = c at statistic 0 (p = 1) instead of letting the correction overshoot to 1/n.
  const d = Math.max(0, Math.abs(b - c) - 1);
  const statistic = (d * d) / n;
  return { b, c, statistic, pValue: chiSquare1Survival(statistic), exact: false };
}

/** 2 P(X <= k) for X ~ Binomial(n, 1/2), capped at 1. Binomial coefficients for n < 25 are exact doubles. */
function exactTwoSided(k: number, n: number): number {
  let coeff = 1;
  let tail = 1;
  for (let i = 1; i <= k; i++) {
    coeff = (coeff * (n - i + 1)) / i;
    tail += coeff;
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}
