import { InvalidArgumentError, type Command } from 'commander';
import { writeFileAtomic } from '../../core/util/atomic-write.js';
import { boxFeatures } from '../../core/adapt/box-features.js';
import { encodeNpyFloat32 } from '../../core/adapt/npy.js';
import { ProgressBar } from '../progress.js';
import { withProject } from '../with-project.js';

export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description(
      'one CNN feature vector per annotated box (crop, resize to the network input, global average pool of the feature layer), ' +
        'written as a float32 .npy (format 1.0, rows x dim) with a JSON index of the rows beside it (FILE.json)',
    )
    .argument('<project-dir>', 'project folder')
    .requiredOption('--out <file.npy>', 'output .npy file')
    .option('--backbone <id>', 'pretrained backbone (default mobilenet_v2_0.35_224)')
    .option('--run <run>', "a fine-tuning run: use its fine-tuned network ('final')")
    .option('--category <name>', 'only boxes of this category (default: all)')
    .option('--threads <n>', 'ONNX Runtime threads', threadsArg, 1)
    .action(async (dir: string, flags: { out: string; backbone?: string; run?: string; category?: string; threads: number }) =>
      withProject(dir, async (project) => {
        if (!flags.out.endsWith('.npy')) throw new InvalidArgumentError(`--out ${flags.out} must end in .npy`);
        const bar = new ProgressBar('features');
        const f = await boxFeatures(project, { backbone: flags.backbone, runId: flags.run, category: flags.category, threads: flags.threads, onProgress: (d, t) => bar.update(d, t) });
        bar.done();
        const indexFile = flags.out.replace(/\.npy$/, '.json');
        writeFileAtomic(flags.out, encodeNpyFloat32(f.data, f.rows.length, f.dim));
        const { data: _data, ...index } = f;
        writeFileAtomic(indexFile, JSON.stringify({ project: project.dir, npy: flags.out, shape: [f.rows.length, f.dim], pooling: 'avg', ...index }, null, 2));
        console.log(`${flags.out}: ${f.rows.length} x ${f.dim} float32 features from ${f.run ? `run ${f.run} (${f.level})` : `pretrained ${f.backbone}`}; index ${indexFile}`);
      }),
    );
}

function threadsArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('must be a whole number in 1..256');
  return n;
}
