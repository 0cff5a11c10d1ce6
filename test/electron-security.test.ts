import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from './helpers/paths.js';

// Read from the built main process (dist/), as it would ship; no Electron binary is needed for that.
const built = (file: string): string => readFileSync(join(ROOT, 'dist', 'src-main', 'electron', file), 'utf8');

describe('Electron security settings of the built main process', async () => {
  assertBuilt();
  const security = (await import(join(ROOT, 'dist', 'src-main', 'electron', 'security.js'))) as typeof import('../src-main/electron/security.js');
  const main = built('main.js');
  const preload = built('preload.cjs');

  it('isolates and sandboxes the renderer with no Node integration', () => {
    expect(security.WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(Object.isFrozen(security.WEB_PREFERENCES)).toBe(true);
    expect(security.WEB_PREFERENCES).toMatchObject({ disableBlinkFeatures: 'Auxclick' });
    // The window is built from these preferences (some repeated literally for static checkers), plus the
    // preload; electron-main.test.ts checks the window the running main process creates.
    expect(main).toMatch(/webPreferences: \{\s*\.\.\.WEB_PREFERENCES,/);
    expect(main).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false/);
  });

  it('sends a strict Content-Security-Policy with every page of the bundle', () => {
    const csp = security.CONTENT_SECURITY_POLICY;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(built('protocol.js')).toMatch(/headers\.set\('Content-Security-Policy', CONTENT_SECURITY_POLICY\)/);
    expect(main).toMatch(/loadURL\(APP_INDEX_URL\)/);
    expect(main).not.toMatch(/loadURL\(['"`]https?:/);
  });

  it('allows navigation only within the bundle and IPC only from it', () => {
    expect(security.isAllowedNavigation(security.APP_INDEX_URL)).toBe(true);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'sonotl-file://project/x', 'sonotl-app://evil/index.html', 'javascript:alert(1)', 'not a url']) {
      expect(security.isAllowedNavigation(url), url).toBe(false);
      expect(security.isTrustedSender(url), url).toBe(false);
    }
    expect(main).toMatch(/'will-navigate', \(e, url\) => \{\s*if \(!isAllowedNavigation\(url\)\)\s*e\.preventDefault\(\);/);
    expect(main).toMatch(/'will-redirect'/);
    expect(main).toMatch(/'will-attach-webview', \(e\) => e\.preventDefault\(\)/);
    expect(main).toMatch(/isTrustedSender\(event\.senderFrame/);
  });

  it('blocks new windows, denies permission requests, never opens external URLs, and keeps one instance', () => {
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(main).toMatch(/setPermissionRequestHandler\(\(_contents, _permission, callback\) => callback\(false\)\)/);
    expect(main).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
    expect(main).toMatch(/requestSingleInstanceLock\(\)/);
    expect(main + preload + built('protocol.js')).not.toMatch(/openExternal/);
  });

  it('serves project images through a scheme confined to the project, and the preload exposes only the contract', () => {
    expect(built('protocol.js')).toMatch(/resolveStoredFile\(project,/);
    expect(preload).toMatch(/exposeInMainWorld\('sonotl'/);
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
    expect(preload).toMatch(/ipcRenderer\.invoke\('sonotl:call'/);
  });
});
