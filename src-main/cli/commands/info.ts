import type { Command } from 'commander';
import { projectInfo } from '../../core/project/info.js';
import { listDetections } from '../../core/study/store.js';
import { withProject } from '../with-project.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('counts of images, annotated images, boxes per category, subjects and runs (with their stored detections)')
    .argument('<project-dir>', 'project folder')
    .option('--json', 'print JSON instead of text; runs: [{ id, method, backbone, status, detections }]')
    .action((dir: string, opts: { json?: boolean }) =>
      withProject(dir, (project) => {
        const base = projectInfo(project);
        // How many per-image detections each run stored: a finished study run has one per evaluated image.
        const info = { ...base, runs: base.runs.map((r) => ({ ...r, detections: listDetections(project, r.id).length })) };
        if (opts.json) {
          console.log(JSON.stringify(info, null, 2));
          return;
        }
        console.log(`project          ${info.dir}`);
        console.log(`images           ${info.images} (${info.annotatedImages} annotated)`);
        console.log(`boxes            ${info.boxes}`);
        for (const [name, n] of Object.entries(info.boxesPerCategory)) console.log(`  ${name.padEnd(15)}${n}`);
        console.log(`subjects         ${info.subjects}${info.imagesWithoutSubject ? ` (+${info.imagesWithoutSubject} images without a subject)` : ''}`);
        console.log(`splits           train ${info.splits.train}, val ${info.splits.val}, test ${info.splits.test}, unassigned ${info.splits.none}`);
        console.log(`runs             ${info.runs.length}`);
        for (const r of info.runs) {
          console.log(`  ${r.id} ${r.method}${r.backbone ? ` (${r.backbone})` : ''} ${r.status}${r.detections ? `, ${r.detections} detections` : ''}`);
        }
      }),
    );
}
