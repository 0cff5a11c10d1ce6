/** Writes the study's report folder. Each file is written atomically. */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { StudyComputation } from './compute.js';
import type { Method, StudyConfig } from './config.js';
import { reportHtml } from './report-html.js';
import { mcnemarCsv, table1Csv, table1Json, table1Markdown, toCsv } from './report-tables.js';
import type { McNemarRow, Table1Row } from './summary.js';

export interface ReportInput {
  project: string;
  testProject: string | null;
  category: string;
  config: StudyConfig;
  rows: Table1Row[];
  mcnemar: McNemarRow[];
  computation: StudyComputation;
  unavailable: Array<{ method: Method; reason: string; backbone?: string }>;
  /** Run id of each method in the study project ('<method>@<backbone>' for an extra backbone's). */
  runs: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
}

export const REPORT_FILES = ['table1.json', 'table1.md', 'table1.csv', 'mcnemar.csv', 'detections.csv', 'study.json', 'index.html'] as const;

export function reportNotes(r: Pick<ReportInput, 'unavailable' | 'computation' | 'config'> & Partial<ReportInput>): string[] {
  const notes: string[] = [];
  // Where the numbers come from, so a table copied out of the folder still says what it measured.
  if (r.project) {
    const test = r.testProject ? `; independent test project ${r.testProject}` : '';
    notes.push(`Project ${r.project}, category "${r.category}"${test}.`);
  }
  if (r.finishedAt && r.wallSeconds !== undefined) notes.push(`Finished ${r.finishedAt}; wall time ${wallTime(r.wallSeconds)}.`);
  notes.push(...r.unavailable.map((u) => `${u.method}${u.backbone ? ` with ${u.backbone}` : ''}: ${u.reason}.`));
  if (r.computation.cnnWindows !== r.config.cnnWindows) {
    notes.push(
      `CNN window features: cnnWindows '${r.config.cnnWindows}' was asked, but the feature layer of ${r.config.backbone} is a vector, not a convolutional map, ` +
        `so it cannot be ROI-pooled: every window was cropped, resized to the network input and run through the network ('${r.computation.cnnWindows}').`,
    );
  }
  const fusions = r.computation.entries.filter((e) => e.method === 'fusion');
  for (const e of fusions) {
    const which = fusions.length > 1 ? ` (${e.backbone})` : '';
    notes.push(`fusion${which}: Haar features concatenated with the ${e.level === 'fa' ? 'fine-tuned (FA)' : 'frozen (NA)'} CNN features, one classifier.`);
  }
  const extra = r.config.extraBackbones.length;
  if (extra > 0) {
    notes.push(`CNN methods with ${r.config.backbone} and with ${r.config.extraBackbones.join(', ')}: one row and run per method and backbone; Haar once.`);
  }
  const same = extra > 0 ? 'every method and backbone on the same folds' : 'every method on the same folds';
  if (r.config.split === 'kfold') notes.push(`${r.config.folds}-fold cross-validation by subject (seed ${r.config.seed}); ${same}.`);
  notes.push('Failure-rate and accuracy intervals: Wilson 95%. Mean-Dice intervals: percentile bootstrap over subjects (2000 resamples).');
  return notes;
}

export function writeReport(outDir: string, r: ReportInput): string[] {
  const notes = reportNotes(r);
  const files: Array<[string, string]> = [
    ['table1.json', table1Json(r.rows)],
    ['table1.md', table1Markdown(r.rows, notes)],
    ['table1.csv', table1Csv(r.rows)],
    ['mcnemar.csv', mcnemarCsv(r.mcnemar)],
    [
      'detections.csv',
      toCsv(
        // backbone last, so that the columns before it keep their places from before there were extra backbones.
        ['method', 'set', 'fold', 'imageId', 'image', 'subject', 'x', 'y', 'w', 'h', 'score', 'dice', 'iou', 'coarseDice', 'failure', 'backbone'],
        r.computation.detections.map((d) => [
          d.method, d.set, d.fold, d.imageId, d.imageName, d.subject ?? '', d.box.x, d.box.y, d.box.w, d.box.h,
          d.score.toFixed(6), d.dice.toFixed(6), d.iou.toFixed(6), d.coarseDice.toFixed(6), d.dice < 0.8 ? 1 : 0, d.backbone ?? '',
        ]),
      ),
    ],
    [
      'study.json',
      JSON.stringify(
        {
          project: r.project,
          testProject: r.testProject,
          category: r.category,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          wallSeconds: r.wallSeconds,
          phaseSeconds: r.computation.seconds,
          runs: r.runs,
          unavailable: r.unavailable,
          config: r.config,
          folds: r.computation.folds,
          accuracy: r.computation.accuracy,
        },
        null,
        2,
      ) + '\n',
    ],
    [
      'index.html',
      reportHtml({
        title: `SonoTL detection study: ${r.category}`,
        generatedAt: r.finishedAt,
        rows: r.rows,
        mcnemar: r.mcnemar,
        computation: r.computation,
        notes,
      }),
    ],
  ];
  for (const [name, text] of files) writeFileAtomic(join(outDir, name), text);
  return files.map(([name]) => join(outDir, name));
}

function wallTime(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
