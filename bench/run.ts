import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src-main/core/util/package-root.js';
import type { BenchFigure } from './figure.js';
import { classicalFilterFigures } from './figures/analysis.js';
import { importRate, projectOpen } from './figures/project-store.js';
import { uiFigures } from './figures/ui.js';
import { performanceFigures } from './figures/performance.js';

/**
 * `npm run bench`: every figure, printed as a table and written to bench/results/latest.json. It
 * installs nothing; peers that are missing are reported as missing, never simulated.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`SonoTL benchmark — ${new Date().toISOString()} — ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()} — node ${process.version}`);
  const figures: BenchFigure[] = [];
  const add = (list: BenchFigure[]): void => {
    for (const f of list) {
      figures.push(f);
      console.log(formatFigure(f));
    }
  };
  add(await importRate(quick ? 100 : 1000));
  add(projectOpen(quick ? 1000 : 10_000));
  add(await classicalFilterFigures(quick ? 3 : 5));
  add(await uiFigures({ rendererDir: join(packageRoot(), 'dist', 'renderer') }));
  await performanceFigures({ quick, add });

  const out = join(packageRoot(), 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), JSON.stringify(figures, null, 2) + '\n');
  console.log(`wrote ${join(out, 'latest.json')}`);
}

function formatFigure(f: BenchFigure): string {
  const n = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const peer = f.peer !== null ? `  ${f.peerName} ${n(f.peer)} ${f.unit}  ratio ${f.ratio!.toFixed(2)}x` : '';
  const goal = f.goal ? `  goal ${f.goal}: ${f.met ? 'met' : 'NOT met'}` : '';
  return `${f.name.padEnd(58)} ${n(f.sonotl).padStart(9)} ${f.unit}${peer}${goal}`;
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
