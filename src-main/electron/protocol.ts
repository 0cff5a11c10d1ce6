import { net, protocol } from 'electron';
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Session } from '../api/session.js';
import { errorMessage } from '../core/errors.js';
import { resolveStoredFile, thumbnail } from '../core/project/files.js';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, FILE_SCHEME } from './security.js';

/** Must run before the app is ready: the scheme behaves like https (secure, fetchable, no CORS exceptions). */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: FILE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the bundled renderer from dist/renderer, with the CSP on every response. */
export function handleAppScheme(rendererDir: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const abs = resolve(root, rel);
    if (url.host !== 'bundle' || !abs.startsWith(root + sep) || !existsSync(abs)) return new Response('not found', { status: 404 });
    const file = await net.fetch(pathToFileURL(abs).toString());
    const headers = new Headers(file.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(file.body, { status: file.status, headers });
  });
}

/**
 * Serves the open project's stored images and thumbnails, and nothing else: the path is checked by the
 * same core function the bridge uses, which refuses anything outside the project's images folder.
 */
export function handleFileScheme(session: Session): void {
  protocol.handle(FILE_SCHEME, async (request) => {
    try {
      const url = new URL(request.url);
      const project = session.require();
      if (url.host === 'project') return net.fetch(pathToFileURL(resolveStoredFile(project, decodeURIComponent(url.pathname.slice(1)))).toString());
      if (url.host === 'thumbs') {
        const jpeg = await thumbnail(project, Number(url.pathname.slice(1)), Number(url.searchParams.get('size') ?? 160));
        return new Response(new Uint8Array(jpeg), { headers: { 'Content-Type': 'image/jpeg' } });
      }
      return new Response('not found', { status: 404 });
    } catch (e) {
      return new Response(errorMessage(e), { status: 404 });
    }
  });
}
