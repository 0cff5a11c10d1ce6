import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBridge } from '../../src-main/bridge/server.js';
import { encodePng } from '../../src-main/core/imaging/gray.js';
import { generatePhantomSet } from '../../src-main/core/phantom/generate.js';
import { createAnnotation, ensureCategory, insertImage, openProject, storeBlob } from '../../src-main/core/project/index.js';
import { sha256Hex } from '../../src-main/core/util/hash.js';
import { CHROMIUM, launchChromium } from '../chromium.js';
import { median, type BenchFigure } from '../figure.js';

const IMAGES = 10_000;
/** Distinct stored files the rows cycle through: more than the renderer keeps decoded, so each switch loads one. */
const DISTINCT_FILES = 20;
const BOXES_ON_FIRST = 1000;
const WIDTH = 800;
const HEIGHT = 540;

/**
 * A project as a busy study would have it: 10 000 images (rows over 20 real phantom PNGs of 800x540),
 * the first with 1000 boxes, the next few with a handful each. Rows are inserted through the core
 * directly: the figures are about the UI, not the import.
 */
export async function buildUiBenchProject(dir: string): Promise<void> {
  const project = openProject(dir, { create: true });
  try {
    const files: Array<{ sha: string }> = [];
    for (const img of generatePhantomSet({ seed: 11, count: DISTINCT_FILES, width: WIDTH, height: HEIGHT })) {
      const png = await encodePng({ width: img.width, height: img.height, data: img.pixels });
      const sha = sha256Hex(png);
      storeBlob(project, sha, 'png', png);
      files.push({ sha });
    }
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    project.db.transaction(() => {
      const category = ensureCategory(project, 'kidney');
      for (let i = 0; i < IMAGES; i++) {
        const { sha } = files[i % DISTINCT_FILES];
        const id = insertImage(project, {
          sourceSha256: sha256Hex(`bench-${i}`),
          sourceName: `scan_${String(i).padStart(5, '0')}.png`,
          frame: 0,
          fileSha256: sha,
          fileExt: 'png',
          originalName: `scan_${String(i).padStart(5, '0')}.png`,
          width: WIDTH,
          height: HEIGHT,
          channels: 1,
          bitDepth: 8,
          subject: `s${i >> 2}`,
          split: null,
          modality: 'US',
          metadata: {},
        });
        const boxes = i === 0 ? BOXES_ON_FIRST : i < 40 ? 3 : 0;
        for (let b = 0; b < boxes; b++) {
          const w = 10 + rand() * 70;
          const h = 10 + rand() * 70;
          createAnnotation(project, { imageId: id, categoryId: category, box: { x: rand() * (WIDTH - w), y: rand() * (HEIGHT - h), w, h }, author: 'bench' });
        }
      }
    })();
  } finally {
    project.close();
  }
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

// The page-side code is passed as text: this file is compiled for Node, without the DOM's types.

/**
 * Installed before every page load: records the timestamp (ms since navigation start) of the frame that
 * first shows grid cells with their data.
 */
const GRID_FIRST_PAINT = `if (location.hash === '#/images') {
  const check = () => {
    if (document.querySelector('[data-testid="image-grid"] .grid-cell:not(.pending)')) requestAnimationFrame((t) => { window.__sonotlGridPaint = t; });
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}`;

/**
 * Pans (middle-button drag) then zooms (wheel at the cursor) the annotation stage, one input step per
 * frame, and returns the intervals between the frames' requestAnimationFrame timestamps.
 */
const PAN_AND_ZOOM = `new Promise((resolve) => {
  const content = document.querySelector('[data-testid="annotate-canvas"] .konvajs-content');
  const rect = content.getBoundingClientRect();
  const cx = rect.left + rect.width / 2, cy = rect.top + rect.height / 2;
  const stamps = [];
  const PAN = 120, ZOOM = 120;
  let frame = 0;
  content.dispatchEvent(new MouseEvent('mousedown', { button: 1, buttons: 4, clientX: cx, clientY: cy, bubbles: true }));
  const step = (t) => {
    stamps.push(t);
    if (frame < PAN) {
      const a = (frame / PAN) * 2 * Math.PI;
      window.dispatchEvent(new MouseEvent('mousemove', { clientX: cx + 120 * Math.sin(a), clientY: cy + 80 * (1 - Math.cos(a)), buttons: 4 }));
    } else if (frame === PAN) {
      window.dispatchEvent(new MouseEvent('mouseup', { button: 1, clientX: cx, clientY: cy }));
    } else if (frame < PAN + ZOOM) {
      const k = frame - PAN;
      content.dispatchEvent(new WheelEvent('wheel', { deltaY: k < ZOOM / 2 ? -40 : 40, clientX: cx + 100 * Math.cos(k / 10), clientY: cy + 60 * Math.sin(k / 10), bubbles: true, cancelable: true }));
    } else {
      const gaps = [];
      for (let i = 2; i < stamps.length; i++) gaps.push(stamps[i] - stamps[i - 1]);
      resolve(gaps);
      return;
    }
    frame++;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

/** Milliseconds from the key press to the frame that shows the next image with its boxes. */
const NEXT_IMAGE = `new Promise((resolve) => {
  const host = document.querySelector('[data-testid="annotate-canvas"]');
  const from = host.getAttribute('data-shown-image');
  let pressed = null;
  window.addEventListener('keydown', (e) => { pressed = e.timeStamp; }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (host.getAttribute('data-shown-image') === from) return;
    observer.disconnect();
    requestAnimationFrame((t) => resolve(t - pressed));
  });
  observer.observe(host, { attributes: true, attributeFilter: ['data-shown-image'] });
  window.__sonotlBenchArmed = true;
})`;

async function shown(page: Page, imageId: number): Promise<void> {
  await page.locator(`[data-testid="annotate-canvas"][data-shown-image="${imageId}"]`).waitFor({ timeout: 30_000 });
}

/** Chromium's frames come as fast as they are made instead of at the display's refresh. */
const UNLOCKED_FRAME_RATE = ['--disable-frame-rate-limit', '--disable-gpu-vsync'];
const PAN_ZOOM_RUNS = 5;

/**
 * The 95th percentile of the frame-to-frame intervals while panning and zooming the image with 1000
 * boxes: the median over a few runs (after one warm-up) of each run's p95, so that one run that other
 * processes on the machine starved of CPU does not decide the figure. Measured in a browser of its own
 * with the frame rate unlocked: at the display's 60 Hz the intervals are whole refreshes (16.7 ms,
 * jittering by a tenth of a millisecond even on an empty page), so they cannot show a frame faster than
 * the refresh and "< 16.7 ms" could not be met by any page; unlocked, an interval is the time the frame
 * itself took.
 */
async function panZoomFrameP95(base: string): Promise<number> {
  const browser = await launchChromium(UNLOCKED_FRAME_RATE);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}#/annotate/1`);
    await shown(page, 1);
    const boxCount = await page.locator('[data-testid="box-list"] .box-item').count();
    if (boxCount < Math.min(200, BOXES_ON_FIRST)) throw new Error(`ui bench: the first image shows ${boxCount} boxes in the list, expected ${BOXES_ON_FIRST}`);
    await page.evaluate(PAN_AND_ZOOM);
    const p95s: number[] = [];
    for (let r = 0; r < PAN_ZOOM_RUNS; r++) p95s.push(percentile((await page.evaluate(PAN_AND_ZOOM)) as number[], 95));
    return median(p95s);
  } finally {
    await browser.close();
  }
}

