import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { writeAnalysis } from '../../core/analysis/analysis-files.js';
import { DEFAULT_CHANGE_THRESHOLD } from '../../core/analysis/filter-change.js';
import { analyzeRun, DEFAULT_ANALYSIS_BACKBONE } from '../../core/analysis/run-analysis.js';
import { withProject } from '../with-project.js';

interface AnalyzeOptions {
  run: string;
  image?: string;
  out?: string;
  threshold: number;
  model?: string;
  ridges: 'bright' | 'dark';
  backbone: string;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'mechanism analysis of a run on one image: conv1-2 response maps before and after adaptation, their ' +
        'similarity to phase congruency and Frangi vesselness, speckle, and filters changed by fine-tuning',
    )
    .argument('<project-dir>', 'project folder')
    .requiredOption('--run <id>', 'run whose network is analysed (a run with no saved network compares the pretrained backbone with itself)')
    .option('--image <id-or-name>', 'image id or imported name (default: the first image)')
    .option('--out <dir>', 'folder to write (default: <project-dir>/analysis/<run>-<image id>)')
    .option('--threshold <fraction>', 'relative L2 change above which a filter counts as changed', fraction, DEFAULT_CHANGE_THRESHOLD)
    .option('--model <name>', "the run's saved network: final or fold-<k> (default: final)")
    .addOption(new Option('--ridges <kind>', 'ridges Frangi vesselness responds to').choices(['bright', 'dark']).default('bright'))
    .option('--backbone <id>', 'backbone for runs that record none', DEFAULT_ANALYSIS_BACKBONE)
    .action((dir: string, opts: AnalyzeOptions) =>
      withProject(dir, async (project) => {
        // tfjs would otherwise print a multi-line advert for its native backend on stderr, which is
        // reserved for the one-line failure reason.
        tf.env().set('PROD', true);
        const a = await analyzeRun(project, opts.run, {
          image: opts.image,
          model: opts.model,
          threshold: opts.threshold,
          ridges: opts.ridges,
          backbone: opts.backbone,
        });
        const out = resolve(opts.out ?? join(project.dir, 'analysis', `${a.run.id}-${a.image.id}`));
        const written = await writeAnalysis(out, a);
        for (const n of a.notes) console.log(`note: ${n}`);
        for (const ranked of a.mostSimilar.filter((r) => r.state === (a.adaptedModel ? 'adapted' : 'pretrained'))) {
          const best = ranked.top[0];
          if (best) console.log(`most like ${ranked.classical} (${ranked.state}): ${best.conv} filter ${best.filter}, r = ${best.pearson.toFixed(3)}`);
        }
        for (const l of a.filterChange.layers.filter((x) => x.changed > 0)) console.log(`changed > ${a.filterChange.threshold}: ${l.layer} ${l.changed}/${l.filters}`);
        const changed = a.filterChange.layers.reduce((n, l) => n + l.changed, 0);
        const total = a.filterChange.layers.reduce((n, l) => n + l.filters, 0);
        console.log(`filters changed by more than ${(100 * a.filterChange.threshold).toFixed(0)}%: ${changed} of ${total} in ${a.filterChange.layers.length} layers`);
        console.log(`wrote ${written.files.length} files to ${out} (open index.html)`);
      }),
    );
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0 (0.4 means 40%)');
  return n;
}
