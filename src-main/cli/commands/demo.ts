import { InvalidArgumentError, type Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importInputs } from '../../core/import/run-import.js';
import { DB_FILE, openProject } from '../../core/project/open.js';
import { projectInfo } from '../../core/project/info.js';
import { writePhantomDataset } from '../../core/phantom/dataset-files.js';
import { ProgressBar } from '../progress.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('create a project of synthetic kidney phantom images with ground-truth boxes (no data needed)')
    .argument('[dir]', 'project folder to create or complete', './sonotl-demo')
    .option('--count <n>', 'number of phantom images', positiveInt, 60)
    .option('--seed <n>', 'random seed of the phantom generator', positiveInt, 1)
    .action(async (dir: string, opts: { count: number; seed: number }) => {
      // Rerunning the demo on its own folder completes it instead of failing: imports are idempotent.
      const project = openProject(dir, { create: !existsSync(join(dir, DB_FILE)) });
      const work = mkdtempSync(join(tmpdir(), 'sonotl-phantom-'));
      try {
        const genBar = new ProgressBar('phantom');
        const coco = await writePhantomDataset(work, { seed: opts.seed, count: opts.count }, (done, total) => genBar.update(done, total));
        genBar.done();
        const bar = new ProgressBar('import');
        const report = await importInputs(project, [work], {
          annotations: { format: 'coco', path: coco },
          author: 'phantom',
          onProgress: (p) => bar.update(p.done, p.total, p.file),
        });
        bar.done();
        for (const i of report.issues) console.error(`  ${i.file}: ${i.reason}`);
        const info = projectInfo(project);
        console.log(`demo project ${project.dir}: ${info.images} phantom images, ${info.boxes} boxes, ${info.subjects} subjects`);
        console.log(`next: sonotl info ${dir}`);
      } finally {
        rmSync(work, { recursive: true, force: true });
        project.close();
      }
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}
