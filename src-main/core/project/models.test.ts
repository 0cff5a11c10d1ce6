import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { openProject } from './open.js';
import { createRun } from './runs.js';
import { deleteRunModel, listRunModels, loadRunModel, saveRunModel } from './models.js';

function tinyModel(seed: number): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, name: 'conv1', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 1, name: 'out', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

describe('run models', () => {
  it('round-trips weights exactly and refuses changed files', async () => {
    await tf.setBackend('cpu');
    const project = openProject(join(mkdtempSync(join(tmpdir(), 'sonotl-models-')), 'p'), { create: true });
    try {
      const run = createRun(project, { method: 'fa', level: 'fa' });
      const model = tinyModel(3);
      const stored = await saveRunModel(project, run.id, 'final', model, { epochs: 1 });
      expect(stored.path).toBe(join('models', run.id, 'final'));
      expect(listRunModels(project, run.id).map((m) => m.id)).toEqual([`${run.id}/final`]);
      const back = await loadRunModel(project, run.id, 'final');
      const a = model.getWeights().map((w) => Array.from(w.dataSync()));
      const b = back.getWeights().map((w) => Array.from(w.dataSync()));
      expect(b).toEqual(a);

      writeFileSync(join(project.dir, stored.path, 'weights.bin'), new Uint8Array(8));
      await expect(loadRunModel(project, run.id, 'final')).rejects.toThrow(/does not match the hash stored for run/);
      await expect(loadRunModel(project, run.id, 'nope')).rejects.toThrow(/has no saved model "nope"/);
      await expect(saveRunModel(project, run.id, '../x', model)).rejects.toThrow(/may hold only/);

      // Deleting removes the row and the folder, and leaves the run's other models alone.
      const ck = await saveRunModel(project, run.id, 'fold-1-checkpoint', model);
      deleteRunModel(project, run.id, 'fold-1-checkpoint');
      expect(existsSync(join(project.dir, ck.path))).toBe(false);
      expect(listRunModels(project, run.id).map((m) => m.id)).toEqual([`${run.id}/final`]);
      deleteRunModel(project, run.id, 'fold-1-checkpoint');
    } finally {
      project.close();
    }
  });
});
