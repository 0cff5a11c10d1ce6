import type { Bridge } from '../../src-main/bridge/server.js';

/** Calls one API method on a running bridge with its token, as the page does; a refusal throws its message. */
export async function callBridge<T>(bridge: Bridge, method: string, input: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${bridge.port}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bridge.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}
