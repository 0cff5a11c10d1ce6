#!/usr/bin/env node
// The CLI runs the compiled TypeScript in dist/ (npm run build); tell the user instead of a stack trace.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src-main/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('sonotl: not built yet; run "npm run build" in the SonoTL folder first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
