import { Option, type Command } from 'commander';
import { SonoError } from '../../core/errors.js';
import { importInputs, type ImportReport } from '../../core/import/run-import.js';
import type { AnnotationFormat } from '../../core/io/types.js';
import { currentUser } from '../../core/util/user.js';
import { ProgressBar } from '../progress.js';
import { withProject } from '../with-project.js';

interface ImportFlags {
  coco?: string;
  voc?: string;
  yolo?: string;
  csv?: string;
  json?: boolean;
  author?: string;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import images (PNG, JPEG, DICOM; files or folders) and optionally their annotations')
    .argument('<project-dir>', 'project folder')
    .argument('<file-or-folder...>', 'images or folders of images (walked recursively; links are not followed)')
    .addOption(new Option('--coco <file>', 'COCO JSON annotations').conflicts(['voc', 'yolo', 'csv']))
    .addOption(new Option('--voc <dir>', 'folder of Pascal VOC XML files').conflicts(['yolo', 'csv']))
    .addOption(new Option('--yolo <dir>', 'folder of YOLO txt labels with classes.txt').conflicts(['csv']))
    .option('--csv <file>', 'CSV annotations (file_name,width,height,subject,split,category,x,y,w,h)')
    .option('--author <name>', 'author recorded for imported boxes', currentUser())
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, inputs: string[], flags: ImportFlags) =>
      withProject(dir, async (project) => {
        const annotations = annotationOption(flags);
        const bar = new ProgressBar('import', process.stderr, flags.json === true);
        const controller = new AbortController();
        const onSigint = (): void => controller.abort();
        process.once('SIGINT', onSigint);
        let report: ImportReport;
        try {
          report = await importInputs(project, inputs, {
            annotations,
            author: flags.author,
            signal: controller.signal,
            onProgress: (p) => bar.update(p.done, p.total, p.file),
          });
        } finally {
          process.off('SIGINT', onSigint);
          bar.done();
        }
        printReport(report, flags.json === true);
        if (report.cancelled) throw new SonoError('CANCELLED', 'import cancelled; what was imported is saved, run the same command again to finish');
        if (report.filesSeen === 0) throw new SonoError('BAD_INPUT', 'no image files found in the given paths');
      }),
    );
}

function annotationOption(flags: ImportFlags): { format: AnnotationFormat; path: string } | undefined {
  for (const format of ['coco', 'voc', 'yolo', 'csv'] as const) {
    const path = flags[format];
    if (path) return { format, path };
  }
  return undefined;
}

function printReport(report: ImportReport, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(
    `imported ${report.imagesAdded} new images (${report.imagesAlreadyPresent} already present) and ${report.boxesAdded} boxes (${report.boxesAlreadyPresent} already present) from ${report.filesSeen} files`,
  );
  for (const d of report.sameContent) console.log(`  note: ${d.file} has the same content as ${d.sameAs} (kept both; keep them in one split)`);
  if (report.issues.length > 0) {
    console.log(`${report.issues.length} not imported:`);
    for (const i of report.issues) console.log(`  ${i.file}: ${i.reason}`);
  }
}

