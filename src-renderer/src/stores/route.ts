import { defineStore } from 'pinia';
import { ref } from 'vue';

export type Route =
  | { view: 'projects' }
  | { view: 'images' }
  | { view: 'annotate'; imageId: number }
  | { view: 'runs' }
  | { view: 'review'; runId?: string }
  | { view: 'compare' }
  | { view: 'analysis' };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'images') return { view: 'images' };
  if (parts[0] === 'runs') return { view: 'runs' };
  if (parts[0] === 'compare') return { view: 'compare' };
  if (parts[0] === 'analysis') return { view: 'analysis' };
  if (parts[0] === 'review') {
    let runId: string | undefined;
    try {
      runId = parts[1] ? decodeURIComponent(parts[1]) : undefined;
    } catch {
      // A mangled address opens Review on its default run instead of failing to start.
    }
    return runId ? { view: 'review', runId } : { view: 'review' };
  }
  if (parts[0] === 'annotate') {
    const id = Number(parts[1]);
    if (Number.isInteger(id) && id > 0) return { view: 'annotate', imageId: id };
  }
  return { view: 'projects' };
}

export function routeHash(r: Route): string {
  if (r.view === 'annotate') return `#/annotate/${r.imageId}`;
  if (r.view === 'review' && r.runId) return `#/review/${encodeURIComponent(r.runId)}`;
  return `#/${r.view}`;
}

/**
 * Which view is showing, mirrored in the address hash so a reload (or the Electron window restoring)
 * returns to the same image.
 */
export const useRouteStore = defineStore('route', () => {
  const route = ref<Route>(parseHash(window.location.hash));

  function go(next: Route, replace = false): void {
    route.value = next;
    const hash = routeHash(next);
    if (window.location.hash !== hash) {
      if (replace) window.history.replaceState(window.history.state, '', hash);
      else window.history.pushState(null, '', hash);
    }
  }

  function follow(): void {
    route.value = parseHash(window.location.hash);
  }

  window.addEventListener('popstate', follow);
  window.addEventListener('hashchange', follow);

  return { route, go };
});
