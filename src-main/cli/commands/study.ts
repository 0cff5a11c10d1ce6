import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorMessage, SonoError } from '../../core/errors.js';
import { openProject, type Project } from '../../core/project/open.js';
import { checkStudyBackbones, DEFAULT_CONFIG, METHODS, QUICK_OVERRIDES, resolveStudyConfig, studyVariants, type Method, type StudyConfig } from '../../core/study/config.js';
import { table1Text } from '../../core/study/report-tables.js';
import { studyOfRun } from '../../core/study/resume.js';
import { resumeStudy, runStudy, type StudyResult } from '../../core/study/run-study.js';
import { ensureBackbone } from '../../core/backbones/locate.js';
import { listBackbones } from '../../core/backbones/registry.js';
import { registerUserBackbones } from '../../core/backbones/user-backbones.js';
import { formatSeconds } from '../progress.js';
import { StudyProgressView } from '../study-progress.js';
import { withProject } from '../with-project.js';

export interface StudyFlags {
  config?: string;
  out?: string;
  testProject?: string;
  quick?: boolean;
  methods?: Method[];
  models?: string;
  json?: boolean;
  resume?: string;
}

const HELP_AFTER = `
Configuration, lowest precedence first: the defaults, then --quick, then --config, then --methods.
study.json may hold any of: methods, backbone, extraBackbones, category, split ("kfold" | "fixed"),
folds, seed, gbm, hardNegativeMaxIter, windows, samples, detect, cnnWindows ("roi" | "crop"), threads,
finetune. An unknown field or a bad value is refused, naming the file and the field.

extraBackbones (default []): more backbone ids (see "sonotl backbones"; user backbones included) whose
CNN methods (every method but haar) also run, on the same folds, each as its own runs and
Table 1 rows with their backbone; haar runs once. An unknown id, the main backbone or a repeat is
refused before any work starts; PA / FA on a backbone that cannot be fine-tuned is reported as
unavailable for that backbone, as for the main one. Each extra backbone adds about the CNN methods'
share of the time again.

Methods: ${METHODS.join(', ')} (default ${DEFAULT_CONFIG.methods.join(', ')}). fusion joins Haar
features to FA's when fa is in the study, to NA's otherwise. A method that cannot run with the chosen
backbone is reported as unavailable and the others still run.

Every method runs on the same subject-wise folds. Each method is one run in the project (see
"sonotl info --json"), with its metrics and per-image detections; with extra backbones, one run per
method and backbone (named "<method>@<backbone>" in the printed runs). The report folder holds table1.json,
table1.md, table1.csv, mcnemar.csv, detections.csv, study.json and index.html (plots).

CNN methods need the backbone's weights: <models>/<backbone>/model.json, where <models> is --models,
else $SONOTL_MODELS, else the user's model cache. When neither --models nor $SONOTL_MODELS is given and
the cache lacks them, they are downloaded once from the registry's URL into the cache (not with
SONOTL_NO_DOWNLOAD=1).

Ctrl-C cancels: the runs are marked cancelled and nothing partial is reported. A second Ctrl-C quits at once.
Every fold network of PA / FA is stored with its run as soon as it is trained, and the one in training
keeps its last epoch's checkpoint, so --resume <run-id> (any run of a cancelled, interrupted or failed
study) goes on in the same runs with the study's own settings and test project: stored networks are not
trained again, the one in training goes on from its last epoch, and the rest (Haar, features,
classifiers, detection) is computed again; the results are those of an uninterrupted study. It is refused
when the project's images or boxes changed since the study started (restart it with a new study then).
Time on 2 cores: --quick with haar,na,fusion,fusion-score on 30 phantom images took 35 s on an idle
machine and 100 s on a busy one; pa and fa add a fine-tuned network per fold. The full study on HC18-dev
(191 images) is meant to fit within an hour.`;

export function registerStudy(program: Command): void {
  program
    .command('study')
    .description('run the detection study (Haar, CNN and fusion features, GBM windows, Dice < 0.80 failures) and write its report')
    .argument('<project-dir>', 'project folder with annotated images (the organ: the most frequent category unless the config names one)')
    .option('--config <file>', 'study.json with settings to change (see below)')
    .option('--out <dir>', 'report folder (default: <project-dir>/reports/study-<date-time>)')
    .option('--test-project <dir>', 'independent test project (nothing is written to it): models trained on all of <project-dir> are also reported on it')
    .option('--quick', 'about a fifth of the default work (3 folds, smaller classifiers, fewer windows and patches)')
    .option('--methods <list>', `comma-separated methods, replacing the config's (${METHODS.join(', ')})`, parseMethods)
    .option('--models <dir>', 'folder holding <backbone>/model.json (default: $SONOTL_MODELS, else the user model cache)')
    .option('--resume <run-id>', 'go on with the stopped study this run belongs to, in its runs and with its settings (no --config, --quick or --methods)')
    .option('--json', 'print the result (report folder, runs, Table 1 rows) as JSON on stdout; progress stays on stderr')
    .addHelpText('after', HELP_AFTER)
    .action(async (dir: string, flags: StudyFlags) => {
      const result = await runStudyCommand(dir, flags);
      printStudyResult(result, flags.json === true);
    });
}

/** Commander parser for --methods: known names only, duplicates dropped. */
export function parseMethods(value: string): Method[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError('needs at least one method');
  for (const m of list) {
    if (!(METHODS as readonly string[]).includes(m)) throw new InvalidArgumentError(`unknown method "${m}" (known: ${METHODS.join(', ')})`);
  }
  return [...new Set(list)] as Method[];
}

