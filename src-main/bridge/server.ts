import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ProgressEvent } from '../api/contract.js';
import { dispatch, type DispatchResult } from '../api/dispatch.js';
import { createService, studyJobsOf } from '../api/service.js';
import { Session } from '../api/session.js';
import { errorMessage, isSonoError } from '../core/errors.js';
import { resolveStoredFile, thumbnail } from '../core/project/files.js';
import { currentUser } from '../core/util/user.js';
import { COOKIE, hasValidToken, isSameOrigin, newToken } from './auth.js';

export interface BridgeOptions {
  /** Project to open at start (the UI can open or create others). */
  projectDir?: string;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 or absent: a random free port. */
  port?: number;
  /** Where the recent-projects list lives (tests point it at a temp folder). */
  configDir?: string;
  author?: string;
  /** Fixed token, for tests only; normally a new random one per launch. */
  token?: string;
  /** Folder holding `<backbone>/model.json` for studies; default: SONOTL_MODELS or the user's model cache. */
  modelsDir?: string;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_BODY = 16 * 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const STATUS: Record<string, number> = {
  BAD_INPUT: 400,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  PROJECT_LOCKED: 409,
  PROJECT_EXISTS: 409,
  PROJECT_TOO_NEW: 409,
  UNSUPPORTED: 422,
  CANCELLED: 409,
  PROJECT_READ_ONLY: 403,
  DISK_FULL: 507,
  INTERNAL: 500,
};

export function bridgeCsp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The browser door to the backend: the same contract as Electron's IPC, over HTTP on the loopback
 * interface. Every request needs the per-launch token and must come from this server's own origin.
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const token = options.token ?? newToken();
  const session = new Session(options.configDir ? join(options.configDir, 'recent.json') : undefined);
  const sockets = new Set<WebSocket>();
  const emit = (event: ProgressEvent): void => {
    const text = JSON.stringify(event);
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(text);
  };
  const service = createService({ session, author: options.author ?? currentUser(), emit, modelsDir: options.modelsDir });
  if (options.projectDir) session.open(options.projectDir);
  const rendererDir = resolve(options.rendererDir);
  let port = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, 'text/plain; charset=utf-8', `internal error: ${errorMessage(e)}`));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!isSameOrigin(req, port)) return send(res, 403, 'text/plain; charset=utf-8', 'cross-origin requests are refused');
    if (!hasValidToken(req, url, token)) return send(res, 401, 'text/plain; charset=utf-8', 'a valid token is required; open the URL the server printed');
    try {
      decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'application/json', JSON.stringify({ ok: false, error: { code: 'BAD_INPUT', message: 'the URL path has malformed percent-encoding' } }));
    }
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'API calls are POST');
      const body = await readJson(req);
      const result: DispatchResult = body.ok
        ? await dispatch(service, decodeURIComponent(url.pathname.slice(5)), body.value)
        : { ok: false, error: { code: 'BAD_INPUT', message: body.message } };
      res.setHeader('Cache-Control', 'no-store');
      return send(res, result.ok ? 200 : STATUS[result.error.code] ?? 400, 'application/json', JSON.stringify(result));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    if (url.pathname.startsWith('/files/')) {
      return serveFile(res, () => resolveStoredFile(session.require(), decodeURIComponent(url.pathname.slice(7))));
    }
    if (url.pathname.startsWith('/thumbs/')) {
      try {
        const jpeg = await thumbnail(session.require(), Number(url.pathname.slice(8)), Number(url.searchParams.get('size') ?? 160));
        res.setHeader('Cache-Control', 'private, max-age=3600');
        return send(res, 200, 'image/jpeg', jpeg);
      } catch (e) {
        return sendError(res, e);
      }
    }
    return serveRenderer(res, url.pathname);
  }

  function serveRenderer(res: ServerResponse, pathname: string): void {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const abs = resolve(rendererDir, rel);
    if (!abs.startsWith(rendererDir + sep) || !existsSync(abs) || !statSync(abs).isFile()) {
      return send(res, 404, 'text/plain; charset=utf-8', `not found: ${pathname}`);
    }
    if (rel === 'index.html') res.setHeader('Content-Security-Policy', bridgeCsp(port));
    serveFile(res, () => realpathSync(abs));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (url.pathname !== '/events' || !isSameOrigin(req, port) || !hasValidToken(req, url, token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolveListen());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      // A study still writing its results must stop before the project it writes to is closed.
      const jobs = studyJobsOf(service);
      jobs.cancel();
      await jobs.settled();
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      session.close();
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, e: unknown): void {
  const code = isSonoError(e) ? e.code : 'INTERNAL';
  send(res, STATUS[code] ?? 400, 'text/plain; charset=utf-8', errorMessage(e));
}

function serveFile(res: ServerResponse, locate: () => string): void {
  let path: string;
  try {
    path = locate();
  } catch (e) {
    return sendError(res, e);
  }
  res.writeHead(200, { 'Content-Type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': statSync(path).size });
  createReadStream(path).pipe(res);
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { ok: false, message: `request body larger than ${MAX_BODY / 1024 / 1024} MB` };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `request body is not valid JSON: ${errorMessage(e)}` };
  }
}

