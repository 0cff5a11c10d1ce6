#!/usr/bin/env node
/**
 * `npm run lint:electron`: Electronegativity over the Electron main process and preload, failing (exit 1)
 * on any finding. Electronegativity itself exits 0 whatever it finds, so its CSV report is read back.
 *
 * It runs through `npx` at a pinned version rather than as a devDependency: installed into this tree it
 * picks up the project's commander 14 (it does not declare its own) and crashes at start
 * ("commander.version is not a function"); npx gives it a tree of its own.
 *
 * Two checks are skipped, each for a reason a static scan cannot see (docs/security.md):
 * - CSP_GLOBAL_CHECK looks for a CSP in HTML meta tags or webRequest header rewrites; SonoTL sets the
 *   CSP as a header on every response of its own bundle scheme (src-main/electron/protocol.ts), which
 *   test/electron-main.test.ts checks on the running main process.
 * - PRELOAD_JS_CHECK flags every preload for manual review; the preload exposes only the typed API
 *   (call, onEvent, fileUrl, thumbUrl), checked by test/electron-security.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const TOOL = '@doyensec/electronegativity@1.10.3';
const skipped = ['CSPGlobalCheck', 'PreloadJSCheck'];

const out = mkdtempSync(join(tmpdir(), 'sonotl-eneg-'));
const csv = join(out, 'findings.csv');
try {
  const r = spawnSync('npx', ['--yes', TOOL, '-i', join(root, 'src-main', 'electron'), '-e', electronVersion, '-x', skipped.join(','), '-r', '-o', csv], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    process.stderr.write(`lint:electron: electronegativity failed (exit ${r.status}):\n${r.stderr}\n`);
    process.exit(1);
  }
  const findings = readFileSync(csv, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
  if (findings.length > 0) {
    process.stderr.write(`lint:electron: ${findings.length} finding(s) in src-main/electron (Electron ${electronVersion}):\n${findings.join('\n')}\n`);
    process.exit(1);
  }
  console.log(`lint:electron: no findings in src-main/electron (Electron ${electronVersion}; skipped with reasons: ${skipped.join(', ')})`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
