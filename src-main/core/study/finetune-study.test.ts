import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantomProject } from '../adapt/phantom-project.test-util.js';
import { getBackbone, registerBackbone } from '../backbones/registry.js';
import { sharedModelsDir } from '../backbones/test-fixtures.js';
import { getRun, listImages, listRunLosses, listRunModels, setSplit, type Project } from '../project/index.js';
import { QUICK_OVERRIDES, resolveStudyConfig, splitMethods } from './config.js';
import type { StudyProgress } from './progress.js';
import { runStudy } from './run-study.js';
import { TINY_FINETUNE, TINY_STUDY } from './tiny-study.test-util.js';

/**
 * PA and FA as study methods: per fold the backbone is fine-tuned on that fold's training images, its
 * networks are stored with the runs, and fusion becomes Haar + FA. A tiny phantom study, computed inline.
 */
let fx: Awaited<ReturnType<typeof phantomProject>>;
let project: Project;

beforeAll(async () => {
  fx = await phantomProject(6);
  project = fx.project;
  // A fixed split (one subject's two images held out) keeps this to one network per level.
  const images = listImages(project, { offset: 0, limit: 10 }).items;
  const last = images[images.length - 1].subject;
  setSplit(project, images.filter((i) => i.subject === last).map((i) => i.id), 'test');
});
afterAll(() => fx?.cleanup());

describe('study with fine-tuned methods', () => {
  it('fine-tunes per fold, reports PA, FA and fusion = Haar + FA, and stores each fold network', async () => {
    const config = resolveStudyConfig({
      ...QUICK_OVERRIDES,
      methods: ['haar', 'pa', 'fa', 'fusion'],
      split: 'fixed',
      ...TINY_STUDY,
      finetune: TINY_FINETUNE,
    });
    const events: StudyProgress[] = [];
    const out = join(fx.root, 'report');
    const r = await runStudy(project, { config, outDir: out, modelsDir: sharedModelsDir(), inline: true, onProgress: (p) => events.push(p) });

    expect(r.unavailable).toEqual([]);
    expect(r.rows.map((x) => x.method).sort()).toEqual(['fa', 'fusion', 'haar', 'pa']);
    for (const row of r.rows) expect(row).toMatchObject({ n: 2, set: 'test' });
    expect(r.computation.fusionFeatures).toBe('fa');
    // One network per fold and level, trained on that fold's training images only.
    expect(r.computation.finetuned.map((n) => `${n.method}:${n.fold}`).sort()).toEqual(['fa:1', 'pa:1']);
    for (const n of r.computation.finetuned) {
      expect(n.trainImages).toBe(4);
      expect(n.history).toHaveLength(1);
    }
    for (const level of ['pa', 'fa'] as const) {
      const run = getRun(project, r.runs[level]);
      expect(run).toMatchObject({ level, status: 'done', method: level });
      expect(run.backend).toMatch(/^(wasm|cpu|tensorflow)/);
      expect(listRunModels(project, run.id).map((m) => m.id.split('/')[1])).toEqual(['fold-1']);
      // The fold network's loss history is stored with the run, for Compare's loss curves.
      const history = r.computation.finetuned.find((n) => n.method === level)!.history;
      expect(listRunLosses(project, [run.id])).toEqual([
        { runId: run.id, networks: [{ network: 'fold-1', epochs: history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, valLoss: h.valLoss, valAccuracy: h.valAccuracy })) }] },
      ]);
    }
    // Fusion reads FA's networks, whose curves stay with the FA run; Haar trains none.
    expect(listRunLosses(project, [r.runs.fusion, r.runs.haar])).toEqual([]);
    expect(getRun(project, r.runs.fusion).level).toBe('fa');
    expect(getRun(project, r.runs.haar).level).toBeNull();
    // Progress named the fine-tuning phase with its fold and level.
    const ft = events.filter((e) => e.phase === 'finetune');
    expect(ft.length).toBeGreaterThan(0);
    expect(new Set(ft.map((e) => e.method))).toEqual(new Set(['pa', 'fa']));
    expect(events[events.length - 1].overall).toBe(1);
    const study = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8')) as { config?: { fusionFeatures?: string } };
    expect(JSON.stringify(study)).toContain('"fusionFeatures":"fa"');
  });

  it('keeps fusion = Haar + NA without FA, and refuses PA / FA for a backbone that cannot be fine-tuned', () => {
    expect(splitMethods(['haar', 'pa', 'fa'], 'mobilenet_v2_0.35_224').unavailable).toEqual([]);
    expect(splitMethods(['haar', 'pa', 'fa'], 'caffenet').unavailable).toEqual([]);
    // A vector feature layer trains on square crops of the input size; a non-square input cannot.
    registerBackbone({ ...getBackbone('caffenet'), id: 'caffenet_wide', inputSize: [227, 300] });
    const wide = splitMethods(['haar', 'pa', 'fa'], 'caffenet_wide');
    expect(wide.run).toEqual(['haar']);
    expect(wide.unavailable.map((u) => u.method)).toEqual(['pa', 'fa']);
    expect(wide.unavailable[0].reason).toMatch(/caffenet_wide cannot be fine-tuned here: .*square training crops/);
  });
});
