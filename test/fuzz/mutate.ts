/**
 * Seeded mutations for fuzzing: every case is reproducible from (seed, case index), so a failure printed
 * by the suite can be replayed. The generator is the project's own mulberry32 (core/metrics/prng).
 */
import { createRng } from '../../src-main/core/metrics/prng.js';

export type Rng = () => number;

export function rngFor(seed: number): Rng {
  return createRng(seed);
}

export function int(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[int(rng, items.length)];
}

export interface Mutant {
  /** How the bytes were made, for failure messages: e.g. "truncate@132", "flip@40.3". */
  how: string;
  bytes: Buffer;
}

/** Bytes that break parsers most often when written into length and size fields. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/**
 * Truncations at many offsets: every offset of the first `head` bytes (where headers live) and `spread`
 * more spread evenly over the rest, plus the empty file and the file minus its last byte.
 */
export function truncations(seed: Buffer, head: number, spread: number): Mutant[] {
  const offsets = new Set<number>([0, seed.length - 1]);
  for (let i = 1; i < Math.min(head, seed.length); i++) offsets.add(i);
  for (let k = 1; k <= spread; k++) offsets.add(Math.floor((seed.length * k) / (spread + 1)));
  return [...offsets].filter((o) => o >= 0 && o < seed.length).sort((a, b) => a - b).map((o) => ({ how: `truncate@${o}`, bytes: seed.subarray(0, o) }));
}

/**
 * `count` random single mutations: bit flips, overwrites with interesting bytes, insertions and
 * deletions of 1-16 bytes, and duplicated or zeroed ranges. Positions favour the first `head` bytes
 * half of the time, because that is where sizes and lengths are declared.
 */
export function randomMutants(seed: Buffer, count: number, rng: Rng, head = 512): Mutant[] {
  const out: Mutant[] = [];
  const where = (): number => (rng() < 0.5 ? int(rng, Math.min(head, seed.length)) : int(rng, seed.length));
  for (let k = 0; k < count; k++) {
    const b = Buffer.from(seed);
    const at = where();
    const kind = int(rng, 6);
    if (kind === 0) {
      const flips = 1 + int(rng, 4);
      const bits: string[] = [];
      for (let f = 0; f < flips; f++) {
        const p = f === 0 ? at : where();
        const bit = int(rng, 8);
        b[p] ^= 1 << bit;
        bits.push(`${p}.${bit}`);
      }
      out.push({ how: `flip@${bits.join(',')}`, bytes: b });
    } else if (kind === 1) {
      const v = pick(rng, INTERESTING);
      const len = 1 + int(rng, 4);
      for (let i = 0; i < len && at + i < b.length; i++) b[at + i] = v;
      out.push({ how: `set@${at}x${len}=${v}`, bytes: b });
    } else if (kind === 2) {
      const len = 1 + int(rng, 16);
      const ins = Buffer.alloc(len);
      for (let i = 0; i < len; i++) ins[i] = rng() < 0.5 ? pick(rng, INTERESTING) : int(rng, 256);
      out.push({ how: `insert@${at}+${len}`, bytes: Buffer.concat([seed.subarray(0, at), ins, seed.subarray(at)]) });
    } else if (kind === 3) {
      const len = 1 + int(rng, 16);
      out.push({ how: `delete@${at}-${len}`, bytes: Buffer.concat([seed.subarray(0, at), seed.subarray(at + len)]) });
    } else if (kind === 4) {
      const len = 1 + int(rng, 64);
      out.push({ how: `dup@${at}x${len}`, bytes: Buffer.concat([seed.subarray(0, at + len), seed.subarray(at)]) });
    } else {
      const len = 1 + int(rng, 64);
      b.fill(0, at, Math.min(b.length, at + len));
      out.push({ how: `zero@${at}x${len}`, bytes: b });
    }
  }
  return out;
}

/** Values of every JSON type (and a few hostile strings), to put where a field of another type belongs. */
export const WRONG_JSON_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  '',
  ' ',
  'x',
  '1e999',
  'NaN',
  '-Infinity',
  '0x10',
  '../../../etc/passwd',
  '/etc/passwd',
  'C:\\Windows\\win.ini',
  '..\\..\\secret.png',
  'a\u0000b.png',
  '\u202Egnp.exe',
  '\uD800',
  [],
  [1, 2, 3, 4],
  ['1', '2', '3', '4'],
  [null, null, null, null],
  {},
  { __proto__: { polluted: 1 } },
  JSON.parse('{"__proto__": {"polluted": 1}}'),
  { constructor: { prototype: { polluted: 1 } } },
  [[[[[[[[[[1]]]]]]]]]],
];

/** A random JSON value: scalars, strings of odd characters, and nested arrays and objects. */
export function randomJson(rng: Rng, depth = 0): unknown {
  const r = int(rng, depth > 3 ? 6 : 9);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return pick(rng, [0, -0, 1, -1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 0.1, 3.5]);
    case 3:
      return (rng() - 0.5) * 10 ** int(rng, 12);
    case 4:
    case 5:
      return randomString(rng, int(rng, 20));
    case 6:
    case 7:
      return Array.from({ length: int(rng, 5) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(rng, 5); i > 0; i--) o[pick(rng, ['id', 'x', 'name', '__proto__', 'constructor', 'file_name', randomString(rng, 4)])] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

const ODD_CHARS = ['a', 'Z', '0', ' ', '.', '/', '\\', '#', '%', '"', "'", ',', '\n', '\r', '\t', '\u0000', '\u00e9', 'e\u0301', '\u202e', '\u200b', '\ufeff', '\ud83d\ude00', '\ud800', '<', '&'];

export function randomString(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += pick(rng, ODD_CHARS);
  return s;
}
