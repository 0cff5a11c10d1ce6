import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHc18Slice } from '../../test/helpers/hc18-slice.js';
import { HC18, SHARED } from '../../test/helpers/paths.js';
import { importInputs } from '../core/import/run-import.js';
import { createRun } from '../core/project/runs.js';
import { dispatch } from './dispatch.js';
import { createService, type ApiOutput, type Service } from './service.js';
import { Session } from './session.js';

/** The Analysis view's one call: an NA run's analysis of one HC18 image, packed for the renderer. */
const models = join(SHARED, 'models');
const missing = existsSync(join(HC18, 'annotations.coco.json')) && existsSync(join(models, 'mobilenet_v2_0.35_224', 'model.json')) ? null : 'shared data or models missing';

describe.skipIf(missing !== null)('analysis.run through the API', () => {
  let dir: string;
  let session: Session;
  let service: Service;
  let runId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonotl-analysis-api-'));
    session = new Session(join(dir, 'recent.json'));
    const project = session.open(join(dir, 'p'), true);
    const slice = makeHc18Slice(dir, 1);
    await importInputs(project, [slice.folder], { annotations: { format: 'coco', path: slice.coco } });
    runId = createRun(project, { method: 'na', backbone: 'mobilenet_v2_0.35_224', level: 'na' }).id;
    service = createService({ session, author: 'tester', modelsDir: models });
  });

  afterAll(() => {
    session?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('returns every map as a PNG, the summary and the CSVs; refuses unknown runs and bad thresholds', async () => {
    const r = await dispatch(service, 'analysis.run', { runId, threshold: 0.25 });
    expect(r.ok).toBe(true);
    const v = (r as { value: ApiOutput<'analysis.run'> }).value;
    expect(v.maps).toHaveLength(40);
    for (const m of v.maps) expect(m.png.pretrained).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(Object.keys(v.images).sort()).toEqual(['frangi', 'input', 'phase-congruency']);
    expect(v.summary.filterChange.threshold).toBe(0.25);
    expect(v.summary.filterChange.layers.every((l) => l.changed === 0)).toBe(true);
    expect(v.csv.similarity.split('\n')[0]).toMatch(/^group,layer,filter,state,pearson_phase_congruency/);
    expect(v.summary.notes.join(' ')).toMatch(/compared with itself/);

    const unknown = await dispatch(service, 'analysis.run', { runId: 'no-such-run' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'run no-such-run is not in this project' } });
    const bad = await dispatch(service, 'analysis.run', { runId, threshold: -1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  }, 60_000);
});
