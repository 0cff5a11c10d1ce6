/**
 * Runs fuzz cases one by one and counts what happened. A case passes when it ends in a result its
 * checker accepts (a successful import, or an error or issue that names the file with a non-empty
 * reason). Anything else is a crash (an exception the entry point should have turned into a clear
 * error, or a result the checker refuses) or a hang (no answer within the time limit).
 *
 * The limit is enforced with Promise.race, which ends the wait for asynchronous work (sharp, file I/O).
 * Synchronous work cannot be interrupted from the same thread, so a case that blocked the event loop is
 * counted as a hang afterwards from its measured duration; a truly endless synchronous loop would stall
 * the test until vitest's own timeout, which fails the suite just as visibly.
 */

export const CASE_LIMIT_MS = 5_000;

export type Verdict = { ok: true } | { ok: false; why: string };

export const pass: Verdict = { ok: true };
export const fail = (why: string): Verdict => ({ ok: false, why });

export interface Failure {
  kind: 'crash' | 'hang';
  label: string;
  detail: string;
}

export class Tally {
  cases = 0;
  passed = 0;
  readonly failures: Failure[] = [];
  /** Slowest case, to show how close the suite runs to the per-case limit. */
  slowest = { label: '', ms: 0 };
  /** Durations of every case, for FUZZ_TIMINGS=1 (which prints the slowest ones). */
  readonly durations: Array<{ label: string; ms: number }> = [];

  get crashes(): number {
    return this.failures.filter((f) => f.kind === 'crash').length;
  }

  get hangs(): number {
    return this.failures.filter((f) => f.kind === 'hang').length;
  }

  /**
   * Runs one case. `run` produces the outcome (its rejection is handed to `judge` as `error`, never
   * rethrown); `judge` says whether the outcome is acceptable.
   */
  async run<T>(label: string, run: () => Promise<T> | T, judge: (outcome: { value?: T; error?: unknown }) => Verdict): Promise<Verdict> {
    this.cases++;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CASE_LIMIT_MS);
    });
    let outcome: { value?: T; error?: unknown } | 'timeout';
    try {
      outcome = await Promise.race([
        (async () => {
          try {
            return { value: await run() };
          } catch (error) {
            return { error: error ?? new Error(`thrown ${String(error)}`) };
          }
        })(),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
    const ms = performance.now() - started;
    if (ms > this.slowest.ms) this.slowest = { label, ms };
    this.durations.push({ label, ms });
    if (outcome === 'timeout' || ms > CASE_LIMIT_MS) {
      this.failures.push({ kind: 'hang', label, detail: `no answer within ${CASE_LIMIT_MS} ms (took ${Math.round(ms)} ms)` });
      return fail('hang');
    }
    let verdict: Verdict;
    try {
      verdict = judge(outcome);
    } catch (e) {
      verdict = fail(`checker threw: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (verdict.ok) this.passed++;
    else this.failures.push({ kind: 'crash', label, detail: verdict.why });
    return verdict;
  }

  summary(): string {
    return `fuzz: ${this.cases} cases, ${this.passed} passed, ${this.crashes} crashes, ${this.hangs} hangs`;
  }

  slowestCases(n: number): string {
    return [...this.durations]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, n)
      .map((d) => `${Math.round(d.ms)} ms ${d.label}`)
      .join('\n');
  }

  /** The failures, at most `n`, one line each, for the assertion message. */
  report(n = 20): string {
    return this.failures
      .slice(0, n)
      .map((f) => `${f.kind}: ${f.label}: ${f.detail}`)
      .join('\n');
  }
}

/** Describes a thrown value for failure messages (type, code, first line). */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.constructor.name}${code ? `(${String(code)})` : ''}: ${e.message.split('\n')[0].slice(0, 300)}`;
  }
  return `non-Error thrown: ${String(e).slice(0, 300)}`;
}
