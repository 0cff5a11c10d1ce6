// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setPlatform } from '../platform';
import { createBridgePlatform } from '../platform/bridge';
import { takeToken } from '../platform/token';
import { createFakeBackend } from '../testing/fake-platform';
import { api, ApiError } from './client';

afterEach(() => setPlatform(null));

describe('the typed API client', () => {
  it('returns the value of an ok result', async () => {
    setPlatform(createFakeBackend(2));
    const page = await api.call('images.list', { offset: 0, limit: 10 });
    expect(page.total).toBe(2);
    expect(page.items.map((i) => i.id)).toEqual([1, 2]);
  });

  it('throws an ApiError carrying the code, message and subject of {ok:false}', async () => {
    const fake = createFakeBackend(1);
    fake.failing.set('session.open', { code: 'PROJECT_LOCKED', message: 'project /x is open in another window or process' });
    setPlatform(fake);
    const err = await api.call('session.open', { dir: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'PROJECT_LOCKED', message: 'project /x is open in another window or process' });
  });
});

describe('the bridge platform', () => {
  it('posts JSON with the bearer token and passes the DispatchResult through, whatever the status', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ ok: false, error: { code: 'BAD_INPUT', message: 'images.list: limit: too big' } }), { status: 400 }));
    const p = createBridgePlatform('http://127.0.0.1:9', 'secret', fetchMock as unknown as typeof fetch);
    const r = await p.call('images.list', { offset: 0, limit: 5000 });
    expect(r).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: 'images.list: limit: too big' } });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/images.list');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer secret');
    expect(JSON.parse(init.body as string)).toEqual({ offset: 0, limit: 5000 });
  });

  it('turns a refused token, a non-contract answer and an unreachable server into errors that say what to do', async () => {
    const answers = [new Response('a valid token is required', { status: 401 }), new Response('<html>proxy error</html>', { status: 502 })];
    const p = createBridgePlatform('http://127.0.0.1:9', 'secret', (async () => answers.shift()!) as unknown as typeof fetch);
    expect(await p.call('session.current', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await p.call('session.current', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('HTTP 502') } });
    const down = createBridgePlatform('http://127.0.0.1:9', 'secret', (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch);
    expect(await down.call('session.current', {})).toMatchObject({ ok: false, error: { code: 'OFFLINE', message: expect.stringContaining('still running') } });
  });

  it('builds file and thumbnail URLs with the token', () => {
    const p = createBridgePlatform('http://127.0.0.1:9', 'a b', fetch);
    expect(p.fileUrl('images/ab/abc.png')).toBe('http://127.0.0.1:9/files/images/ab/abc.png?token=a%20b');
    expect(p.thumbUrl(12, 160)).toBe('http://127.0.0.1:9/thumbs/12?size=160&token=a%20b');
  });

  it('takes the token from the URL once, keeps it for reloads and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?token=tok123#/images');
    sessionStorage.clear();
    expect(takeToken()).toBe('tok123');
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#/images');
    expect(takeToken()).toBe('tok123');
  });
});
