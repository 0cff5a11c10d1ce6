/**
 * One line of the benchmark report. `peer` is the same work done by the tool a researcher would
 * otherwise use, measured in the same run; figures without a peer carry a goal instead.
 * `ratio` > 1 always means SonoTL is better (for times: peer / sonotl; for rates: sonotl / peer).
 */
export interface BenchFigure {
  name: string;
  unit: string;
  sonotl: number;
  peer: number | null;
  peerName: string | null;
  ratio: number | null;
  /** The goal, in words, and whether this run met it. */
  goal?: string;
  met?: boolean;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function timeMs(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
