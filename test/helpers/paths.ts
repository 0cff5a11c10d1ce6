import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src-main/core/util/package-root.js';

export const ROOT = packageRoot();
/** ../shared beside the checkout (as in CI), or SONOTL_SHARED. */
export const SHARED = resolve(process.env.SONOTL_SHARED ?? join(ROOT, '..', 'shared'));
export const HC18 = join(SHARED, 'data', 'hc18-dev');
export const USGRA = join(SHARED, 'data', 'usgra-dev');
export const CLI = join(ROOT, 'bin', 'sonotl.js');
export const BUILT_CLI = join(ROOT, 'dist', 'src-main', 'cli', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(BUILT_CLI)) throw new Error('dist/ is missing: run "npm run build" (npm test does it) before these tests');
}
