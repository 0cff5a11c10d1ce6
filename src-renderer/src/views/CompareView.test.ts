// @vitest-environment happy-dom
import 'vitest-canvas-mock';
import { flushPromises, mount } from '@vue/test-utils';
import { Chart } from 'chart.js';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setPlatform } from '../platform';
import { useSessionStore } from '../stores/session';
import { createFakeBackend, type FakeBackend } from '../testing/fake-platform';
import CompareView from './CompareView.vue';

let fake: FakeBackend;

beforeEach(async () => {
  fake = createFakeBackend(1);
  setPlatform(fake);
  setActivePinia(createPinia());
  await useSessionStore().refresh();
});

const losses = (runId: string) => ({
  runId,
  method: 'finetune',
  level: 'pa' as const,
  backbone: 'mobilenet_v2_0.35_224',
  status: 'done' as const,
  createdAt: '2025-01-01T00:00:00.000Z',
  networks: [{ network: 'final', epochs: [1, 2, 3].map((e) => ({ epoch: e, trainLoss: 1 / e, valLoss: e === 3 ? null : 1.2 / e, valAccuracy: null })) }],
});

describe('the compare view', () => {
  it('plots stored loss curves as a line chart, training solid and validation dashed, per epoch', async () => {
    fake.losses = [losses('r-ft')];
    const w = mount(CompareView);
    await flushPromises();
    const canvas = w.find('[data-testid="loss-panel"] canvas');
    expect(canvas.exists()).toBe(true);
    const chart = Chart.getChart(canvas.element as HTMLCanvasElement)!;
    expect((chart.config as { type?: string }).type).toBe('line');
    expect(chart.data.labels).toEqual(['1', '2', '3']);
    const [train, val] = chart.data.datasets as Array<{ label: string; data: Array<number | null>; borderDash?: number[] }>;
    expect(train.label).toMatch(/fine-tuning PA .* · training$/);
    expect(train.data).toEqual([1, 0.5, 1 / 3]);
    expect(val.data).toEqual([1.2, 0.6, null]);
    expect(val.borderDash).toEqual([6, 4]);
    expect(w.find('[data-testid="export-loss-png"]').attributes('disabled')).toBeUndefined();
    w.unmount();
  });

  it('says why there is no loss chart when no compared run fine-tuned a network', async () => {
    fake.table = [
      { runId: 'r-haar', method: 'haar', backbone: null, level: null, status: 'done', createdAt: '2025-01-01T00:00:00.000Z', scope: 'cv', n: 2, failures: 1, failureRate: null, accuracy: null, meanDice: null, meanIoU: null, patches: null, dice: [0.5, 0.9] },
    ];
    const w = mount(CompareView);
    await flushPromises();
    const panel = w.find('[data-testid="loss-panel"]');
    expect(panel.find('canvas').exists()).toBe(false);
    expect(panel.find('[data-testid="no-losses"]').text()).toContain('Haar and CNN NA train none');
    expect(w.find('[data-testid="export-loss-png"]').attributes('disabled')).toBeDefined();
    // The other two charts are still drawn.
    expect(w.findAll('.chart-frame canvas')).toHaveLength(2);
    w.unmount();
  });
});
