// The one way the dashboard talks to the gateway: adds the X-Api-Key header from sessionStorage and turns
// RFC 9457 problem details into ApiError with a readable message. The key lives only in sessionStorage (per tab,
// gone when the tab closes), never in localStorage, cookies or URLs.

const KEY_STORAGE = 'reb.apiKey';

export function getKey() { return sessionStorage.getItem(KEY_STORAGE); }
export function setKey(key) { sessionStorage.setItem(KEY_STORAGE, key); }
export function clearKey() { sessionStorage.removeItem(KEY_STORAGE); }

/** An HTTP error with the server's problem details (title, detail, status). */
export class ApiError extends Error {
  constructor(status, title, detail, retryAfter) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/** Listeners told when the server says the key is not (or no longer) valid, so the app can go back to sign-in. */
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) { unauthorizedListeners.add(listener); }

async function problemFrom(response) {
  let title = `${response.status} ${response.statusText || 'error'}`;
  let detail = '';
  try {
    const type = response.headers.get('Content-Type') ?? '';
    if (type.includes('json')) {
      const body = await response.json();
      title = body.title ?? title;
      detail = body.detail ?? '';
    } else {
      detail = (await response.text()).slice(0, 300);
    }
  } catch { /* an unreadable error body still gets the status line */ }
  if (response.status === 429) {
    const after = response.headers.get('Retry-After');
    if (after) detail = `${detail} (retry after ${after} s)`.trim();
  }
  return new ApiError(response.status, title, detail, response.headers.get('Retry-After'));
}

/** fetch() with the key header; throws ApiError on a non-2xx answer. `key` overrides the stored key (sign-in check). */
export async function apiFetch(path, { method = 'GET', headers = {}, body, signal, key } = {}) {
  const useKey = key ?? getKey();
  const allHeaders = { ...headers };
  if (useKey) allHeaders['X-Api-Key'] = useKey;
  let response;
  try {
    response = await fetch(path, { method, headers: allHeaders, body, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Gateway unreachable', e.message);
  }
  if (!response.ok) {
    const error = await problemFrom(response);
    if (response.status === 401 && key === undefined) unauthorizedListeners.forEach(l => l(error));
    throw error;
  }
  return response;
}

/** GET/POST/PUT/DELETE returning parsed JSON (or null for an empty body). `json` is sent as the JSON body. */
export async function api(path, { method = 'GET', json, body, headers = {}, signal, key } = {}) {
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers = { ...headers, 'Content-Type': 'application/json' };
  }
  const response = await apiFetch(path, { method, headers: { Accept: 'application/json', ...headers }, body, signal, key });
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * An object URL for an image the API guards with the key (an <img src> cannot send headers). Callers revoke it
 * (URL.revokeObjectURL) when the image goes away; the overview caches them per inspection id.
 */
export async function imageUrl(path, signal) {
  const response = await apiFetch(path, { headers: { Accept: 'image/png,image/*' }, signal });
  return URL.createObjectURL(await response.blob());
}

/** Readable text for any error the pages show. */
export function errorText(error) {
  if (error instanceof ApiError) return error.message;
  return error?.message ?? String(error);
}
