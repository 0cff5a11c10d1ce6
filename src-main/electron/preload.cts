// Sandboxed preloads run as CommonJS with only a small part of electron available; this file exposes
// the typed API contract and nothing else (no ipcRenderer, no Node).
const { contextBridge, ipcRenderer } = require('electron') as typeof import('electron');

const FILE_SCHEME = 'sonotl-file';

contextBridge.exposeInMainWorld('sonotl', {
  call: (method: string, input: unknown): Promise<unknown> => ipcRenderer.invoke('sonotl:call', String(method), input),
  onEvent: (cb: (event: unknown) => void): (() => void) => {
    const listener = (_e: unknown, event: unknown): void => cb(event);
    ipcRenderer.on('sonotl:event', listener);
    return () => ipcRenderer.removeListener('sonotl:event', listener);
  },
  fileUrl: (relPath: string): string => `${FILE_SCHEME}://project/${String(relPath).split('/').map(encodeURIComponent).join('/')}`,
  thumbUrl: (imageId: number, size: number): string => `${FILE_SCHEME}://thumbs/${Number(imageId)}?size=${Number(size)}`,
});
