import { Option, type Command } from 'commander';
import { exportAnnotations } from '../../core/export/export-annotations.js';
import type { AnnotationFormat } from '../../core/io/types.js';
import { withProject } from '../with-project.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the project\'s boxes as COCO, Pascal VOC, YOLO or CSV')
    .argument('<project-dir>', 'project folder')
    .addOption(new Option('--format <format>', 'annotation format').choices(['coco', 'voc', 'yolo', 'csv']).makeOptionMandatory())
    .requiredOption('--out <path>', 'file (coco, csv) or folder (voc, yolo) to write')
    .action((dir: string, opts: { format: AnnotationFormat; out: string }) =>
      withProject(dir, (project) => {
        const r = exportAnnotations(project, opts.format, opts.out);
        console.log(`wrote ${r.boxes} boxes on ${r.images} images as ${r.format} to ${r.out} (${r.filesWritten} files)`);
      }),
    );
}
