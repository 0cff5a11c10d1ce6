import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The renderer is a web page: it must reach the backend only through the API contract, so neither the
 * built bundle nor the sources may pull in Node, Electron, the database or the ML runtime, and from
 * src-main it may import types only (erased at build time).
 */
const here = dirname(fileURLToPath(import.meta.url));
const bundleDir = join(here, '..', 'dist', 'renderer');
const FORBIDDEN = ['electron', 'fs', 'node:fs', 'better-sqlite3', '@tensorflow'];

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : ext.test(name) ? [p] : [];
  });
}

/** Module names a file imports or requires, with whether the import is type-only. */
function importsOf(code: string): Array<{ spec: string; typeOnly: boolean }> {
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  const patterns = [
    /\bimport\s*(type\s+)?[\w*{}\s,$]*?\bfrom\s*["']([^"']+)["']/g,
    /\bexport\s*(type\s+)?[\w*{}\s,$]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*()["']([^"']+)["']/g,
    /\bimport\s*\(\s*()["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*()["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push({ spec: m[2], typeOnly: Boolean(m[1]) });
  return found;
}

const forbidden = (spec: string) => FORBIDDEN.some((f) => spec === f || spec.startsWith(`${f}/`));

const built = existsSync(join(bundleDir, 'index.html'));
if (!built) console.warn('bundle-purity: dist/renderer is not built, so the bundle is not checked; run "npm run build:renderer" first');

describe('renderer purity', () => {
  it.skipIf(!built)('the built bundle imports nothing from Node, Electron, SQLite or TensorFlow', () => {
    const files = filesUnder(bundleDir, /\.(m?js|html)$/);
    expect(files.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const f of files) {
      for (const { spec } of importsOf(readFileSync(f, 'utf8'))) if (forbidden(spec)) bad.push(`${relative(bundleDir, f)} imports ${spec}`);
    }
    expect(bad).toEqual([]);
  });

  it('the sources import only types from src-main, and no Node or Electron modules', () => {
    const files = filesUnder(join(here, 'src'), /\.(ts|vue)$/).filter((f) => !/\.test\.ts$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const bad: string[] = [];
    for (const f of files) {
      for (const { spec, typeOnly } of importsOf(readFileSync(f, 'utf8'))) {
        if (spec.includes('src-main/') && !typeOnly) bad.push(`${relative(here, f)} imports runtime code from ${spec}`);
        if (forbidden(spec) || spec.startsWith('node:') || spec === 'zod') bad.push(`${relative(here, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the check itself tells type imports from value imports', () => {
    expect(importsOf(`import type { A } from '../../src-main/api/contract';`)).toEqual([{ spec: '../../src-main/api/contract', typeOnly: true }]);
    expect(importsOf(`import { dispatch } from '../../src-main/api/dispatch';`)).toEqual([{ spec: '../../src-main/api/dispatch', typeOnly: false }]);
    expect(importsOf(`import{a as b}from"./chunk.js";`)).toEqual([{ spec: './chunk.js', typeOnly: false }]);
    expect(importsOf(`const x = require("electron"); import("node:fs"); import "better-sqlite3";`).map((i) => i.spec).sort()).toEqual(['better-sqlite3', 'electron', 'node:fs']);
  });
});
