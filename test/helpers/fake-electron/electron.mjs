/**
 * A recording stand-in for the parts of Electron the main process uses. It records every handler the
 * built main.js installs, then (once the window has loaded) drives them with hostile input the way a
 * compromised page would, and prints what happened as one JSON line for test/electron-main.test.ts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const rec = {
  singleInstance: 0,
  appEvents: {},
  contentsEvents: {},
  windowOpenHandler: null,
  permissionRequest: null,
  permissionCheck: null,
  protocols: {},
  privileged: [],
  ipc: {},
  windows: [],
  loaded: [],
  openExternal: [],
  errors: [],
};

let ready;
const readyPromise = new Promise((r) => (ready = r));

export const app = {
  isPackaged: false,
  requestSingleInstanceLock: () => (rec.singleInstance++, true),
  on: (name, fn) => ((rec.appEvents[name] ??= []).push(fn), app),
  whenReady: () => readyPromise,
  quit: () => {},
  getPath: () => '/nonexistent',
};

export class BrowserWindow {
  constructor(options) {
    rec.windows.push(options);
    this.webContents = { send: () => {}, reload: () => {} };
  }
  once() {}
  show() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  async loadURL(url) {
    rec.loaded.push(url);
    setTimeout(drive, 50);
  }
}

export const dialog = {
  showErrorBox: (title, text) => rec.errors.push(`${title}: ${text}`),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
};
export const ipcMain = { handle: (channel, fn) => (rec.ipc[channel] = fn) };
export const Menu = { setApplicationMenu: () => {}, buildFromTemplate: (t) => t };
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn) => (rec.permissionRequest = fn),
    setPermissionCheckHandler: (fn) => (rec.permissionCheck = fn),
  },
};
export const protocol = {
  registerSchemesAsPrivileged: (list) => rec.privileged.push(...list),
  handle: (scheme, fn) => (rec.protocols[scheme] = fn),
};
export const net = {
  // Electron's net.fetch reads file: URLs; Node's fetch does not, so this does it the same way.
  fetch: async (url) => {
    const u = new URL(url);
    if (u.protocol !== 'file:') throw new Error(`fake net.fetch: only file: URLs, got ${url}`);
    const path = fileURLToPath(u);
    if (!existsSync(path)) return new Response('missing', { status: 404 });
    return new Response(readFileSync(path), { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
  },
};
export const shell = { openExternal: async (url) => rec.openExternal.push(url) };
export const contextBridge = { exposeInMainWorld: () => {} };
export const ipcRenderer = { invoke: async () => {}, on: () => {}, removeListener: () => {} };
export default { app, BrowserWindow, dialog, ipcMain, Menu, session, protocol, net, shell, contextBridge, ipcRenderer };

// The test hands over its hostile inputs through the environment.
const plan = JSON.parse(process.env.FAKE_ELECTRON_PLAN ?? '{}');

function fakeContents() {
  const events = {};
  return {
    events,
    on: (name, fn) => ((events[name] ??= []).push(fn), undefined),
    setWindowOpenHandler: (fn) => (rec.windowOpenHandler = fn),
  };
}

async function drive() {
  const out = { ...rec, appEvents: Object.keys(rec.appEvents), protocols: Object.keys(rec.protocols), ipc: Object.keys(rec.ipc), results: {} };
  const r = out.results;
  try {
    // A page asking for every permission, and checks of them.
    r.permissions = {};
    for (const p of plan.permissions) {
      r.permissions[p] = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve('no answer'), 1000);
        rec.permissionRequest?.({}, p, (granted) => (clearTimeout(timer), resolve(granted)), { requestingUrl: 'https://evil.example/' });
      });
    }
    r.permissionChecks = plan.permissions.map((p) => rec.permissionCheck?.({}, p, 'https://evil.example/', {}));

    // A web contents as the app creates it, navigated and redirected to every URL of the plan.
    const contents = fakeContents();
    for (const fn of rec.appEvents['web-contents-created'] ?? []) fn({}, contents);
    r.navigation = {};
    for (const url of plan.urls) {
      const outcome = {};
      for (const ev of ['will-navigate', 'will-redirect']) {
        let prevented = false;
        for (const fn of contents.events[ev] ?? []) fn({ preventDefault: () => (prevented = true) }, url);
        outcome[ev] = (contents.events[ev] ?? []).length === 0 ? 'no handler' : prevented ? 'blocked' : 'allowed';
      }
      outcome.windowOpen = rec.windowOpenHandler ? rec.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window' })?.action : 'no handler';
      r.navigation[url] = outcome;
    }
    let webviewPrevented = false;
    for (const fn of contents.events['will-attach-webview'] ?? []) fn({ preventDefault: () => (webviewPrevented = true) }, {}, {});
    r.webviewBlocked = webviewPrevented;

    // Requests a page could make to the app's own schemes.
    r.protocol = {};
    for (const url of plan.schemeUrls) {
      const scheme = new URL(url).protocol.slice(0, -1);
      const handler = rec.protocols[scheme];
      if (!handler) {
        r.protocol[url] = { status: 'no handler' };
        continue;
      }
      const res = await handler(new Request(url));
      const body = Buffer.from(await res.arrayBuffer());
      r.protocol[url] = { status: res.status, csp: res.headers.get('content-security-policy'), bytes: body.length, sqlite: body.subarray(0, 15).toString('latin1') === 'SQLite format 3' };
    }

    // IPC calls from frames that are not the app, and one from the app.
    r.ipc = {};
    const call = rec.ipc['sonotl:call'];
    for (const url of [...plan.urls, plan.appUrl]) {
      r.ipc[url] = call ? await call({ senderFrame: { url }, sender: {} }, 'project.info', {}) : 'no handler';
    }
    r.ipcNoFrame = call ? await call({ senderFrame: null, sender: {} }, 'project.info', {}) : 'no handler';
  } catch (e) {
    out.driverError = String(e && e.stack || e);
  }
  out.openExternal = rec.openExternal;
  out.errors = rec.errors;
  process.stdout.write(`FAKE_ELECTRON_RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
}

setTimeout(() => ready(), 10);
