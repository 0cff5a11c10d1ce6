import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashHarness } from '../bench/crash-harness.js';
import { assertBuilt, HC18 } from './helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The short form of `npm run soak` (100 kills, docs/reliability.md): 10 SIGKILLs of a real backend process.
describe('crash safety under SIGKILL', () => {
  it('keeps every acknowledged annotation, a sound database and a consistent edit log over 10 kills', async () => {
    assertBuilt();
    const report = await runCrashHarness({ projectDir: join(work, 'p'), imageSource: join(HC18, 'images'), kills: 10, seed: 42 });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ kills: 10, lost: 0, integrityFailures: 0, logMismatches: 0 });
    expect(report.acknowledgedEdits).toBeGreaterThan(20);
  }, 240_000);
});