/**
 * UI figures, measured in headless Chromium through the local bridge (software rendering, so a
 * workstation with a GPU does better): frame time while panning and zooming an image with 1000 boxes
 * (frame rate unlocked, see panZoomFrameP95),
 * switching to the next image, and first paint of a 10 000-image grid.
 */
export async function uiFigures(opts: { rendererDir: string }): Promise<BenchFigure[]> {
  if (!existsSync(CHROMIUM)) {
    console.warn(`ui figures skipped: ${CHROMIUM} is missing`);
    return [];
  }
  if (!existsSync(join(opts.rendererDir, 'index.html'))) throw new Error(`ui figures need the built renderer in ${opts.rendererDir} (npm run build:renderer)`);
  const work = mkdtempSync(join(tmpdir(), 'sonotl-bench-ui-'));
  let browser: Browser | null = null;
  const bridge = await (async () => {
    const dir = join(work, 'p');
    await buildUiBenchProject(dir);
    return startBridge({ projectDir: dir, rendererDir: opts.rendererDir, configDir: join(work, 'config') });
  })();
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(GRID_FIRST_PAINT);
    const base = bridge.url;

    // Grid: a fresh page load each time; the first load also fills the thumbnail cache and is not counted.
    const gridRuns: number[] = [];
    for (let r = 0; r < 4; r++) {
      await page.goto(`${base}#/images`);
      const handle = await page.waitForFunction(() => (globalThis as { __sonotlGridPaint?: number }).__sonotlGridPaint, undefined, { timeout: 30_000 });
      const ms = (await handle.jsonValue()) as number;
      if (r > 0) gridRuns.push(ms);
    }
    const gridMs = median(gridRuns);

    const frameP95 = await panZoomFrameP95(base);

    await page.goto(`${base}#/annotate/1`);
    await shown(page, 1);

    // Next image: one switch to warm up (it also finds the image's place in the list), then ten measured.
    await page.locator('[data-testid="annotate-canvas"]').hover();
    const switches: number[] = [];
    for (let i = 0; i < 11; i++) {
      const pending = page.evaluate(NEXT_IMAGE) as Promise<number>;
      // Predicates are functions, not strings: the app's CSP forbids eval, which a string predicate needs.
      await page.waitForFunction(() => (globalThis as { __sonotlBenchArmed?: boolean }).__sonotlBenchArmed === true);
      await page.evaluate('window.__sonotlBenchArmed = false');
      await page.keyboard.press('ArrowRight');
      const ms = await pending;
      await shown(page, i + 2);
      if (i > 0) switches.push(ms);
    }
    const switchMs = median(switches);

    return [
      {
        name: `UI: frame time p95, pan+zoom 800x540 image, ${BOXES_ON_FIRST} boxes`,
        unit: 'ms',
        sonotl: frameP95,
        peer: null,
        peerName: null,
        ratio: null,
        goal: '< 16.7 ms',
        met: frameP95 < 16.7,
      },
      { name: 'UI: next image (key press to painted)', unit: 'ms', sonotl: switchMs, peer: null, peerName: null, ratio: null, goal: '< 100 ms', met: switchMs < 100 },
      { name: `UI: first paint of a ${IMAGES}-image grid (page load)`, unit: 'ms', sonotl: gridMs, peer: null, peerName: null, ratio: null },
    ];
  } finally {
    await browser?.close();
    await bridge.close();
    rmSync(work, { recursive: true, force: true });
  }
}
