import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src-main/core/util/package-root.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|cts|js|mjs)$/.test(name) ? [p] : [];
  });
}

// Matches static imports, re-exports, dynamic import() and require() of a module specifier.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

export function importedModules(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[1]);
}

describe('core purity', () => {
  const root = packageRoot();

  it('finds imports in every form the check relies on', () => {
    const sample = `import a from 'electron';\nexport { b } from "electron/main";\nconst c = await import('electron');\nconst d = require( 'electron' );\nimport 'electron';`;
    expect(importedModules(sample)).toEqual(['electron', 'electron/main', 'electron', 'electron', 'electron']);
  });

  it('has no electron import anywhere below src-main/core, so the CLI and the bridge run the same code', () => {
    const offenders = sourceFiles(join(root, 'src-main/core')).filter((file) =>
      importedModules(readFileSync(file, 'utf8')).some((m) => m === 'electron' || m.startsWith('electron/')),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it('keeps src-main/core free of the doors that call it (api, cli, electron, bridge)', () => {
    const offenders = sourceFiles(join(root, 'src-main/core')).filter((file) =>
      importedModules(readFileSync(file, 'utf8')).some((m) => /(^|\/)\.\.\/(\.\.\/)*(api|cli|electron|bridge)\//.test(m)),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
