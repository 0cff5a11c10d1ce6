import type { Command } from 'commander';
import { networkFor } from '../../core/adapt/box-features.js';
import { SonoError } from '../../core/errors.js';
import { featureExportOptions } from '../../core/backbones/window-input.js';
import { exportLayersModel } from '../../core/onnx/export-tfjs.js';
import { writeFileAtomic } from '../../core/util/atomic-write.js';
import { withProject } from '../with-project.js';

export function registerExportModel(program: Command): void {
  program
    .command('export-model')
    .description(
      "export a run's fine-tuned backbone to ONNX: input 'input' float32 NCHW [N, 3, H, W] (gray replicated to the three channels, " +
        "with the backbone's preprocessing: 'tf' x / 127.5 - 1, 'caffe' BGR x minus the ImageNet mean), output 'features' [N, dim]: " +
        'the feature layer globally average-pooled, or as it is for a vector feature layer (CaffeNet fc7)',
    )
    .argument('<project-dir>', 'project folder')
    .requiredOption('--run <run>', 'fine-tuning run whose network to export')
    .requiredOption('--out <file.onnx>', 'output ONNX file')
    .action(async (dir: string, flags: { run: string; out: string }) =>
      withProject(dir, async (project) => {
        if (!flags.out.endsWith('.onnx')) throw new SonoError('BAD_INPUT', `--out ${flags.out} must end in .onnx`, flags.out);
        const net = await networkFor(project, { runId: flags.run });
        let bytes: Uint8Array;
        try {
          bytes = exportLayersModel(net.model, featureExportOptions(net.entry));
        } finally {
          net.model.dispose();
        }
        writeFileAtomic(flags.out, bytes);
        const [h, w] = net.entry.inputSize;
        console.log(`${flags.out}: ${net.entry.id} of run ${net.run} (${net.level}), input [N, 3, ${h}, ${w}] ('${net.entry.preprocessing}' preprocessing), output [N, ${net.entry.featureDim}], ${bytes.length} bytes`);
      }),
    );
}
