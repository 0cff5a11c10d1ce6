import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'sonotl_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The token may come as `Authorization: Bearer`, as the cookie set when the page was first opened with
 * `?token=` (so the page's own scripts, styles and images load), or as `?token=` itself.
 */
export function presentedToken(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${COOKIE}=`));
  if (cookie) return decodeURIComponent(cookie.slice(COOKIE.length + 1));
  return url.searchParams.get('token');
}

export function hasValidToken(req: IncomingMessage, url: URL, token: string): boolean {
  const given = presentedToken(req, url);
  return given !== null && sameSecret(given, token);
}

/**
 * A page on another site can make the browser send requests to 127.0.0.1, and a DNS-rebinding site can
 * even appear same-origin under its own host name. So the Host must be this server's loopback address, and
 * an Origin, when the browser sends one, must be exactly this server.
 */
export function isSameOrigin(req: IncomingMessage, port: number): boolean {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!req.headers.host || !allowedHosts.includes(req.headers.host)) return false;
  const origin = req.headers.origin;
  return origin === undefined || allowedHosts.map((h) => `http://${h}`).includes(origin);
}
