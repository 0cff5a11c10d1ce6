import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src-main/bridge/server.js';
import { CHROMIUM, launchChromium } from '../../bench/chromium.js';
import { callBridge } from '../helpers/bridge-api.js';
import { makeHc18Slice } from '../helpers/hc18-slice.js';
import { HC18, ROOT, SHARED } from '../helpers/paths.js';

/**
 * Runs, Review and Compare in Chromium through the bridge, on real data: twelve HC18 images imported
 * through the UI, a quick NA study started, cancelled, resumed, cancelled again, restarted and followed to done, its failures
 * reviewed with their overlays and top-scoring windows, one detection accepted and undone, and Table 1
 * read and exported.
 *
 * The bridge is the built one (dist/), as `npm run serve` runs it: the study then computes in its worker
 * thread, so the server keeps answering the page while it trains.
 */
const RENDERER = join(ROOT, 'dist', 'renderer');
const BUILT_BRIDGE = join(ROOT, 'dist', 'src-main', 'bridge', 'server.js');
const BUILT_WORKER = join(ROOT, 'dist', 'src-main', 'core', 'study', 'worker.js');
const MODELS = join(SHARED, 'models');
const SHOTS = join(ROOT, 'test-artifacts', 'e2e');
const IMAGES = 12;

const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(join(RENDERER, 'index.html')) || !existsSync(BUILT_BRIDGE) || !existsSync(BUILT_WORKER)
    ? 'dist/ is not built (npm run build)'
    : !existsSync(HC18)
      ? `${HC18} is missing`
      : !existsSync(join(MODELS, 'mobilenet_v2_0.35_224', 'model.json'))
        ? `${MODELS}/mobilenet_v2_0.35_224 is missing`
        : null;
if (missing) console.warn(`e2e runs/review skipped: ${missing}`);

interface Row {
  runId: string;
  method: string;
  scope: string;
  n: number;
  failures: number;
  dice: number[];
}

