import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressTracker, type StudyProgress } from './progress.js';

afterEach(() => vi.useRealTimers());

describe('study progress', () => {
  it('counts reused work as done but estimates the time left from the work done in this session', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const seen: StudyProgress[] = [];
    const tracker = new ProgressTracker(100, (p) => seen.push(p), 0);
    tracker.skip(50, { phase: 'finetune', fold: 1, done: 1, total: 1 });
    expect(seen[0]).toMatchObject({ overall: 0.5, etaSeconds: null });
    vi.setSystemTime(new Date('2026-01-01T00:00:10Z'));
    // 10 units in 10 s: the 40 left take 40 s, not the 10 s that counting the reused half would give.
    tracker.step(10, { phase: 'finetune', fold: 2, done: 1, total: 2 });
    expect(seen[1].overall).toBeCloseTo(0.6, 10);
    expect(seen[1].etaSeconds).toBeCloseTo(40, 6);
    tracker.step(40, { phase: 'detect', done: 1, total: 1 }, true);
    expect(seen[2]).toMatchObject({ overall: 1, etaSeconds: 0 });
  });
});
