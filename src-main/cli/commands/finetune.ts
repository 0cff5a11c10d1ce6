import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AdaptLevel } from '../../core/adapt/levels.js';
import { runFinetune, type FinetuneRunResult } from '../../core/adapt/run-finetune.js';
import { DEFAULT_FINETUNE, type FinetuneParamsInput } from '../../core/adapt/params.js';
import { listBackbones } from '../../core/backbones/registry.js';
import { ProgressBar } from '../progress.js';
import { withProject } from '../with-project.js';

interface FinetuneFlags {
  level: AdaptLevel;
  backbone?: string;
  epochs?: number;
  resume?: string;
  crop?: number;
  batch?: number;
  lr?: number;
  optimizer?: 'adam' | 'sgd';
  seed?: number;
  category?: string;
  workers?: number;
  json?: boolean;
}

export function registerFinetune(program: Command): void {
  program
    .command('finetune')
    .description(
      'fine-tune a backbone on organ-vs-background patches of the project\'s training images (all boxed images outside the test split) ' +
        'at an adaptation level: na = nothing trains, pa = the first two conv stages stay frozen, fa = everything trains; ' +
        'prints the run id (interrupt with Ctrl-C and continue with --resume)',
    )
    .argument('<project-dir>', 'project folder')
    .addOption(new Option('--level <level>', 'adaptation level').choices(['na', 'pa', 'fa']).makeOptionMandatory())
    .option('--backbone <id>', `backbone id (${listBackbones().map((b) => b.id).join(', ')})`, 'mobilenet_v2_0.35_224')
    .option('--epochs <n>', `epochs (default ${DEFAULT_FINETUNE.epochs}; with --resume: a new total)`, intArg)
    .option('--resume <run>', 'continue a cancelled, failed or interrupted fine-tuning run from its last checkpoint, with its own settings')
    .option('--crop <px>', `training crop side, a multiple of 32 (default ${DEFAULT_FINETUNE.cropSize}); backbones with a vector feature layer (caffenet: fc7) always train at their input size`, intArg)
    .option('--batch <n>', `patches per batch (default ${DEFAULT_FINETUNE.batchSize})`, intArg)
    .option('--lr <rate>', `learning rate (default ${DEFAULT_FINETUNE.learningRate}, cosine schedule)`, numberArg)
    .addOption(new Option('--optimizer <name>', `optimizer (default ${DEFAULT_FINETUNE.optimizer})`).choices(['adam', 'sgd']))
    .option('--seed <n>', `seed of sampling, shuffling and augmentation (default ${DEFAULT_FINETUNE.seed})`, intArg)
    .option('--category <name>', "category whose boxes are the organ (default: the project's most frequent)")
    .option('--workers <n>', 'threads computing gradients, each batch split between them (default: one per core on the WASM/CPU backends; 1 = this thread only)', intArg)
    .option('--json', 'print the result as JSON instead of the run id')
    .action(async (dir: string, flags: FinetuneFlags) =>
      withProject(dir, async (project) => {
        const params: FinetuneParamsInput = {};
        if (flags.epochs !== undefined) params.epochs = flags.epochs;
        if (flags.crop !== undefined) params.cropSize = flags.crop;
        if (flags.batch !== undefined) params.batchSize = flags.batch;
        if (flags.lr !== undefined) params.learningRate = flags.lr;
        if (flags.optimizer !== undefined) params.optimizer = flags.optimizer;
        if (flags.seed !== undefined) params.seed = flags.seed;
        const bar = new ProgressBar('finetune', process.stderr, flags.json === true);
        const controller = new AbortController();
        const onSigint = (): void => controller.abort();
        process.once('SIGINT', onSigint);
        let runId = '';
        let result: FinetuneRunResult;
        try {
          result = await runFinetune(project, {
            level: flags.level,
            backbone: flags.backbone,
            params,
            category: flags.category ?? null,
            resume: flags.resume,
            workers: flags.workers,
            signal: controller.signal,
            onRun: (id) => {
              runId = id;
              if (!flags.json) process.stderr.write(`run ${id}\n`);
            },
            onProgress: (p) => {
              if (p.phase !== 'train' || !p.batch || !p.batches || !p.epoch) return;
              const detail = `epoch ${p.epoch}/${p.epochs} loss ${p.loss?.toFixed(4)} ${p.imagesPerSecond?.toFixed(1)} patches/s`;
              bar.update((p.epoch - 1) * p.batches + p.batch, p.epochs * p.batches, detail);
            },
          });
        } catch (e) {
          bar.done();
          if (runId && controller.signal.aborted) process.stderr.write(`continue with: sonotl finetune ${dir} --level ${flags.level} --resume ${runId}\n`);
          throw e;
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
        bar.done();
        if (flags.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        const last = result.history[result.history.length - 1];
        if (result.level === 'na') process.stderr.write('level na: nothing trains; the pretrained backbone is stored with the run\n');
        else {
          process.stderr.write(
            `${result.level} ${result.backbone} on ${result.backend}: ${result.trainPatches} training / ${result.validationPatches} validation patches ` +
              `from ${result.trainImages} images, ${result.history.length} epochs${result.stoppedEarly ? ' (stopped early)' : ''}, best epoch ${result.bestEpoch}` +
              `${last?.valAccuracy != null ? `, validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%` : ''}, ${result.imagesPerSecond.toFixed(1)} patches/s at ${result.params.cropSize} px\n`,
          );
        }
        console.log(result.runId);
      }),
    );
}

function intArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

function numberArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}
