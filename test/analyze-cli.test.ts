/**
 * `sonotl analyze` as a user runs it: a project of two HC18 images, an NA run (no saved network: the
 * pretrained MobileNetV2 is compared with itself) and an FA run whose saved network has known changes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../src-main/core/backbones/locate.js';
import { importInputs } from '../src-main/core/import/run-import.js';
import { saveRunModel } from '../src-main/core/project/models.js';
import { openProject } from '../src-main/core/project/open.js';
import { createRun } from '../src-main/core/project/runs.js';
import { sonotl } from './helpers/cli.js';
import { makeHc18Slice } from './helpers/hc18-slice.js';
import { HC18, SHARED } from './helpers/paths.js';

const MODELS = join(SHARED, 'models');
const available = existsSync(join(MODELS, 'mobilenet_v2_0.35_224', 'model.json')) && existsSync(HC18);
const work = mkdtempSync(join(tmpdir(), 'sonotl-analyze-'));
const dir = join(work, 'p');
let naRun = '';
let faRun = '';
/** Relative changes given to the first stem filters of the FA run's network. */
const SCALES = [0.2, 0.5, 1.0];
let previousModels: string | undefined;

beforeAll(async () => {
  if (!available) return;
  previousModels = process.env.SONOTL_MODELS;
  process.env.SONOTL_MODELS = MODELS;
  const slice = makeHc18Slice(work, 2);
  const project = openProject(dir, { create: true });
  try {
    await importInputs(project, [slice.folder], { annotations: { format: 'coco', path: slice.coco } });
    naRun = createRun(project, { method: 'na', backbone: 'mobilenet_v2_0.35_224', level: 'na' }).id;
    faRun = createRun(project, { method: 'fa', backbone: 'mobilenet_v2_0.35_224', level: 'fa' }).id;
    await tf.setBackend('cpu');
    const model = await loadBackbone('mobilenet_v2_0.35_224');
    const conv = model.getLayer('Conv1');
    const [kernel] = conv.getWeights();
    const values = kernel.dataSync().slice();
    // Output channel k of a [3, 3, 3, 16] kernel is every 16th value from k.
    for (let i = 0; i < values.length; i++) if (i % 16 < SCALES.length) values[i] *= 1 + SCALES[i % 16];
    conv.setWeights([tf.tensor(values, kernel.shape)]);
    await saveRunModel(project, faRun, 'final', model);
    model.dispose();
  } finally {
    project.close();
  }
}, 60_000);

afterAll(() => {
  if (previousModels === undefined) delete process.env.SONOTL_MODELS;
  else process.env.SONOTL_MODELS = previousModels;
  rmSync(work, { recursive: true, force: true });
});

function csv(file: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

describe.skipIf(!available)('sonotl analyze', () => {
  it('writes grids, classical outputs, CSVs and a page for an NA run, with zero changed filters', async () => {
    const out = join(work, 'na');
    const r = sonotl(['analyze', dir, '--run', naRun, '--image', '001_HC.png', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/has no saved network \(NA: the backbone stays frozen\); the pretrained network is compared with itself/);
    expect(r.stdout).toMatch(/filters changed by more than 40%: 0 of \d+ in 52 layers/);
    for (const f of ['input.png', 'phase-congruency.png', 'frangi.png', 'similarity.csv', 'filter-change.csv', 'filter-change-filters.csv', 'analysis.json', 'index.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    for (const conv of ['Conv1', 'expanded_conv_depthwise', 'expanded_conv_project']) {
      for (const state of ['pretrained', 'adapted']) expect(existsSync(join(out, `responses-${conv}-${state}.png`))).toBe(true);
    }
    // 16 maps of 112 px in a 4x4 grid with 2 px gaps.
    expect(await sharp(join(out, 'responses-Conv1-pretrained.png')).metadata()).toMatchObject({ width: 454, height: 454 });
    expect(await sharp(join(out, 'frangi.png')).metadata()).toMatchObject({ width: 224, height: 224 });

    const sim = csv(join(out, 'similarity.csv'));
    expect(sim).toHaveLength((16 + 16 + 8) * 2);
    for (const row of sim) {
      expect(Math.abs(Number(row.pearson_phase_congruency))).toBeLessThanOrEqual(1);
      expect(Number(row.ssim_frangi)).toBeLessThanOrEqual(1);
    }
    // Without a saved network both states are the same network.
    const pre = sim.filter((x) => x.state === 'pretrained');
    const post = sim.filter((x) => x.state === 'adapted');
    expect(post.map((x) => x.pearson_frangi)).toEqual(pre.map((x) => x.pearson_frangi));

    const change = csv(join(out, 'filter-change.csv'));
    expect(change).toHaveLength(52);
    expect(change.every((x) => x.changed === '0' && Number(x.max) === 0)).toBe(true);
    expect(change[0]).toMatchObject({ layer: 'Conv1', shape: '3x3x3x16', filters: '16' });
    const summary = JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8'));
    expect(summary.image.name).toBe('images/001_HC.png');
    expect(summary.adaptedModel).toBeNull();
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(naRun);
  }, 60_000);

  it("counts the FA run's changed filters against the threshold from its saved network", () => {
    const out = join(work, 'fa');
    const r = sonotl(['analyze', dir, '--run', faRun, '--out', out, '--threshold', '0.3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/changed > 0\.3: Conv1 2\/16/);
    const change = csv(join(out, 'filter-change.csv'));
    const conv1 = change.find((x) => x.layer === 'Conv1')!;
    expect(conv1).toMatchObject({ changed: '2', threshold: '0.3' });
    expect(Number(conv1.max)).toBeCloseTo(1, 5);
    expect(change.filter((x) => x.layer !== 'Conv1').every((x) => x.changed === '0')).toBe(true);
    const perFilter = csv(join(out, 'filter-change-filters.csv')).filter((x) => x.layer === 'Conv1');
    expect(perFilter.slice(0, 3).map((x) => Number(Number(x.relative_change).toFixed(5)))).toEqual(SCALES);
    // The stem's maps now differ between the two states.
    const sim = csv(join(out, 'similarity.csv')).filter((x) => x.layer === 'Conv1' && x.filter === '1');
    expect(sim[0].pearson_frangi === sim[1].pearson_frangi && sim[0].speckle_index === sim[1].speckle_index).toBe(false);
  }, 60_000);

  it('fails with a one-line reason for an unknown run or image, and exits 2 for a bad threshold', () => {
    const run = sonotl(['analyze', dir, '--run', 'r-nope']);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('sonotl: run r-nope is not in this project');
    const img = sonotl(['analyze', dir, '--run', naRun, '--image', 'nope.png']);
    expect(img.status).toBe(1);
    expect(img.stderr).toMatch(/^sonotl: no image named nope\.png in .*\n$/);
    const model = sonotl(['analyze', dir, '--run', faRun, '--model', 'fold-9']);
    expect(model.status).toBe(1);
    expect(model.stderr).toMatch(/has no saved network "fold-9"; it has final/);
    expect(sonotl(['analyze', dir, '--run', naRun, '--threshold', '-1']).status).toBe(2);
    expect(sonotl(['analyze', '--help']).stdout).toMatch(/--run <id>[\s\S]*--image[\s\S]*--out <dir>[\s\S]*--threshold/);
  }, 60_000);
});
