import { InvalidArgumentError, type Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBackbone, locateBackbone } from '../../core/backbones/locate.js';
import { getBackbone } from '../../core/backbones/registry.js';
import { errorMessage, isSonoError } from '../../core/errors.js';
import { importInputs } from '../../core/import/run-import.js';
import { DB_FILE, openProject } from '../../core/project/open.js';
import { projectInfo } from '../../core/project/info.js';
import { writePhantomDataset } from '../../core/phantom/dataset-files.js';
import { DEFAULT_CONFIG, QUICK_OVERRIDES, resolveStudyConfig, type Method } from '../../core/study/config.js';
import { ProgressBar } from '../progress.js';
import { printStudyResult, runStudyCommand } from './study.js';

interface DemoFlags {
  count: number;
  seed: number;
  study: boolean;
  models?: string;
}

const HELP_AFTER = `
After the import the demo runs a small study on the new project, as "sonotl study <dir> --quick" would
(Haar, NA and fusion; Haar only when the MobileNetV2 weights are not installed), and prints Table 1.
Time on 2 shared cores with the default 60 images: about 2.5 minutes in all with the weights installed
(measured 139 s), about 15 s with Haar alone, about 3 s with --no-study. The phantom images are
synthetic, not clinical data.`;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('create a project of synthetic kidney phantom images with ground-truth boxes, then run a quick study on it')
    .argument('[dir]', 'project folder to create or complete', './sonotl-demo')
    .option('--count <n>', 'number of phantom images', positiveInt, 60)
    .option('--seed <n>', 'random seed of the phantom generator', positiveInt, 1)
    .option('--no-study', 'only create the project; skip the quick study')
    .option('--models <dir>', 'folder holding <backbone>/model.json for the CNN methods (default: $SONOTL_MODELS, else the user model cache)')
    .addHelpText('after', HELP_AFTER)
    .action(async (dir: string, opts: DemoFlags) => {
      const subjects = await createDemoProject(dir, opts);
      if (!opts.study) return;
      const folds = resolveStudyConfig(QUICK_OVERRIDES).folds;
      if (subjects < folds) {
        console.error(`note: quick study skipped: its ${folds} subject-wise folds need at least ${folds} subjects and ${dir} has ${subjects}; use --count ${2 * folds} or more`);
        return;
      }
      const methods = await demoMethods(opts.models);
      console.log(`quick study (${methods.join(', ')}) on ${dir}:`);
      printStudyResult(await runStudyCommand(dir, { quick: true, methods, models: opts.models }), false);
    });
}

/** Returns the number of subjects in the project. */
async function createDemoProject(dir: string, opts: DemoFlags): Promise<number> {
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
    return info.subjects;
  } finally {
    rmSync(work, { recursive: true, force: true });
    project.close();
  }
}

/**
 * The demo's methods when the backbone's weights are installed (otherwise Haar alone, saying why): the
 * pretrained-feature methods only, so a first look takes minutes; `sonotl study` adds PA and FA.
 */
const DEMO_METHODS: Method[] = ['haar', 'na', 'fusion'];

async function demoMethods(models: string | undefined): Promise<Method[]> {
  try {
    const entry = getBackbone(DEFAULT_CONFIG.backbone);
    if (models) await locateBackbone(entry, { env: { ...process.env, SONOTL_MODELS: resolve(models) } });
    else await ensureBackbone(entry, { log: (line) => console.error(line) });
    return DEMO_METHODS;
  } catch (e) {
    if (!isSonoError(e) || e.code !== 'NOT_FOUND') throw e;
    console.error(`note: CNN methods skipped: ${errorMessage(e)}`);
    return ['haar'];
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}
