const KEY = 'sonotl.token';

/**
 * The bridge hands out its per-launch token once, in the URL it prints. It is moved to sessionStorage
 * (which survives reloads of this tab but not other tabs or restarts) and removed from the address bar,
 * so it does not linger in history or get copied along with a screenshot of the URL.
 */
export function takeToken(loc: Location = window.location, storage: Storage = window.sessionStorage, history: History = window.history): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(KEY);
}