describe.skipIf(missing !== null)('runs, review and compare in Chromium through the bridge', () => {
  let work: string;
  let bridge: Bridge;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const api = <T>(method: string, input: unknown): Promise<T> => callBridge<T>(bridge, method, input);

  const text = async (testId: string) => (await page.locator(`[data-testid="${testId}"]`).textContent()) ?? '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sonotl-e2e-runs-'));
    mkdirSync(SHOTS, { recursive: true });
    const { startBridge } = (await import(pathToFileURL(BUILT_BRIDGE).href)) as typeof import('../../src-main/bridge/server.js');
    bridge = await startBridge({ rendererDir: RENDERER, configDir: join(work, 'config'), modelsDir: MODELS });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('starts, cancels, resumes, restarts and finishes a quick NA study, reviews its failures and compares it', { timeout: 240_000 }, async () => {
    const slice = makeHc18Slice(work, IMAGES);
    const projectDir = join(work, 'study');

    await page.goto(bridge.url);
    await page.fill('[data-testid="project-path"]', projectDir);
    await page.click('[data-testid="create-project"]');
    await expect.poll(() => text('current-project')).toBe(projectDir);
    await page.fill('[data-testid="import-paths"]', slice.folder);
    await page.selectOption('[data-testid="import-format"]', 'coco');
    await page.fill('[data-testid="import-annotations"]', slice.coco);
    await page.click('[data-testid="import-run"]');
    await page.locator('[data-testid="import-report"]').waitFor();
    await expect.poll(() => text('info-images')).toBe(String(IMAGES));

    // Runs: NA alone, quick preset, three subject-wise folds.
    await page.click('[data-testid="nav-runs"]');
    await page.locator('[data-testid="run-form"] [data-testid="method-na"]').waitFor();
    await page.uncheck('[data-testid="method-haar"]');
    await page.check('[data-testid="method-na"]');
    expect(await page.isChecked('[data-testid="run-quick"]')).toBe(true);
    await page.fill('[data-testid="run-folds"]', '3');
    expect(await page.isDisabled('[data-testid="method-pa"]')).toBe((await api<{ methods: Array<{ method: string; available: boolean }> }>('runs.options', {})).methods.find((m) => m.method === 'pa')!.available === false);

    // Start, see live progress, cancel.
    await page.click('[data-testid="run-start"]');
    await page.locator('[data-testid="run-progress"][data-state="running"]').waitFor();
    await expect.poll(() => text('run-step'), { timeout: 60_000 }).toMatch(/Sampling|Mining|Training|Detecting/);
    await page.click('[data-testid="run-cancel"]');
    await page.locator('[data-testid="run-progress"][data-state="cancelled"]').waitFor({ timeout: 60_000 });
    const cancelledRow = page.locator('[data-testid="run-history"] tr[data-status="cancelled"]');
    await cancelledRow.waitFor();
    const cancelledId = (await cancelledRow.getAttribute('data-run'))!;
    expect(await api<Array<{ id: string; status: string }>>('runs.list', {})).toEqual([expect.objectContaining({ id: cancelledId, status: 'cancelled' })]);

    // Resume it (in the same run), see its progress, and cancel it again.
    await page.click(`[data-testid="resume-${cancelledId}"]`);
    await page.locator('[data-testid="run-progress"][data-state="running"]').waitFor();
    expect(await text('run-resumed')).toContain(`Resumed the study of run ${cancelledId}`);
    await expect.poll(() => text('run-step'), { timeout: 60_000 }).toMatch(/Sampling|Mining|Training|Detecting/);
    await page.screenshot({ path: join(SHOTS, '09-runs-resumed.png') });
    await page.click('[data-testid="run-cancel"]');
    await page.locator('[data-testid="run-progress"][data-state="cancelled"]').waitFor({ timeout: 60_000 });
    await page.locator(`[data-testid="run-history"] tr[data-run="${cancelledId}"][data-status="cancelled"]`).waitFor();
    expect(await api<Array<{ id: string; status: string }>>('runs.list', {})).toEqual([expect.objectContaining({ id: cancelledId, status: 'cancelled' })]);

    // Restart it (from the beginning, same settings) and follow it to done.
    await page.click(`[data-testid="restart-${cancelledId}"]`);
    await page.locator('[data-testid="run-progress"][data-state="running"]').waitFor();
    expect(await text('run-progress')).toContain(`Restarted from run ${cancelledId}`);
    await expect.poll(async () => Number((await text('run-overall')).replace('%', '')), { timeout: 90_000 }).toBeGreaterThan(30);
    expect(await text('run-state')).toMatch(/Running · \d+% · (about .* left|estimating)/);
    await page.screenshot({ path: join(SHOTS, '10-runs-progress.png') });
    await page.locator('[data-testid="run-progress"][data-state="done"]').waitFor({ timeout: 150_000 });
    await page.locator('[data-testid="run-history"] tr[data-status="done"]').waitFor();
    await page.screenshot({ path: join(SHOTS, '11-runs-done.png') });

    const table = await api<Row[]>('runs.table', {});
    expect(table).toHaveLength(1);
    const row = table[0];
    expect(row).toMatchObject({ method: 'na', scope: 'cv', n: IMAGES });
    expect(row.runId).not.toBe(cancelledId);
    const failures = row.dice.filter((d) => d < 0.8).length;
    expect(row.failures).toBe(failures);

    // Review: the failures, worst first, each with its truth and detection drawn over the thumbnail.
    await page.click('[data-testid="open-review"]');
    await page.locator('[data-testid="review-view"]').waitFor();
    expect(await page.inputValue('[data-testid="review-threshold"]')).toBe('0.8');
    if (failures > 0) {
      await page.locator('[data-testid="review-card"]').first().waitFor();
      expect(await page.locator('[data-testid="review-card"]').count()).toBe(failures);
      expect(await text('review-count')).toContain(`${failures} of ${IMAGES} held-out images below 0.80`);
      const dice = await page.locator('[data-testid="review-card"]').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-dice'))));
      expect(dice).toEqual([...dice].sort((a, b) => a - b));
      expect(dice.every((d) => d < 0.8)).toBe(true);
      const first = page.locator('[data-testid="review-card"]').first();
      expect(await first.locator('rect[data-kind="truth"]').count()).toBe(1);
      expect(await first.locator('rect[data-kind="detection"]').count()).toBe(1);
      expect(await first.textContent()).toContain(`Dice ${dice[0].toFixed(3)}`);
      await expect
        .poll(() => page.locator('[data-testid="review-card"] img').evaluateAll((imgs) => imgs.every((i) => {
          const img = i as unknown as { complete: boolean; naturalWidth: number };
          return img.complete && img.naturalWidth > 0;
        })))
        .toBe(true);
    }
    await page.screenshot({ path: join(SHOTS, '12-review-gallery.png') });

    // The slider narrows the list.
    await page.locator('[data-testid="review-threshold"]').fill('0.3');
    await expect.poll(() => text('review-threshold-value')).toBe('0.30');
    await expect.poll(() => page.locator('[data-testid="review-card"]').count()).toBe(row.dice.filter((d) => d < 0.3).length);
    await page.locator('[data-testid="review-threshold"]').fill('1');
    await expect.poll(() => page.locator('[data-testid="review-card"]').count()).toBe(IMAGES);

    // Inspect the worst one large; accept its detection as an annotation, then take it back.
    await page.locator('[data-testid="review-card"]').first().click();
    await page.locator('[data-testid="review-inspector"][data-loaded="yes"]').waitFor();
    const imageId = Number(await page.locator('[data-testid="review-inspector"]').getAttribute('data-image'));
    const boxes = () => api<Array<{ id: number }>>('annotations.list', { imageId });
    expect(await boxes()).toHaveLength(1);
    // The detection's ten top-scoring candidate windows, drawn and listed best first; the toggle hides them.
    const inspector = page.locator('[data-testid="review-inspector"]');
    await expect.poll(() => inspector.getAttribute('data-windows')).toBe('10');
    const ranks = await page.locator('[data-testid="review-windows"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-rank'))));
    expect(ranks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const scores = (await page.locator('[data-testid="review-windows"] li .score').allTextContents()).map((t) => Number(t.replace('score ', '')));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await page.screenshot({ path: join(SHOTS, '13-review-inspect.png') });
    await page.uncheck('[data-testid="toggle-windows"]');
    await expect.poll(() => inspector.getAttribute('data-windows')).toBe('0');
    await page.check('[data-testid="toggle-windows"]');
    await expect.poll(() => inspector.getAttribute('data-windows')).toBe('10');
    await page.click('[data-testid="accept-detection"]');
    await page.locator('[data-testid="undo-accept"]').waitFor();
    expect(await boxes()).toHaveLength(2);
    await page.click('[data-testid="undo-accept"]');
    await page.locator('[data-testid="accept-detection"]').waitFor();
    expect(await boxes()).toHaveLength(1);
    await page.click('[data-testid="edit-truth"]');
    await page.locator(`[data-testid="annotate-canvas"][data-shown-image="${imageId}"]`).waitFor();

    // Compare: Table 1 from the stored metrics, its charts, and the CSV export.
    await page.click('[data-testid="nav-compare"]');
    const tableRow = page.locator('[data-testid="table1"] tbody tr[data-method="na"]');
    await tableRow.waitFor();
    expect(await tableRow.locator('[data-col="failures"]').textContent()).toBe(String(failures));
    expect(await tableRow.locator('[data-col="mean-dice"]').textContent()).toMatch(/^0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]$/);
    await expect.poll(() => page.locator('.chart-frame canvas').evaluateAll((cs) => cs.length === 2 && cs.every((c) => (c as unknown as { width: number }).width > 0))).toBe(true);
    // NA trains no network, so there is no loss curve to draw, and the page says why.
    expect(await text('no-losses')).toContain('train none');
    await page.screenshot({ path: join(SHOTS, '14-compare.png') });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
    const csvPath = join(work, 'table1.csv');
    await download.saveAs(csvPath);
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toMatch(new RegExp(`^${row.runId},na,mobilenet_v2_0.35_224,cv,done,[^,]+,${IMAGES},${failures},`));
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-dice-png"]')]);
    const pngPath = join(work, 'dice.png');
    await png.saveAs(pngPath);
    expect(readFileSync(pngPath).subarray(1, 4).toString('latin1')).toBe('PNG');

    expect(pageErrors).toEqual([]);
  });
});
