import { defineStore } from 'pinia';
import { ref } from 'vue';

export type Route = { view: 'projects' } | { view: 'images' } | { view: 'annotate'; imageId: number };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'images') return { view: 'images' };
  if (parts[0] === 'annotate') {
    const id = Number(parts[1]);
    if (Number.isInteger(id) && id > 0) return { view: 'annotate', imageId: id };
  }
  return { view: 'projects' };
}

export function routeHash(r: Route): string {
  return r.view === 'annotate' ? `#/annotate/${r.imageId}` : `#/${r.view}`;
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
