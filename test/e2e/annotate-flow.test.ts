import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src-main/bridge/server.js';
import { CHROMIUM, launchChromium } from '../../bench/chromium.js';
import { callBridge } from '../helpers/bridge-api.js';
import { makeHc18Slice } from '../helpers/hc18-slice.js';
import { HC18, ROOT } from '../helpers/paths.js';

const RENDERER = join(ROOT, 'dist', 'renderer');
const SHOTS = join(ROOT, 'test-artifacts', 'e2e');
const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(join(RENDERER, 'index.html'))
    ? 'dist/renderer is not built (npm run build:renderer)'
    : !existsSync(HC18)
      ? `${HC18} is missing`
      : null;
if (missing) console.warn(`e2e skipped: ${missing}`);

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

describe.skipIf(missing !== null)('the app in Chromium through the bridge', () => {
  let work: string;
  let bridge: Bridge;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const api = <T>(method: string, input: unknown): Promise<T> => callBridge<T>(bridge, method, input);

  /** Screen position of an image pixel, from the transform the canvas publishes. */
  async function toScreen(p: { x: number; y: number }): Promise<{ x: number; y: number }> {
    const container = page.locator('[data-testid="annotate-canvas"] [data-view]');
    const [scale, ox, oy] = (await container.getAttribute('data-view'))!.split(',').map(Number);
    const rect = (await container.boundingBox())!;
    return { x: rect.x + ox + p.x * scale, y: rect.y + oy + p.y * scale };
  }

  async function drag(from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
    const a = await toScreen(from);
    const b = await toScreen(to);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
  }

  async function saved(): Promise<void> {
    await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor();
  }

  // The mouse lands on whole screen pixels, so a drag is exact to about one screen pixel (< 1 image px here).
  const near = (v: number | undefined, target: number) => v !== undefined && Math.abs(v - target) < 1.01;

  /** The boxes the side panel lists ("x, y · w×h"), as numbers. */
  async function listedBoxes(): Promise<Box[]> {
    const text = (await page.locator('[data-testid="box-list"]').textContent()) ?? '';
    return [...text.matchAll(/(-?[\d.]+), (-?[\d.]+) · ([\d.]+)×([\d.]+)/g)].map((m) => ({ x: +m[1], y: +m[2], w: +m[3], h: +m[4] }));
  }

  async function listed(expected: Box): Promise<boolean> {
    // The list shows one decimal; allow for that on top of the drag tolerance.
    return (await listedBoxes()).some((b) => (['x', 'y', 'w', 'h'] as const).every((k) => Math.abs(b[k] - expected[k]) < 1.1));
  }

  function expectBox(actual: Box | undefined, expected: Box): void {
    expect(actual, 'box on the server').toBeDefined();
    for (const k of ['x', 'y', 'w', 'h'] as const) expect(near(actual![k], expected[k]), `${k}: ${actual![k]} vs ${expected[k]}`).toBe(true);
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sonotl-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    bridge = await startBridge({ rendererDir: RENDERER, configDir: join(work, 'config') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
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

  it('creates a project, imports, draws, moves, resizes, undoes, redoes and keeps the box across a reload', async () => {
    const slice = makeHc18Slice(work, 5);
    const projectDir = join(work, 'study');

    await page.goto(bridge.url);
    await page.locator('[data-testid="projects-view"]').waitFor();
    // The token leaves the address bar as soon as the page has it.
    expect(page.url()).not.toContain('token=');

    await page.fill('[data-testid="project-path"]', projectDir);
    await page.click('[data-testid="create-project"]');
    await expect.poll(() => page.locator('[data-testid="current-project"]').textContent()).toBe(projectDir);

    await page.fill('[data-testid="import-paths"]', slice.folder);
    await page.selectOption('[data-testid="import-format"]', 'coco');
    await page.fill('[data-testid="import-annotations"]', slice.coco);
    await page.click('[data-testid="import-run"]');
    await page.locator('[data-testid="import-report"]').waitFor();
    expect(await page.locator('[data-testid="import-report"]').textContent()).toMatch(/5\s+new images[\s\S]*5\s+boxes/);
    await expect.poll(() => page.locator('[data-testid="info-images"]').textContent()).toBe('5');
    await page.screenshot({ path: join(SHOTS, '01-projects.png') });

    await page.click('[data-testid="nav-images"]');
    await page.locator('[data-testid="image-grid"] .grid-cell:not(.pending) img').first().waitFor();
    await expect.poll(() => page.locator('[data-testid="image-grid"] img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as { complete: boolean; naturalWidth: number }).complete && (i as unknown as { naturalWidth: number }).naturalWidth > 0))).toBe(true);
    expect(await page.locator('[data-testid="image-count"]').textContent()).toContain('5 images');
    await page.screenshot({ path: join(SHOTS, '02-images.png') });

    const list = await api<{ items: Array<{ id: number; originalName: string }> }>('images.list', { offset: 0, limit: 10 });
    const first = list.items[0];
    await page.click('[data-testid="image-grid"] .grid-cell[data-index="0"]');
    await page.locator(`[data-testid="annotate-canvas"][data-shown-image="${first.id}"]`).waitFor();
    const imported = await api<Array<Box & { id: number }>>('annotations.list', { imageId: first.id });
    expect(imported).toHaveLength(1);

    // Draw.
    await drag({ x: 60, y: 60 }, { x: 220, y: 180 });
    await saved();
    let boxes = await api<Array<Box & { id: number }>>('annotations.list', { imageId: first.id });
    expect(boxes).toHaveLength(2);
    const drawn = boxes.find((b) => !imported.some((i) => i.id === b.id))!;
    expectBox(drawn, { x: 60, y: 60, w: 160, h: 120 });
    const find = async () => (await api<Array<Box & { id: number }>>('annotations.list', { imageId: first.id })).find((b) => b.id === drawn.id);

    // Move (drag from inside the selected box).
    await drag({ x: 140, y: 120 }, { x: 180, y: 150 });
    await saved();
    expectBox(await find(), { x: 100, y: 90, w: 160, h: 120 });

    // Resize with the bottom-right handle.
    await drag({ x: 260, y: 210 }, { x: 300, y: 240 });
    await saved();
    expectBox(await find(), { x: 100, y: 90, w: 200, h: 150 });
    await page.screenshot({ path: join(SHOTS, '03-annotate.png') });

    // Undo and redo, from the keyboard, on the server's log.
    await page.keyboard.press('Control+z');
    await expect.poll(async () => near((await find())?.w, 160)).toBe(true);
    await saved();
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(async () => near((await find())?.w, 200)).toBe(true);
    await saved();
    expect(await listed({ x: 100, y: 90, w: 200, h: 150 })).toBe(true);

    // A failed save keeps the edit on screen, says why, and is saved by Retry.
    await page.route('**/api/annotations.update', (route) =>
      route.fulfill({
        status: 507,
        contentType: 'application/json',
        body: JSON.stringify({ ok: false, error: { code: 'DISK_FULL', message: `the disk holding ${projectDir} is full; nothing was written` } }),
      }),
    );
    const before = (await find())!;
    const moved = { x: before.x + 20, y: before.y + 10, w: before.w, h: before.h };
    await drag({ x: 200, y: 165 }, { x: 220, y: 175 });
    await page.locator('[data-testid="save-state"][data-state="failed"]').waitFor();
    expect(await page.locator('[data-testid="save-error"]').textContent()).toContain('is full');
    expect(await listed(moved), JSON.stringify(await listedBoxes())).toBe(true);
    expectBox(await find(), before);
    await page.screenshot({ path: join(SHOTS, '04-save-failed.png') });
    await page.unroute('**/api/annotations.update');
    await page.click('[data-testid="save-retry"]');
    await saved();
    expectBox(await find(), moved);

    // After a reload the page still has its token, shows the same image and the saved box.
    await page.reload();
    await page.locator(`[data-testid="annotate-canvas"][data-shown-image="${first.id}"]`).waitFor();
    await saved();
    await expect.poll(() => listed(moved)).toBe(true);
    expectBox(await find(), moved);

    // Window/level and the shortcut sheet.
    // Contrast is the mirrored window: 8 + 512 - 380 = window 140.
    await page.locator('[data-testid="wl-contrast"]').fill('380');
    expect(await page.locator('[data-testid="wl-readout"]').textContent()).toContain('window 140');
    await page.keyboard.press('?');
    await page.locator('[data-testid="shortcut-sheet"]').waitFor();
    await page.screenshot({ path: join(SHOTS, '05-shortcuts.png') });
    await page.keyboard.press('?');

    // Next image with the keyboard.
    await page.locator('[data-testid="annotate-canvas"]').hover();
    await page.keyboard.press('ArrowRight');
    await page.locator(`[data-testid="annotate-canvas"][data-shown-image="${list.items[1].id}"]`).waitFor();
    expect(await page.locator('[data-testid="wl-readout"]').textContent()).toContain('window 140');
    await page.screenshot({ path: join(SHOTS, '06-next-image-window-level.png') });

    // The only console error allowed is the browser logging the 507 this test injected.
    expect(pageErrors.filter((e) => !e.includes('status of 507'))).toEqual([]);
  });
});
