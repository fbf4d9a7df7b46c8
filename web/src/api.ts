/**
 * The daemon's HTTP API as the pages use it: JSON in and out, the session cookie sent by
 * the browser, errors as ApiError carrying the API's {code, message}. A 401 anywhere but
 * the login itself means the session is gone: the app shows the login page.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let unauthorized: () => void = () => {};

export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

export const apiBase = '/api/v1';

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // No content-type without a body: the API refuses an empty JSON body.
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${apiBase}${path}`, {
    method: init.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (res.status === 401 && path !== '/auth/login') unauthorized();
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    throw new ApiError(res.status, body?.code ?? `HTTP_${res.status}`, body?.message ?? res.statusText);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A URL of the API for links the browser follows itself (downloads, images). */
export function apiUrl(path: string, query: Record<string, string | number> = {}): string {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return `${apiBase}${path}${qs ? `?${qs}` : ''}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
