/**
 * A progress bar on stderr (stdout stays clean for --json). On a terminal it redraws one line; in logs
 * and CI (no TTY) it prints a line at most every few seconds, so long work is visibly alive without
 * flooding the log.
 */
export class ProgressBar {
  private readonly tty: boolean;
  private lastPrint = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, total: number, detail = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    const finished = total > 0 && done >= total;
    if (!this.tty && !finished && now - this.lastPrint < 3000) return;
    if (this.tty && !finished && now - this.lastPrint < 80) return;
    this.lastPrint = now;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 28;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const eta = done > 0 && !finished ? ` eta ${formatSeconds(((now - this.started) / done) * (total - done) / 1000)}` : '';
    const line = `${this.label} [${bar}] ${done}/${total}${eta}${detail ? ' ' + detail : ''}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns ?? 100) - 1)}`);
    else this.stream.write(line + '\n');
  }

  done(): void {
    if (this.tty && !this.quiet) this.stream.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
