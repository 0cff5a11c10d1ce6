import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importInputs } from '../../src-main/core/import/run-import.js';
import { writePhantomDataset } from '../../src-main/core/phantom/dataset-files.js';
import { openProject } from '../../src-main/core/project/index.js';
import { QUICK_OVERRIDES, resolveStudyConfig } from '../../src-main/core/study/config.js';
import { runStudy } from '../../src-main/core/study/run-study.js';
import type { BenchFigure } from '../figure.js';
import { msNow, msSince } from './alternate.js';
import { peakRssMb, resetPeakRss } from './peak-rss.js';
import { sharedDir } from './shared-data.js';

/**
 * Figure 6, study half: peak RSS of the whole process (the study computes in a worker thread of it)
 * during a small phantom study with the quick preset and the haar, na and fusion methods. Not the
 * hc18-dev study of the issue: that takes far longer than a benchmark run on 2 cores.
 */
export async function studyMemory(quick: boolean): Promise<BenchFigure[]> {
  const count = quick ? 9 : 18;
  const work = mkdtempSync(join(tmpdir(), 'sonotl-bench-study-'));
  try {
    const coco = await writePhantomDataset(join(work, 'data'), { seed: 11, count });
    const project = openProject(join(work, 'p'), { create: true });
    try {
      await importInputs(project, [join(work, 'data')], { annotations: { format: 'coco', path: coco } });
      const config = resolveStudyConfig({ ...QUICK_OVERRIDES, folds: 3, methods: ['haar', 'na', 'fusion'] });
      // The peak includes what the process already holds (the WASM heap of an earlier training figure
      // never shrinks), so the starting RSS is printed beside it.
      const startMb = process.memoryUsage().rss / 2 ** 20;
      const tracked = resetPeakRss();
      const t = msNow();
      await runStudy(project, { config, outDir: join(work, 'report'), modelsDir: resolve(sharedDir(), 'models') });
      const seconds = msSince(t) / 1000;
      const rss = tracked ? peakRssMb() : null;
      if (rss === null) return [];
      return [
        {
          name: `memory: peak RSS during a ${count}-image phantom study (quick, haar+na+fusion, ${seconds.toFixed(0)} s; ${startMb.toFixed(0)} MB at start)`,
          unit: 'MB',
          sonotl: rss,
          peer: null,
          peerName: null,
          ratio: null,
        },
      ];
    } finally {
      project.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
