/**
 * Every security setting of the desktop window, as plain data with no electron import, so that a test
 * can assert them from the built main process and main.ts cannot drift from what is tested.
 */

/** Project images reach the renderer through this scheme only (see protocol.ts). */
export const FILE_SCHEME = 'sonotl-file';
/**
 * The bundled renderer is served through its own scheme rather than file://, so that every response
 * carries the CSP header and the window's origin is one that no web page can have.
 */
export const APP_SCHEME = 'sonotl-app';
export const APP_INDEX_URL = `${APP_SCHEME}://bundle/index.html`;

export const WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  // A middle click on a link asks for a new window; refused by the window-open handler too.
  disableBlinkFeatures: 'Auxclick',
});

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' ${FILE_SCHEME}: data: blob:`,
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** The window only ever shows the bundled renderer: any other navigation is refused. */
export function isAllowedNavigation(target: string): boolean {
  try {
    const t = new URL(target);
    return t.protocol === `${APP_SCHEME}:` && t.host === 'bundle';
  } catch {
    return false;
  }
}

/** IPC calls are accepted only from the bundled renderer. */
export function isTrustedSender(senderUrl: string): boolean {
  return isAllowedNavigation(senderUrl);
}
