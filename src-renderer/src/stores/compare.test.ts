// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LossCurves, Table1Row } from '../lib/types';
import { setPlatform } from '../platform';
import { createFakeBackend, type FakeBackend } from '../testing/fake-platform';
import { useCompareStore } from './compare';

let fake: FakeBackend;

const row = (runId: string, method: string, scope: string, dice: number[]): Table1Row => ({
  runId,
  method,
  backbone: method === 'haar' ? null : 'mobilenet_v2_0.35_224',
  level: method === 'haar' ? null : 'na',
  status: 'done',
  createdAt: '2025-01-01T00:00:00.000Z',
  scope,
  n: dice.length,
  failures: dice.filter((d) => d < 0.8).length,
  failureRate: { value: dice.filter((d) => d < 0.8).length / dice.length, lo: 0.1, hi: 0.9 },
  accuracy: { value: 0.91, lo: 0.88, hi: 0.93 },
  meanDice: { value: dice.reduce((s, d) => s + d, 0) / dice.length, lo: 0.5, hi: 0.8 },
  meanIoU: 0.55,
  patches: 300,
  dice,
});

const epochs = (train: number[], val: Array<number | null> = []) => train.map((t, i) => ({ epoch: i + 1, trainLoss: t, valLoss: val[i] ?? null, valAccuracy: val[i] == null ? null : 0.8 }));

const curves = (runId: string, method: string, level: LossCurves['level'], networks: LossCurves['networks'], status: LossCurves['status'] = 'done'): LossCurves => ({
  runId,
  method,
  level,
  backbone: 'mobilenet_v2_0.35_224',
  status,
  createdAt: '2025-01-01T00:00:00.000Z',
  networks,
});

beforeEach(() => {
  fake = createFakeBackend(1);
  setPlatform(fake);
  setActivePinia(createPinia());
  fake.table = [row('r1', 'haar', 'cv', [0.2, 0.9]), row('r2', 'na', 'cv', [0.85, 0.9]), row('r3', 'na', 'cv', [0.5, 0.95]), row('r2', 'na', 'test', [0.7])];
});

