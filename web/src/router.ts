/**
 * A small history-API router: the app's pages are real paths (/timeline/gate?at=…), so
 * links can be bookmarked, shared between officers and reloaded. The daemon answers
 * index.html for exactly these paths (src/api/routes/web.ts keeps the same list).
 */
import { useEffect, useState } from 'preact/hooks';

export type PageName = 'grid' | 'login' | 'live' | 'timeline' | 'trace' | 'evidence' | 'cameras' | 'users' | 'audit';

export interface Route {
  readonly page: PageName | 'missing';
  readonly id: string;
  readonly query: URLSearchParams;
  readonly path: string;
}

const patterns: readonly [PageName, RegExp][] = [
  ['grid', /^\/$/],
  ['login', /^\/login$/],
  ['live', /^\/live\/([^/]+)$/],
  ['timeline', /^\/timeline\/([^/]+)$/],
  ['trace', /^\/trace$/],
  ['evidence', /^\/evidence$/],
  ['cameras', /^\/admin\/cameras$/],
  ['users', /^\/admin\/users$/],
  ['audit', /^\/admin\/audit$/],
];

const listeners = new Set<() => void>();

export function currentRoute(): Route {
  const { pathname, search } = window.location;
  for (const [page, pattern] of patterns) {
    const m = pattern.exec(pathname);
    if (m) return { page, id: decodeURIComponent(m[1] ?? ''), query: new URLSearchParams(search), path: pathname + search };
  }
  return { page: 'missing', id: '', query: new URLSearchParams(search), path: pathname + search };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    listeners.add(update);
    return () => { listeners.delete(update); };
  }, []);
  return route;
}

/** Click handler for <a href> inside the app: no page load, unless a modifier asks for a new tab. */
export function linkClick(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || anchor.target === '_blank') return;
  event.preventDefault();
  navigate(anchor.getAttribute('href') ?? '/');
}

/** A path with its query, leaving out empty values. */
export function pathWith(path: string, query: Record<string, string | number | null | undefined>): string {
  const entries = Object.entries(query).filter((e): e is [string, string | number] => e[1] !== null && e[1] !== undefined && e[1] !== '');
  const qs = new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString();
  return qs ? `${path}?${qs}` : path;
}
