import type { StudyProgress } from '../core/study/progress.js';
import { formatSeconds, ProgressBar } from './progress.js';

/**
 * Shows a study's progress events as one bar per phase and fold (so a bar's own ETA is about one
 * homogeneous piece of work), with the whole study's fraction and ETA beside it.
 */
export class StudyProgressView {
  private bar: ProgressBar | null = null;
  private key = '';

  constructor(
    private readonly folds: number,
    private readonly quiet: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(p: StudyProgress): void {
    if (this.quiet) return;
    const fold = p.fold === undefined ? '' : p.fold > this.folds ? ' all->test' : ` fold ${p.fold}/${this.folds}`;
    const key = `${p.phase}${fold}`;
    if (key !== this.key) {
      this.bar?.done();
      this.key = key;
      this.bar = new ProgressBar(key.padEnd(20), this.stream);
    }
    const overall = `study ${(100 * p.overall).toFixed(0)}%${p.etaSeconds !== null && p.overall < 1 ? ` eta ${formatSeconds(p.etaSeconds)}` : ''}`;
    this.bar!.update(p.done, p.total, [p.method, p.detail, overall].filter(Boolean).join(' '));
  }

  done(): void {
    this.bar?.done();
    this.bar = null;
  }
}
