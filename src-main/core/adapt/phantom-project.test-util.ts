/** A small phantom project for the fine-tuning tests: a few synthetic kidney images imported as a user would. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importInputs } from '../import/run-import.js';
import { writePhantomDataset } from '../phantom/dataset-files.js';
import { openProject, type Project } from '../project/open.js';

export async function phantomProject(count = 8, size: { width: number; height: number } = { width: 192, height: 160 }): Promise<{ project: Project; root: string; cleanup: () => void }> {
  const root = mkdtempSync(join(tmpdir(), 'sonotl-adapt-'));
  const data = join(root, 'data');
  const coco = await writePhantomDataset(data, { seed: 5, count, ...size });
  const project = openProject(join(root, 'p'), { create: true });
  await importInputs(project, [data], { annotations: { format: 'coco', path: coco }, author: 'test' });
  return {
    project,
    root,
    cleanup: () => {
      project.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Settings that keep a run to a few seconds: tiny crops, few patches, one small batch size. */
export const TINY = { cropSize: 64, batchSize: 8, positivesPerImage: 2, negativeRatio: 1, validationFraction: 0.25, patience: 0 } as const;
