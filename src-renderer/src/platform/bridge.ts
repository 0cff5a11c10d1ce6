import type { DispatchResult, Platform, ProgressEvent } from './types';

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

function isDispatchResult(v: unknown): v is DispatchResult {
  if (typeof v !== 'object' || v === null || !('ok' in v)) return false;
  const r = v as { ok: unknown; error?: unknown };
  return r.ok === true || (r.ok === false && typeof r.error === 'object' && r.error !== null);
}

/** The browser door: the same interface as Electron's preload, over the local bridge's HTTP and WebSocket. */
export function createBridgePlatform(origin: string, token: string | null, fetchImpl: typeof fetch = fetch.bind(globalThis)): Platform {
  const listeners = new Set<(e: ProgressEvent) => void>();
  const q = token ? `token=${encodeURIComponent(token)}` : '';
  let socket: WebSocket | null = null;
  let retryMs = MIN_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  async function call(method: string, input: unknown): Promise<DispatchResult> {
    let res: Response;
    try {
      res = await fetchImpl(`${origin}/api/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(input ?? {}),
      });
    } catch (e) {
      return {
        ok: false,
        error: { code: 'OFFLINE', message: `${method}: the SonoTL server at ${origin} did not answer (${e instanceof Error ? e.message : String(e)}); check that it is still running` },
      };
    }
    if (res.status === 401) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: `${method}: the server refused this page's token; open the URL the server printed again` } };
    }
    const text = await res.text();
    try {
      const body: unknown = JSON.parse(text);
      if (isDispatchResult(body)) return body;
    } catch {
      // fall through: a proxy or a crashed handler answered with something that is not the contract
    }
    return { ok: false, error: { code: 'INTERNAL', message: `${method}: the server answered HTTP ${res.status} without a result: ${text.slice(0, 200)}` } };
  }

  function connect(): void {
    if (socket || listeners.size === 0) return;
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/events${q ? `?${q}` : ''}`);
    socket = ws;
    ws.onopen = () => {
      retryMs = MIN_RETRY_MS;
    };
    ws.onmessage = (m) => {
      let event: unknown;
      try {
        event = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (typeof event === 'object' && event !== null && (event as { type?: unknown }).type === 'progress') {
        for (const l of listeners) l(event as ProgressEvent);
      }
    };
    ws.onclose = () => {
      // A socket closed on purpose may report after a newer one was opened; only the live one reconnects.
      if (socket !== ws) return;
      socket = null;
      if (listeners.size === 0) return;
      // Back off so a stopped server is not hammered, but come back quickly after a short blip.
      retryTimer = setTimeout(() => {
        retryTimer = null;
        connect();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
  }

  return {
    call,
    onEvent(cb) {
      listeners.add(cb);
      connect();
      return () => {
        listeners.delete(cb);
        if (listeners.size === 0) {
          if (retryTimer) clearTimeout(retryTimer);
          retryTimer = null;
          socket?.close();
          socket = null;
        }
      };
    },
    fileUrl: (relPath) => `${origin}/files/${relPath.split('/').map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`,
    thumbUrl: (imageId, size) => `${origin}/thumbs/${imageId}?size=${Math.round(size)}${q ? `&${q}` : ''}`,
  };
}