describe('the compare store', () => {
  it('shows one evaluation set at a time, with unique labels when a method was run twice', async () => {
    const store = useCompareStore();
    await store.load();
    expect(store.scopes).toEqual(['cv', 'test']);
    expect(store.shown.map((r) => r.runId)).toEqual(['r1', 'r2', 'r3']);
    expect(store.labels[0]).toBe('Haar');
    expect(store.labels[1]).not.toBe(store.labels[2]);
    expect(store.labels[1]).toContain('CNN NA');
    store.toggle('r3');
    expect(store.labels).toEqual(['Haar', 'CNN NA']);
    store.scope = 'test';
    expect(store.shown.map((r) => `${r.runId}/${r.scope}`)).toEqual(['r2/test']);
  });

  it('exports the rows shown as CSV with their intervals', async () => {
    const store = useCompareStore();
    await store.load();
    store.toggle('r1');
    const lines = store.csv().trim().split('\n');
    expect(lines[0]).toBe(
      'run,method,backbone,set,status,created,images,failures,failure_rate,failure_rate_lo,failure_rate_hi,accuracy,accuracy_lo,accuracy_hi,mean_dice,mean_dice_lo,mean_dice_hi,mean_iou,patches',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('r2,na,mobilenet_v2_0.35_224,cv,done,2025-01-01T00:00:00.000Z,2,0,0,0.1,0.9,0.91,0.88,0.93,0.875,0.5,0.8,0.55,300');
  });

  it('keeps the error when the metrics cannot be read', async () => {
    fake.failing.set('runs.table', { code: 'NOT_FOUND', message: 'no project is open; open or create one first' });
    const store = useCompareStore();
    await store.load();
    expect((store.error as Error).message).toContain('no project is open');
    expect(store.loading).toBe(false);
  });

  it('draws the compared runs\' stored loss curves, the mean over a study\'s folds, and fine-tuning runs beside them', async () => {
    fake.table.push(row('r4', 'pa', 'cv', [0.9, 0.95]), row('r4', 'pa', 'test', [0.9]));
    fake.losses = [
      curves('r4', 'pa', 'pa', [
        { network: 'final', epochs: epochs([9, 9], [9, 9]) },
        { network: 'fold-1', epochs: epochs([0.8, 0.6, 0.5], [0.7, 0.65, 0.6]) },
        // Stopped early after two epochs, and had no validation patches in its second.
        { network: 'fold-2', epochs: epochs([0.6, 0.4], [0.5]) },
      ]),
      curves('r9', 'finetune', 'fa', [{ network: 'final', epochs: epochs([0.7, 0.3]) }], 'cancelled'),
    ];
    const store = useCompareStore();
    await store.load();
    expect(fake.callsOf('runs.losses')).toEqual([{}]);
    expect(store.lossSeries.map((s) => s.runId)).toEqual(['r4', 'r9']);
    const [pa, ft] = store.lossSeries;
    expect(pa.label).toBe('CNN PA');
    expect(pa.color).toBe('#009E73');
    expect(pa.train).toEqual([
      { epoch: 1, loss: 0.7, n: 2 },
      { epoch: 2, loss: 0.5, n: 2 },
      { epoch: 3, loss: 0.5, n: 1 },
    ]);
    expect(pa.val.map((p) => [p.epoch, p.n])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
    ]);
    expect(pa.val[0].loss).toBeCloseTo(0.6, 12);
    // A fine-tuning run has no Table 1 row: it is listed on its own, coloured as its level, status shown.
    expect(store.lossOnly.map((l) => l.runId)).toEqual(['r9']);
    expect(ft).toMatchObject({ color: '#CC79A7', val: [], train: [{ epoch: 1, loss: 0.7, n: 1 }, { epoch: 2, loss: 0.3, n: 1 }] });
    expect(ft.label).toContain('fine-tuning FA');
    expect(ft.label).toContain('cancelled');

    // The test project's curve is that of the network trained on all images.
    store.scope = 'test';
    expect(store.lossSeries.find((s) => s.runId === 'r4')!.train).toEqual([
      { epoch: 1, loss: 9, n: 1 },
      { epoch: 2, loss: 9, n: 1 },
    ]);
    store.scope = 'cv';
    store.toggle('r4');
    store.toggle('r9');
    expect(store.lossSeries).toEqual([]);
    store.toggle('r9');

    const lines = store.lossesCsv().trim().split('\n');
    expect(lines[0]).toBe('run,method,level,backbone,status,network,epoch,train_loss,val_loss,val_accuracy');
    expect(lines.slice(1)).toEqual(['r9,finetune,fa,mobilenet_v2_0.35_224,cancelled,final,1,0.7,,', 'r9,finetune,fa,mobilenet_v2_0.35_224,cancelled,final,2,0.3,,']);
    store.toggle('r4');
    expect(store.lossesCsv().trim().split('\n')).toHaveLength(1 + 7 + 2);
  });

  it('leaves out the curves of runs with no Table 1 row in this evaluation set', async () => {
    fake.losses = [curves('r2', 'na', 'na', [{ network: 'final', epochs: epochs([0.5]) }])];
    fake.table = fake.table.filter((r) => !(r.runId === 'r2' && r.scope === 'cv'));
    const store = useCompareStore();
    await store.load();
    expect(store.lossSeries).toEqual([]);
    store.scope = 'test';
    expect(store.lossSeries.map((s) => s.runId)).toEqual(['r2']);
  });

  it('keeps the error when the loss curves cannot be read', async () => {
    fake.failing.set('runs.losses', { code: 'NOT_FOUND', message: 'no project is open; open or create one first' });
    const store = useCompareStore();
    await store.load();
    expect((store.error as Error).message).toContain('no project is open');
  });
});
