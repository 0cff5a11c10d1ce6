import { app, BrowserWindow, dialog, ipcMain, Menu, session as electronSession, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { ProgressEvent } from '../api/contract.js';
import { dispatch } from '../api/dispatch.js';
import { createService, studyJobsOf } from '../api/service.js';
import { Session } from '../api/session.js';
import { errorMessage } from '../core/errors.js';
import { packageRoot } from '../core/util/package-root.js';
import { currentUser } from '../core/util/user.js';
import { handleAppScheme, handleFileScheme, registerSchemes } from './protocol.js';
import { APP_INDEX_URL, isAllowedNavigation, isTrustedSender, WEB_PREFERENCES } from './security.js';

/**
 * The Electron door: one window showing the bundled renderer, which reaches the core only through the
 * preload's typed `window.sonotl.call`, validated by the same dispatch as the browser bridge.
 */
const root = packageRoot();
const session = new Session();
let window: BrowserWindow | null = null;

const emit = (event: ProgressEvent): void => window?.webContents.send('sonotl:event', event);
const service = createService({ session, author: currentUser(), emit });

registerSchemes();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAllowedNavigation(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    // No new windows; links the page asks to open go nowhere (nothing is handed to the OS browser).
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('window-all-closed', () => {
    // A running study is stopped and its runs marked cancelled before the project closes under it.
    const jobs = studyJobsOf(service);
    jobs.cancel();
    void jobs.settled().finally(() => {
      session.close();
      app.quit();
    });
  });
  app.whenReady().then(start, (e) => {
    dialog.showErrorBox('SonoTL could not start', errorMessage(e));
    app.quit();
  });
}

async function start(): Promise<void> {
  electronSession.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  electronSession.defaultSession.setPermissionCheckHandler(() => false);
  handleAppScheme(join(root, 'dist', 'renderer'));
  handleFileScheme(session);

  ipcMain.handle('sonotl:call', async (event, method: unknown, input: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url ?? '')) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'calls are accepted only from the SonoTL window' } };
    }
    return dispatch(service, String(method), input);
  });

  const projectArg = process.argv.slice(app.isPackaged ? 1 : 2).find((a) => !a.startsWith('-'));
  if (projectArg) openProjectFolder(projectArg);

  window = new BrowserWindow({
    width: 1400,
    height: 900,
    backgroundColor: '#101418',
    title: 'SonoTL',
    show: false,
    // The checklist settings are repeated literally (equal to WEB_PREFERENCES) so that Electronegativity's
    // static checks can see them; test/electron-main.test.ts asserts the window gets exactly these.
    webPreferences: {
      ...WEB_PREFERENCES,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
      preload: join(root, 'dist', 'src-main', 'electron', 'preload.cjs'),
    },
  });
  window.once('ready-to-show', () => window?.show());
  buildMenu();
  await window.loadURL(APP_INDEX_URL);
}

function openProjectFolder(dir: string): void {
  try {
    session.open(dir);
  } catch (e) {
    dialog.showErrorBox('Cannot open project', errorMessage(e));
  }
  buildMenu();
  window?.webContents.reload();
}

async function chooseProject(): Promise<void> {
  if (!window) return;
  const r = await dialog.showOpenDialog(window, { title: 'Open a SonoTL project folder', properties: ['openDirectory'] });
  if (!r.canceled && r.filePaths[0]) openProjectFolder(r.filePaths[0]);
}

function buildMenu(): void {
  const recent: MenuItemConstructorOptions[] = session.recent().map((dir) => ({ label: dir, click: () => openProjectFolder(dir) }));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => void chooseProject() },
          { label: 'Open Recent', submenu: recent.length ? recent : [{ label: 'No recent projects', enabled: false }] },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'reload' }, { role: 'togglefullscreen' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'resetZoom' }] },
    ]),
  );
}
