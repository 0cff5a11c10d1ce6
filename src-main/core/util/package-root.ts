import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The SonoTL install folder (where package.json and resources/ are), found by walking up from this
 * module, because the same code runs from src-main/ in tests and from dist/ when built.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sonotl') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the SonoTL package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
