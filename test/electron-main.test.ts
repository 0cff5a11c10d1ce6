/**
 * The built Electron main process (dist/src-main/electron/main.js), run under Node with a recording
 * stand-in for the electron module (test/helpers/fake-electron), then driven as a hostile page would:
 * every permission request must be denied, every navigation, redirect and window.open away from the
 * bundle blocked, webviews refused, the custom schemes confined to the bundle and the open project's
 * stored images, IPC answered only for the bundle's own frame, and shell.openExternal never called.
 * Unlike electron-security.test.ts, which reads the settings, this checks what the handlers do.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInputs } from '../src-main/core/import/run-import.js';
import { listImages, openProject } from '../src-main/core/project/index.js';
import { assertBuilt, ROOT } from './helpers/paths.js';

const APP = 'sonotl-app://bundle/index.html';
const PERMISSIONS = ['media', 'geolocation', 'notifications', 'midi', 'midiSysex', 'pointerLock', 'fullscreen', 'openExternal', 'clipboard-read', 'clipboard-sanitized-write', 'display-capture', 'hid', 'serial', 'usb', 'idle-detection', 'window-management', 'unknown'];
const HOSTILE_URLS = [
  'https://evil.example/',
  'http://127.0.0.1:8080/',
  'file:///etc/passwd',
  'sonotl-file://project/images/00/x.png',
  'sonotl-app://evil/index.html',
  'sonotl-app://bundle.evil.example/index.html',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  'mailto:someone@example.com',
  'not a url',
];

const work = mkdtempSync(join(tmpdir(), 'sonotl-electron-main-'));
let relPath: string;
let result: {
  singleInstance: number;
  appEvents: string[];
  protocols: string[];
  privileged: Array<{ scheme: string; privileges: Record<string, boolean> }>;
  ipc: string[];
  windows: Array<{ webPreferences: Record<string, unknown> }>;
  loaded: string[];
  openExternal: string[];
  errors: string[];
  driverError?: string;
  results: {
    permissions: Record<string, unknown>;
    permissionChecks: unknown[];
    navigation: Record<string, Record<string, string>>;
    webviewBlocked: boolean;
    protocol: Record<string, { status: number | string; csp?: string | null; bytes?: number; sqlite?: boolean }>;
    ipc: Record<string, { ok: boolean; error?: { code: string } } | string>;
    ipcNoFrame: { ok: boolean; error?: { code: string } } | string;
  };
};

beforeAll(async () => {
  assertBuilt();
  const main = join(ROOT, 'dist', 'src-main', 'electron', 'main.js');
  if (!existsSync(main)) throw new Error('dist/src-main/electron/main.js is missing: run "npm run build:main"');
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is missing: run "npm run build" (the bundle scheme serves it)');
  const src = join(work, 'src');
  mkdirSync(src);
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
  writeFileSync(join(src, 'a.png'), png);
  const dir = join(work, 'p');
  const project = openProject(dir, { create: true });
  await importInputs(project, [src]);
  relPath = listImages(project, { offset: 0, limit: 1 }).items[0].relPath;
  project.close();
  // A file beside the project and one beside the bundle, which no scheme may serve.
  writeFileSync(join(work, 'secret.txt'), 'secret');
  copyFileSync(join(dir, 'project.sqlite'), join(work, 'copy.sqlite'));

  const [dirName, fileName] = [relPath.split('/')[1], relPath.split('/')[2]];
  const plan = {
    permissions: PERMISSIONS,
    urls: HOSTILE_URLS,
    appUrl: APP,
    schemeUrls: [
      APP,
      'sonotl-app://bundle/',
      'sonotl-app://bundle/../../../../etc/passwd',
      'sonotl-app://bundle/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      'sonotl-app://bundle/..%2f..%2f..%2fpackage.json',
      'sonotl-app://evil/index.html',
      `sonotl-file://project/${relPath}`,
      'sonotl-file://project/project.sqlite',
      'sonotl-file://project/images/../project.sqlite',
      'sonotl-file://project/images%2f..%2fproject.sqlite',
      `sonotl-file://project/images/${dirName}/..%2f..%2f..%2fsecret.txt`,
      `sonotl-file://project/${pathToFileURL(join(work, 'secret.txt')).pathname}`,
      `sonotl-file://evil/${relPath}`,
      `sonotl-file://project/images/${dirName}/${fileName.replace('.png', '.jpg')}`,
      'sonotl-file://thumbs/1?size=64',
      'sonotl-file://thumbs/1?size=100000',
      'sonotl-file://thumbs/999999?size=64',
    ],
  };
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'test', 'helpers', 'fake-electron', 'register.mjs')).href, main, dir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 45_000,
    env: { ...process.env, FAKE_ELECTRON_PLAN: JSON.stringify(plan), SONOTL_CONFIG_DIR: join(work, 'config'), FORCE_COLOR: '0' },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('FAKE_ELECTRON_RESULT '));
  if (!line) throw new Error(`the built main process did not report (status ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  result = JSON.parse(line.slice('FAKE_ELECTRON_RESULT '.length));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the built Electron main process, driven as a hostile page would', async () => {
  const security = (await import(join(ROOT, 'dist', 'src-main', 'electron', 'security.js'))) as typeof import('../src-main/electron/security.js');

  it('starts one instance, opens the project given on the command line, and loads only the bundle', () => {
    expect(result.driverError).toBeUndefined();
    expect(result.errors).toEqual([]);
    expect(result.singleInstance).toBe(1);
    expect(result.loaded).toEqual([APP]);
    expect(result.windows).toHaveLength(1);
    // Exactly the tested settings plus the preload: the literal repeats in main.ts cannot drift from them.
    const { preload, ...prefs } = result.windows[0].webPreferences;
    expect(prefs).toEqual({ ...security.WEB_PREFERENCES });
    expect(preload).toBe(join(ROOT, 'dist', 'src-main', 'electron', 'preload.cjs'));
  });

  it('denies every permission request and check', () => {
    for (const p of PERMISSIONS) expect(result.results.permissions[p], p).toBe(false);
    expect(result.results.permissionChecks).toEqual(PERMISSIONS.map(() => false));
  });

  it('blocks navigation, redirects and window.open to anything but the bundle, and refuses webviews', () => {
    for (const url of HOSTILE_URLS) {
      expect(result.results.navigation[url], url).toEqual({ 'will-navigate': 'blocked', 'will-redirect': 'blocked', windowOpen: 'deny' });
    }
    expect(result.results.webviewBlocked).toBe(true);
  });

  it('never hands a URL to the operating system (shell.openExternal)', () => {
    expect(result.openExternal).toEqual([]);
  });

  it('serves the bundle with its CSP and nothing outside it', () => {
    const p = result.results.protocol;
    expect(p[APP].status).toBe(200);
    expect(p[APP].csp).toMatch(/default-src 'none'/);
    for (const url of ['sonotl-app://bundle/../../../../etc/passwd', 'sonotl-app://bundle/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', 'sonotl-app://bundle/..%2f..%2f..%2fpackage.json', 'sonotl-app://evil/index.html']) {
      expect(p[url].status, url).toBe(404);
    }
  });

  it("serves the open project's stored images and thumbnails, and nothing else of the disk", () => {
    const p = result.results.protocol;
    expect(p[`sonotl-file://project/${relPath}`]).toMatchObject({ status: 200 });
    expect(p['sonotl-file://thumbs/1?size=64']).toMatchObject({ status: 200 });
    const refused = Object.keys(p).filter((u) => u.startsWith('sonotl-file://') && u !== `sonotl-file://project/${relPath}` && u !== 'sonotl-file://thumbs/1?size=64');
    expect(refused.length).toBeGreaterThan(8);
    for (const url of refused) {
      expect(p[url].status, url).not.toBe(200);
      expect(p[url].sqlite, url).toBeFalsy();
    }
  });

  it('answers IPC only from the bundle', () => {
    for (const url of HOSTILE_URLS) expect(result.results.ipc[url], url).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(result.results.ipcNoFrame).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(result.results.ipc[APP]).toMatchObject({ ok: true });
  });
});
