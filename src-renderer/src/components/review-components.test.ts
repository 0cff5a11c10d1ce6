// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { setPlatform } from '../platform';
import { createFakeBackend, makeReviewItem, makeRun } from '../testing/fake-platform';
import ReviewCard from './ReviewCard.vue';
import RunHistory from './RunHistory.vue';

beforeEach(() => {
  setPlatform(createFakeBackend(1));
});

describe('a review card', () => {
  it('draws truth and detection in image coordinates over the thumbnail, with the Dice', async () => {
    const item = makeReviewItem(7, 3, 0.4123, { width: 800, height: 540, box: { x: 10, y: 20, w: 300, h: 200 }, truths: [{ id: 1, x: 50, y: 60, w: 310, h: 220 }] });
    const w = mount(ReviewCard, { props: { item, index: 4, accepted: false } });
    expect(w.find('img').attributes('src')).toBe('fake://thumbs/3?size=320');
    expect(w.find('svg').attributes('viewBox')).toBe('0 0 800 540');
    const truth = w.find('rect[data-kind="truth"]');
    expect(['x', 'y', 'width', 'height'].map((k) => truth.attributes(k))).toEqual(['50', '60', '310', '220']);
    const det = w.find('rect[data-kind="detection"]');
    expect(['x', 'y', 'width', 'height'].map((k) => det.attributes(k))).toEqual(['10', '20', '300', '200']);
    expect(det.attributes('stroke-dasharray')).toBeDefined();
    expect(w.text()).toContain('Dice 0.412');
    expect(w.find('.badge.dice').classes()).toContain('bad');
    await w.trigger('click');
    expect(w.emitted('open')).toEqual([[4]]);
  });
});

describe('the run history', () => {
  it('offers Review for finished runs and Restart for stopped ones, with their error text', async () => {
    const runs = [
      makeRun('r-done', { metrics: [{ scope: 'cv', name: 'failures', value: 3, lo: null, hi: null }, { scope: 'cv', name: 'n', value: 12, lo: null, hi: null }, { scope: 'cv', name: 'meanDice', value: 0.71234, lo: 0.65, hi: 0.77 }] }),
      makeRun('r-failed', { status: 'failed', error: 'backbone mobilenet_v2_0.35_224 not found in /x; set SONOTL_MODELS' }),
      makeRun('r-interrupted', { status: 'interrupted' }),
      makeRun('r-running', { status: 'running' }),
    ];
    const w = mount(RunHistory, { props: { runs, busy: false } });
    const row = (id: string) => w.find(`tr[data-run="${id}"]`);
    expect(row('r-done').text()).toContain('3 / 12');
    expect(row('r-done').text()).toContain('0.712 [0.650, 0.770]');
    expect(row('r-done').find('[data-testid="review-r-done"]').exists()).toBe(true);
    expect(row('r-done').find('[data-testid="restart-r-done"]').exists()).toBe(false);
    expect(row('r-failed').text()).toContain('set SONOTL_MODELS');
    expect(row('r-interrupted').text()).toContain('the app stopped while it ran');
    expect(row('r-running').find('button').exists()).toBe(false);
    // Newest first.
    expect(w.findAll('tbody tr').map((r) => r.attributes('data-run'))).toEqual(['r-running', 'r-interrupted', 'r-failed', 'r-done']);
    await row('r-interrupted').find('[data-testid="restart-r-interrupted"]').trigger('click');
    expect(w.emitted('restart')).toEqual([['r-interrupted']]);
    await w.setProps({ runs, busy: true });
    expect(row('r-failed').find('[data-testid="restart-r-failed"]').attributes('disabled')).toBeDefined();
  });

  it('offers Resume beside Restart for interrupted and cancelled study runs only', async () => {
    const runs = [
      makeRun('r-done'),
      makeRun('r-failed', { status: 'failed' }),
      makeRun('r-interrupted', { status: 'interrupted' }),
      makeRun('r-cancelled', { status: 'cancelled' }),
      makeRun('r-tune', { status: 'cancelled', method: 'finetune' }),
    ];
    const w = mount(RunHistory, { props: { runs, busy: false } });
    const resume = (id: string) => w.find(`tr[data-run="${id}"] [data-testid="resume-${id}"]`);
    expect(['r-done', 'r-failed', 'r-interrupted', 'r-cancelled', 'r-tune'].filter((id) => resume(id).exists())).toEqual(['r-interrupted', 'r-cancelled']);
    expect(w.find('tr[data-run="r-cancelled"] [data-testid="restart-r-cancelled"]').exists()).toBe(true);
    await resume('r-cancelled').trigger('click');
    expect(w.emitted('resume')).toEqual([['r-cancelled']]);
    expect(w.emitted('restart')).toBeUndefined();
    await w.setProps({ runs, busy: true });
    expect(resume('r-interrupted').attributes('disabled')).toBeDefined();
  });
});
