import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importInputs } from '../../src-main/core/import/run-import.js';
import { writePhantomDataset } from '../../src-main/core/phantom/dataset-files.js';
import { insertImage, listImages, openProject } from '../../src-main/core/project/index.js';
import { median, timeMs, timeMsAsync, type BenchFigure } from '../figure.js';

/** Import rate: the whole path a user's import takes (read, hash, decode, store, commit) for phantom PNGs. */
export async function importRate(count = 1000): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'sonotl-bench-import-'));
  try {
    const data = join(work, 'data');
    const coco = await writePhantomDataset(data, { seed: 7, count });
    const project = openProject(join(work, 'p'), { create: true });
    let added = 0;
    const ms = await timeMsAsync(async () => {
      added = (await importInputs(project, [data], { annotations: { format: 'coco', path: coco } })).imagesAdded;
    });
    project.close();
    if (added !== count) throw new Error(`import benchmark imported ${added} of ${count} images`);
    return [{ name: `import ${count} phantom images (PNG + COCO boxes)`, unit: 'images/s', sonotl: (count * 1000) / ms, peer: null, peerName: null, ratio: null }];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Opening a large project and showing the first page of the image grid. The rows are inserted directly
 * (no image files): the figure is about the store, and 10 000 real imports would only measure decoding.
 */
export function projectOpen(images = 10_000, pageSize = 200): BenchFigure[] {
  const work = mkdtempSync(join(tmpdir(), 'sonotl-bench-open-'));
  try {
    const dir = join(work, 'p');
    const project = openProject(dir, { create: true });
    project.db.transaction(() => {
      for (let i = 0; i < images; i++) {
        const sha = i.toString(16).padStart(64, '0');
        insertImage(project, {
          sourceSha256: sha, sourceName: `scan_${i}.png`, frame: 0, fileSha256: sha, fileExt: 'png', originalName: `scan_${i}.png`, width: 800, height: 540,
          channels: 1, bitDepth: 8, subject: `s${i >> 1}`, split: null, modality: 'US', metadata: {},
        });
      }
    })();
    project.close();
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      runs.push(
        timeMs(() => {
          const p = openProject(dir);
          const page = listImages(p, { offset: 0, limit: pageSize });
          if (page.items.length !== pageSize || page.total !== images) throw new Error('project-open benchmark listed the wrong page');
          p.close();
        }),
      );
    }
    const ms = median(runs);
    return [{ name: `open a ${images}-image project and list ${pageSize} images`, unit: 'ms', sonotl: ms, peer: null, peerName: null, ratio: null, goal: '< 1000 ms', met: ms < 1000 }];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
