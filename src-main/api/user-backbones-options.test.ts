import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromRequest, studyOptions } from './study-jobs.js';

const cache = mkdtempSync(join(tmpdir(), 'sonotl-options-cache-'));
const saved = process.env.XDG_CACHE_HOME;
beforeAll(() => {
  process.env.XDG_CACHE_HOME = cache;
});
afterAll(() => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved;
  rmSync(cache, { recursive: true, force: true });
});

/** What `sonotl backbones add` leaves in the cache, written by another process while the app runs. */
function addEntryOnDisk(id: string): void {
  const dir = join(cache, 'sonotl', 'models', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'backbone.json'), JSON.stringify({
    id, architecture: 'user tfjs-layers model', inputSize: [32, 32], preprocessing: 'tf',
    layerGroups: [], featureLayer: 'c1', featurePooling: 'avg', featureDim: 4,
    sourceUrl: `file://${dir}`, weightsSha256: 'a'.repeat(64), license: 'user-supplied',
  }));
}

describe('the Runs form and runs.start see user backbones', () => {
  it('lists a backbone added on disk after the service started, and accepts it in a study request', () => {
    expect(studyOptions().backbones).not.toContain('added-later');
    addEntryOnDisk('added-later');
    expect(studyOptions().backbones).toContain('added-later');
    addEntryOnDisk('started-directly');
    expect(configFromRequest({ methods: ['na'], backbone: 'started-directly' }).backbone).toBe('started-directly');
  });
});