/** Defaults, then the quick preset, then the config file; a bad file is named in the error. */
export function loadStudyConfig(flags: Pick<StudyFlags, 'config' | 'quick' | 'methods'>): StudyConfig {
  let config = flags.quick ? resolveStudyConfig(QUICK_OVERRIDES) : DEFAULT_CONFIG;
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (e) {
      throw new SonoError('NOT_FOUND', `${flags.config}: cannot read the study config (${errorMessage(e)})`, flags.config);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SonoError('BAD_INPUT', `${flags.config}: not valid JSON (${errorMessage(e)})`, flags.config);
    }
    try {
      config = resolveStudyConfig(json, config);
    } catch (e) {
      throw new SonoError('BAD_INPUT', `${flags.config}: ${errorMessage(e).replace(/^study config: /, '')}`, flags.config);
    }
  }
  if (flags.methods) config = { ...config, methods: flags.methods };
  return config;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/**
 * The whole `study` command short of printing: config, projects, progress, Ctrl-C. Shared with `demo`
 * and the HC18 benchmark so that they run the study exactly as a user does.
 */
export async function runStudyCommand(dir: string, flags: StudyFlags): Promise<StudyResult & { outDir: string }> {
  if (flags.resume) {
    const extra = (['config', 'quick', 'methods'] as const).filter((k) => flags[k] !== undefined);
    if (extra.length > 0) throw new SonoError('BAD_INPUT', `--resume continues a study with its own settings; leave out --${extra.join(', --')}`);
  }
  const config = loadStudyConfig(flags);
  if (flags.testProject && resolve(flags.testProject) === resolve(dir)) {
    throw new SonoError('BAD_INPUT', `--test-project ${flags.testProject} is the study project itself; an independent test set must be another project`);
  }
  // User backbones (named as the backbone or an extra one) were registered by the program's preAction
  // hook; a broken one is only a note unless used. Called from code directly, register them here.
  registerUserBackbones();
  try {
    checkStudyBackbones(config);
  } catch (e) {
    // The backbones come from the config file (or the defaults): name the file, as for its other fields.
    if (!flags.config) throw e;
    throw new SonoError('BAD_INPUT', `${flags.config}: ${errorMessage(e).replace(/^study config: /, '')}`, flags.config);
  }
  // A resumed study's backbones were there when it started; its notes were printed then.
  const variants = flags.resume ? [] : studyVariants(config);
  for (const v of variants) {
    for (const u of v.unavailable) process.stderr.write(`note: ${u.method}${v.main ? '' : ` with ${v.backbone}`}: ${u.reason}\n`);
  }
  // First use on a workstation: fetch the backbones into the cache before the study starts, not mid-way.
  // (CaffeNet's ONNX file and user backbones have no download; the study reports them missing itself.)
  for (const v of variants) {
    const entry = listBackbones().find((e) => e.id === v.backbone);
    if (entry && !entry.weightsFile && v.methods.some((m) => m !== 'haar') && !flags.models) {
      await ensureBackbone(entry, { log: (line) => process.stderr.write(`${line}\n`) });
    }
  }
  return withProject(dir, async (project) => {
    let testProject: Project | null = null;
    const controller = new AbortController();
    const own = flags.resume ? studyOfRun(project, flags.resume).config : config;
    const view = new StudyProgressView(own.split === 'kfold' ? own.folds : 1, false);
    const onSecond = (): void => {
      process.stderr.write('sonotl: quitting without cleaning up; the runs will show as interrupted\n');
      process.exit(130);
    };
    const onFirst = (): void => {
      view.done();
      process.stderr.write('cancelling the study (Ctrl-C again to quit at once)...\n');
      controller.abort();
      process.once('SIGINT', onSecond);
    };
    process.once('SIGINT', onFirst);
    process.once('SIGTERM', onFirst);
    try {
      // Read-only: the study never writes to the test project (it may sit on a read-only medium).
      if (flags.testProject) testProject = openProject(flags.testProject, { readonly: true });
      const outDir = resolve(flags.out ?? join(project.dir, 'reports', `study-${stamp()}`));
      const common = {
        outDir,
        testProject,
        modelsDir: flags.models ? resolve(flags.models) : undefined,
        signal: controller.signal,
        // Events still in flight from the worker would redraw a bar under the cancel message.
        onProgress: (p: Parameters<StudyProgressView['update']>[0]) => (controller.signal.aborted ? undefined : view.update(p)),
      };
      const result = flags.resume ? await resumeStudy(project, { ...common, runId: flags.resume }) : await runStudy(project, { ...common, config });
      return { ...result, outDir };
    } finally {
      view.done();
      process.off('SIGINT', onFirst);
      process.off('SIGINT', onSecond);
      process.off('SIGTERM', onFirst);
      testProject?.close();
    }
  });
}

export function printStudyResult(r: StudyResult & { outDir: string }, json: boolean): void {
  if (json) {
    const out = { report: r.outDir, files: r.reportFiles, runs: r.runs, unavailable: r.unavailable, wallSeconds: r.wallSeconds, table1: r.rows };
    console.log(JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    return;
  }
  console.log('Table 1: localisation failures (Dice < 0.80), patch accuracy and mean Dice, 95% intervals');
  process.stdout.write(table1Text(r.rows));
  for (const u of r.unavailable) console.log(`${u.method}${u.backbone ? ` with ${u.backbone}` : ''}: ${u.reason}`);
  console.log(`runs: ${Object.entries(r.runs).map(([m, id]) => `${m} ${id}`).join(', ')}`);
  console.log(`report: ${join(r.outDir, 'index.html')} (and table1.json, table1.md, table1.csv beside it)`);
  console.log(`wall time ${formatSeconds(r.wallSeconds)}`);
}
