import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src-main/core/util/package-root.js';
import { runCrashHarness } from './crash-harness.js';

/** `npm run soak`: the full crash harness, 100 SIGKILLs (or --kills N), reported for docs/reliability.md. */
async function main(): Promise<void> {
  const i = process.argv.indexOf('--kills');
  const kills = i > 0 ? Number(process.argv[i + 1]) : 100;
  const work = mkdtempSync(join(tmpdir(), 'sonotl-soak-'));
  const started = Date.now();
  let finished = false;
  // An awaited promise that can never settle lets Node exit with code 0 mid-run; that must read as a failure.
  process.once('beforeExit', () => {
    if (!finished) {
      console.error('soak: stopped before finishing (a wait that could never end)');
      process.exitCode = 1;
    }
  });
  try {
    const report = await runCrashHarness({
      projectDir: join(work, 'p'),
      imageSource: join(packageRoot(), '..', 'shared', 'data', 'hc18-dev', 'images'),
      kills,
      seed: Number(process.env.SONOTL_SOAK_SEED ?? 7),
      log: (line) => console.log(line),
    });
    console.log(JSON.stringify({ ...report, seconds: Math.round((Date.now() - started) / 1000), date: new Date().toISOString() }, null, 2));
    const passed = report.kills - new Set(report.failures.map((f) => f.split(':')[0])).size;
    console.log(`${passed} passed, ${report.kills - passed} failed`);
    if (report.failures.length) process.exitCode = 1;
    finished = true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`soak: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
