// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Table1Row } from '../lib/types';
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
});
