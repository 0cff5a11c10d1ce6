/**
 * `npm run study:hc18`: the detection study on real ultrasound, HC18-dev (../shared/data/hc18-dev,
 * 191 fetal-head images of 150 subjects), exactly as `sonotl study` runs it: imported into a project
 * (a fresh one, or the one under --dir, where importing again changes nothing), subject-wise k-fold,
 * the default methods, the report folder, and the wall time. The summary goes to
 * bench/results/study-hc18.json for docs/results.md.
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseMethods, printStudyResult, runStudyCommand, type StudyFlags } from '../src-main/cli/commands/study.js';
import { ProgressBar, formatSeconds } from '../src-main/cli/progress.js';
import { errorMessage } from '../src-main/core/errors.js';
import { importInputs } from '../src-main/core/import/run-import.js';
import { DB_FILE, openProject } from '../src-main/core/project/open.js';
import { projectInfo } from '../src-main/core/project/info.js';
import { packageRoot } from '../src-main/core/util/package-root.js';

const SHARED = resolve(process.env.SONOTL_SHARED ?? join(packageRoot(), '..', 'shared'));
const HC18 = join(SHARED, 'data', 'hc18-dev');

interface Flags extends StudyFlags {
  dir?: string;
  limit?: number;
}

interface Coco {
  images: Array<{ id: number; file_name: string }>;
  annotations: Array<{ image_id: number }>;
  [k: string]: unknown;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/** Imports HC18-dev (or its first `limit` images) into the project at `dir`, creating it if needed. */
async function importHc18(dir: string, limit: number | undefined): Promise<void> {
  const cocoPath = join(HC18, 'annotations.coco.json');
  if (!existsSync(cocoPath)) throw new Error(`${cocoPath} not found: HC18-dev is expected in ../shared beside the checkout, or set SONOTL_SHARED`);
  let inputs = [HC18];
  let annotations = cocoPath;
  const scratch = mkdtempSync(join(tmpdir(), 'sonotl-hc18-'));
  try {
    if (limit !== undefined) {
      // A subset: the first images in file order with a COCO file of just those, so nothing is reported missing.
      const coco = JSON.parse(readFileSync(cocoPath, 'utf8')) as Coco;
      const images = coco.images.slice(0, limit);
      const ids = new Set(images.map((i) => i.id));
      annotations = join(scratch, 'annotations.coco.json');
      writeFileSync(annotations, JSON.stringify({ ...coco, images, annotations: coco.annotations.filter((a) => ids.has(a.image_id)) }));
      inputs = images.map((i) => join(HC18, i.file_name));
    }
    const project = openProject(dir, { create: !existsSync(join(dir, DB_FILE)) });
    try {
      const bar = new ProgressBar('import');
      const report = await importInputs(project, inputs, { annotations: { format: 'coco', path: annotations }, author: 'hc18', onProgress: (p) => bar.update(p.done, p.total) });
      bar.done();
      for (const i of report.issues) console.error(`  ${i.file}: ${i.reason}`);
      const info = projectInfo(project);
      console.log(`project ${project.dir}: ${info.images} images (${report.imagesAdded} new), ${info.boxes} boxes, ${info.subjects} subjects`);
    } finally {
      project.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('study-hc18')
    .description('run the detection study on ../shared/data/hc18-dev and print its Table 1 and wall time')
    .option('--dir <dir>', 'project folder to create or reuse (default: a new folder under the system temp dir, kept)')
    .option('--out <dir>', 'report folder (default: <dir>/reports/study-<date-time>)')
    .option('--limit <n>', 'import only the first n images (a check of the script, not the study)', positiveInt)
    .option('--quick', 'the --quick preset of sonotl study (3 folds, smaller everything)')
    .option('--methods <list>', 'comma-separated methods (default: the study default)', parseMethods)
    .option('--config <file>', 'study.json, as for sonotl study')
    .option('--models <dir>', 'folder holding <backbone>/model.json (default: $SONOTL_MODELS, else ../shared/models)')
    .addHelpText('after', '\nThe full study (no --limit, no --quick) is sized for about an hour on 2 cores; it is the run docs/results.md reports.')
    .parse(argv, { from: 'user' });
  const flags = program.opts<Flags>();
  const started = Date.now();
  const dir = resolve(flags.dir ?? mkdtempSync(join(tmpdir(), 'sonotl-hc18-study-')));
  console.log(`HC18 study - ${new Date().toISOString()} - ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()} - node ${process.version}`);
  await importHc18(dir, flags.limit);
  const models = flags.models ?? process.env.SONOTL_MODELS ?? join(SHARED, 'models');
  const result = await runStudyCommand(dir, { ...flags, models });
  printStudyResult(result, false);
  const totalSeconds = (Date.now() - started) / 1000;
  console.log(`wall time: study ${formatSeconds(result.wallSeconds)}, with the import ${formatSeconds(totalSeconds)}`);

  const outDir = join(packageRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const summary = {
    date: new Date().toISOString(),
    command: `npm run study:hc18 --${argv.length ? ' ' + argv.join(' ') : ''}`,
    machine: `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}`,
    project: dir,
    report: result.outDir,
    studySeconds: result.wallSeconds,
    totalSeconds,
    phaseSeconds: result.computation.seconds,
    unavailable: result.unavailable,
    table1: result.rows,
  };
  writeFileSync(join(outDir, 'study-hc18.json'), JSON.stringify(summary, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  console.log(`wrote ${join(outDir, 'study-hc18.json')}`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`study:hc18: ${errorMessage(e).split('\n')[0]}`);
  process.exitCode = 1;
});
