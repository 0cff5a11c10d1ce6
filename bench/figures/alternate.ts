import { median } from '../figure.js';

/**
 * Times SonoTL and the peer in alternating rounds (S, P, S, P, ...) so load from other processes on a
 * shared machine falls on both alike, and returns each side's median milliseconds per round. Warm-up
 * is the caller's job: the first call of most runtimes includes compilation and allocation.
 */
export async function alternate(
  rounds: number,
  sonotl: () => Promise<number>,
  peer: (() => Promise<number>) | null,
): Promise<{ sonotlMs: number; peerMs: number | null; sonotlAll: number[]; peerAll: number[] }> {
  const s: number[] = [];
  const p: number[] = [];
  for (let r = 0; r < rounds; r++) {
    s.push(await sonotl());
    if (peer) p.push(await peer());
  }
  return { sonotlMs: median(s), peerMs: peer ? median(p) : null, sonotlAll: s, peerAll: p };
}

export function msNow(): bigint {
  return process.hrtime.bigint();
}

export function msSince(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}
