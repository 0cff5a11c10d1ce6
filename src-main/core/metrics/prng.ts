import { SonoError } from '../errors.js';

/**
 * A seeded uniform generator on [0, 1) (mulberry32). Resampling and fold assignment must be reproducible
 * from a stored seed, which Math.random cannot give; 32 bits of state are plenty for that purpose.
 */
export function createRng(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) {
    throw new SonoError('BAD_INPUT', `Random seed must be an integer, got ${seed}`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomIndex(rng: () => number, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomIndex(rng, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
