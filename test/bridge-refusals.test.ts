/**
 * Every refusal of the browser bridge that src-main/bridge/server.test.ts does not already cover: it is
 * reachable on the loopback interface only; every HTTP request and every WebSocket upgrade needs the
 * exact token (near misses, wrong schemes and wrong places refused); Origin and Host are checked on
 * both; and no response ever opens CORS.
 */
import { networkInterfaces } from 'node:os';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startBridge, type Bridge } from '../src-main/bridge/server.js';
import { openProject } from '../src-main/core/project/index.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-bridge-refusals-'));
let bridge: Bridge;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: opts.host ?? '127.0.0.1', port: bridge.port, path, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${bridge.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The upgrade's outcome: 'open', or the HTTP status the server answered the upgrade with. */
function upgrade(path: string, opts: { origin?: string; headers?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${path}`, { origin: opts.origin, headers: opts.headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

beforeAll(async () => {
  const renderer = join(work, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>SonoTL</title>');
  openProject(join(work, 'p'), { create: true }).close();
  bridge = await startBridge({ projectDir: join(work, 'p'), rendererDir: renderer, configDir: join(work, 'config') });
});

afterAll(async () => {
  await bridge?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('bridge refusals', () => {
  it('cannot be reached on any address but the loopback one', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    const others = [...external, '127.0.0.2', '0.0.0.0'];
    for (const address of others) {
      const outcome = await new Promise<string>((resolve) => {
        const s = connect({ host: address, port: bridge.port });
        s.setTimeout(2000, () => (s.destroy(), resolve('timeout')));
        s.on('connect', () => (s.destroy(), resolve('connected')));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      // 0.0.0.0 as a destination means "this host" on Linux, which reaches 127.0.0.1 as well; only the
      // real interfaces and other loopback addresses prove the bind.
      if (address === '0.0.0.0') continue;
      expect(outcome, address).not.toBe('connected');
    }
    expect((await call('/api/project.info', { method: 'POST', headers: { Authorization: `Bearer ${bridge.token}` }, body: '{}' })).status).toBe(200);
  });

  it('refuses near-miss tokens and tokens in the wrong form, on every kind of request', async () => {
    const t = bridge.token;
    const flipped = (t[0] === 'A' ? 'B' : 'A') + t.slice(1);
    const wrong: Array<Record<string, string>> = [
      { Authorization: `Bearer ${t.slice(0, -1)}` },
      { Authorization: `Bearer ${t}x` },
      { Authorization: `Bearer ${flipped}` },
      { Authorization: `Bearer ${t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase()}` },
      { Authorization: `Basic ${Buffer.from(`user:${t}`).toString('base64')}` },
      { Authorization: t },
      { Authorization: 'Bearer ' },
      { Cookie: `sonotl_token=${flipped}` },
      { Cookie: `other=${t}` },
      { 'X-Token': t },
    ];
    for (const headers of wrong) {
      for (const [path, method] of [['/api/project.info', 'POST'], ['/', 'GET'], ['/index.html', 'GET'], ['/files/images/00/x.png', 'GET'], ['/thumbs/1', 'GET'], ['/api/session.close', 'POST']] as const) {
        const r = await call(path, { method, headers, body: method === 'POST' ? '{}' : undefined });
        expect(r.status, `${method} ${path} with ${JSON.stringify(headers).slice(0, 40)}`).toBe(401);
      }
    }
    // A wrong Bearer is not rescued by a right cookie: the first token presented is the one checked.
    expect((await call('/api/project.info', { method: 'POST', headers: { Authorization: `Bearer ${flipped}`, Cookie: `sonotl_token=${t}` }, body: '{}' })).status).toBe(401);
    expect((await call(`/api/project.info?token=${flipped}`, { method: 'POST', body: '{}' })).status).toBe(401);
    // The session was never closed by the refused session.close calls.
    expect(JSON.parse((await call('/api/session.current', { method: 'POST', headers: { Authorization: `Bearer ${t}` }, body: '{}' })).body)).toMatchObject({ ok: true, value: { dir: join(work, 'p') } });
  });

  it('refuses foreign, look-alike and null origins and hosts, even with the right token', async () => {
    const auth = { Authorization: `Bearer ${bridge.token}` };
    const p = bridge.port;
    const origins = ['null', 'http://evil.example', `http://127.0.0.1:${p + 1}`, `https://127.0.0.1:${p}`, `http://127.0.0.1.evil.example:${p}`, `http://localhost.evil.example:${p}`, `http://[::1]:${p}`, 'file://', `http://127.0.0.1:${p}/`];
    for (const origin of origins) {
      expect((await call('/api/project.info', { method: 'POST', headers: { ...auth, Origin: origin }, body: '{}' })).status, origin).toBe(403);
      expect(await upgrade(`/events?token=${bridge.token}`, { origin }), origin).toBe('401');
    }
    const hosts = [`evil.example:${p}`, `127.0.0.1:${p + 1}`, '127.0.0.1', `localhost.evil.example:${p}`, `127.0.0.1.nip.io:${p}`, `[::1]:${p}`, `0.0.0.0:${p}`];
    for (const host of hosts) {
      expect((await call('/api/project.info', { method: 'POST', headers: { ...auth, Host: host }, body: '{}' })).status, host).toBe(403);
      expect(await upgrade(`/events?token=${bridge.token}`, { headers: { Host: host } }), host).toBe('401');
    }
  });

  it('needs the exact token on every WebSocket upgrade, and serves no other socket path', async () => {
    const t = bridge.token;
    expect(await upgrade('/events')).toBe('401');
    expect(await upgrade(`/events?token=${t.slice(0, -1)}`)).toBe('401');
    expect(await upgrade('/events', { headers: { Cookie: `sonotl_token=${t}x` } })).toBe('401');
    expect(await upgrade(`/api/project.info?token=${t}`)).toBe('401');
    expect(await upgrade(`/?token=${t}`)).toBe('401');
    // The right token, as a query, a header or the cookie, opens it from the page's own origin.
    expect(await upgrade(`/events?token=${t}`, { origin: `http://127.0.0.1:${bridge.port}` })).toBe('open');
    expect(await upgrade('/events', { headers: { Authorization: `Bearer ${t}` } })).toBe('open');
    expect(await upgrade('/events', { headers: { Cookie: `sonotl_token=${t}` } })).toBe('open');
  });

  it('never answers with CORS headers, to preflights or to allowed requests', async () => {
    const auth = { Authorization: `Bearer ${bridge.token}` };
    const own = `http://127.0.0.1:${bridge.port}`;
    const replies = [
      await call('/api/project.info', { method: 'OPTIONS', headers: { ...auth, Origin: own, 'Access-Control-Request-Method': 'POST' } }),
      await call('/api/project.info', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' } }),
      await call('/api/project.info', { method: 'POST', headers: { ...auth, Origin: own }, body: '{}' }),
      await call('/api/project.info', { method: 'POST', headers: { ...auth, Origin: 'http://evil.example' }, body: '{}' }),
      await call(`/?token=${bridge.token}`, { headers: { Origin: own } }),
    ];
    expect(replies[0].status).toBe(405); // the right token and origin still get no preflight answer
    expect(replies[1].status).toBe(403);
    for (const r of replies) {
      for (const h of Object.keys(r.headers)) expect(h, `${r.status} ${h}`).not.toMatch(/^access-control-/);
    }
  });
});
