import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { importInputs } from '../core/import/run-import.js';
import { listImages, openProject } from '../core/project/index.js';
import { packageRoot } from '../core/util/package-root.js';
import { startBridge, type Bridge } from './server.js';

const work = mkdtempSync(join(tmpdir(), 'sonotl-bridge-'));
const hc18 = join(packageRoot(), '..', 'shared', 'data', 'hc18-dev', 'images');
let bridge: Bridge;
let relPath: string;
let imageId: number;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control Host and Origin exactly as a hostile page could. */
function call(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: bridge.port, path, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${bridge.port}`, ...opts.headers } },
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

const auth = (): Record<string, string> => ({ Authorization: `Bearer ${bridge.token}` });
const api = (method: string, input: unknown, headers: Record<string, string> = auth()) =>
  call(`/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(input) });

beforeAll(async () => {
  const renderer = join(work, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>SonoTL</title>');
  const src = join(work, 'src');
  mkdirSync(src);
  copyFileSync(join(hc18, '000_HC.png'), join(src, '000_HC.png'));
  const project = openProject(join(work, 'p'), { create: true });
  await importInputs(project, [src]);
  const first = listImages(project, { offset: 0, limit: 1 }).items[0];
  relPath = first.relPath;
  imageId = first.id;
  project.close();
  bridge = await startBridge({ projectDir: join(work, 'p'), rendererDir: renderer, configDir: join(work, 'config') });
});
afterAll(async () => {
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the browser bridge', () => {
  it('listens on 127.0.0.1 only, at a random port, and prints a URL with the token', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
    expect(bridge.port).toBeGreaterThan(0);
    expect(bridge.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers API calls with a valid token, and validates their input', async () => {
    const ok = await api('project.info', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { images: 1 } });
    const bad = await api('annotations.create', { imageId: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    const garbage = await call('/api/project.info', { method: 'POST', headers: auth(), body: '{nope' });
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body).error.message).toMatch(/not valid JSON/);
    expect((await api('no.such', {})).status).toBe(404);
    expect((await call('/api/project.info', { headers: auth() })).status).toBe(405);
  });

  it('refuses every kind of request without the token with 401', async () => {
    expect((await api('project.info', {}, {})).status).toBe(401);
    expect((await api('project.info', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call('/')).status).toBe(401);
    expect((await call(`/files/${relPath}`)).status).toBe(401);
    expect((await call(`/thumbs/${imageId}`)).status).toBe(401);
  });

  it('refuses cross-origin requests and foreign Host names (DNS rebinding) with 403, and never opens CORS', async () => {
    const foreign = await api('project.info', {}, { ...auth(), Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const rebinding = await call('/api/project.info', { method: 'POST', headers: { ...auth(), Host: `evil.example:${bridge.port}` }, body: '{}' });
    expect(rebinding.status).toBe(403);
    const preflight = await call('/api/project.info', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(403);
    for (const r of [foreign, rebinding, preflight, await api('project.info', {})]) expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect((await api('project.info', {}, { ...auth(), Origin: `http://127.0.0.1:${bridge.port}` })).status).toBe(200);
  });

  it('serves the page with a strict CSP and turns the URL token into a same-site, http-only cookie', async () => {
    const page = await call(`/?token=${bridge.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'/);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await call('/', { headers: { Cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);
  });

  it('serves stored images and thumbnails of the open project, and nothing outside it', async () => {
    const file = await call(`/files/${relPath}`, { headers: auth() });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    const thumb = await call(`/thumbs/${imageId}?size=96`, { headers: auth() });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    for (const path of ['/files/../project.sqlite', '/files/images%2F..%2F..%2Fproject.sqlite', '/files/%2Fetc%2Fpasswd', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await call(path, { headers: auth() });
      expect(r.status, path).toBe(404);
    }
    expect((await call(`/thumbs/${imageId}?size=100000`, { headers: auth() })).status).toBe(400);
  });

  it('pushes progress events over a WebSocket that also needs the token and the origin', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${bridge.port}/events`);
    await new Promise<void>((resolve) => refused.on('error', () => resolve()));
    const foreign = new WebSocket(`ws://127.0.0.1:${bridge.port}/events?token=${bridge.token}`, { origin: 'http://evil.example' });
    await new Promise<void>((resolve) => foreign.on('error', () => resolve()));

    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/events?token=${bridge.token}`);
    await new Promise((resolve) => ws.on('open', resolve));
    const events: Array<{ phase: string; done: number; total: number }> = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m))));
    const src = join(work, 'more');
    mkdirSync(src);
    for (const n of ['001_HC.png', '002_HC.png']) copyFileSync(join(hc18, n), join(src, n));
    const r = await api('import.run', { paths: [src] });
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { imagesAdded: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    ws.close();
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ phase: 'import', done: 2, total: 2 });
  });
});
