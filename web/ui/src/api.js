// civplan's HTTP API as the page calls it: JSON in and out, the pasted token, retries on 429,
// a progress bar for slow requests and errors in words.
import { S } from './state.js';
import { $ } from './dom.js';
import { t } from './i18n.js';

// ApiError is a non-2xx answer; the message is the problem+json detail (or a missing endpoint in words).
export class ApiError extends Error {
  constructor(status, method, path, body) {
    let detail = '';
    if (body && typeof body === 'object') detail = body.detail || body.title || JSON.stringify(body);
    else if (typeof body === 'string') detail = body.slice(0, 300);
    super(status === 404 && /no endpoint/.test(detail) ? t('err_missing', method, path.split('?')[0])
      : `${t('err_prefix')} ${status}: ${detail}`);
    this.status = status; this.body = body;
  }
}

// busy counts a request in flight and shows the progress bar after 300 ms; call the returned
// function when the request is done.
export function busy() {
  const b = S.busy;
  b.pending++;
  if (!b.timer) b.timer = setTimeout(() => { $('#progress').hidden = false; }, 300);
  return () => {
    b.pending--;
    if (b.pending === 0) { clearTimeout(b.timer); b.timer = null; $('#progress').hidden = true; }
  };
}

// api fetches path (same origin) with opts.method and opts.body (sent as JSON) and returns the
// decoded answer (null for 204); a failure throws ApiError or an Error naming the network problem.
export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json, application/geo+json, application/problem+json' };
  if (S.token) headers.Authorization = 'Bearer ' + S.token;
  let body;
  if (opts.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.body); }
  const done = busy();
  let r;
  try {
    for (let attempt = 0; ; attempt++) {
      try { r = await fetch(path, { method, headers, body }); } catch (e) { throw new Error(t('err_network', e.message)); }
      if (r.status !== 429 || attempt >= 2) break;
      // Rate limited: wait as told (at most 3 s) and try again.
      await new Promise((ok) => setTimeout(ok, 1000 * Math.min(3, Number(r.headers.get('Retry-After')) || 1)));
    }
    const ct = r.headers.get('content-type') || '';
    const data = r.status === 204 ? null : ct.includes('json') ? await r.json() : await r.text();
    if (!r.ok) throw new ApiError(r.status, method, path, data);
    return data;
  } finally { done(); }
}

// withPane runs fn with the pane's status line showing "loading" after 300 ms and its error box
// showing any failure in words; it returns fn's value, or undefined when fn failed.
export async function withPane(pane, fn) {
  const status = $('.status', pane), err = $('.err', pane);
  err.hidden = true; err.textContent = '';
  const timer = setTimeout(() => { status.textContent = t('loading'); pane.setAttribute('aria-busy', 'true'); }, 300);
  try { return await fn(); } catch (e) {
    err.textContent = e.message; err.hidden = false; console.warn(e); return undefined;
  } finally { clearTimeout(timer); status.textContent = ''; pane.removeAttribute('aria-busy'); }
}

// paneError shows msg in the pane's error box.
export function paneError(pane, msg) { const err = $('.err', pane); err.textContent = msg; err.hidden = false; }

// showAlert shows msg in the page's alert bar; an empty msg hides it.
export function showAlert(msg) { const a = $('#alert'); a.textContent = msg; a.hidden = !msg; }

// q is a query string of o's non-empty values.
export const q = (o) => Object.entries(o).filter(([, v]) => v != null && v !== '').map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');

// covParams is the query of a coverage or gaps request in the page's kind, mode, radius and plan
// (S.plan, a saved plan's id, counts its planned facilities), with extra parameters.
export const covParams = (extra = {}) => q({ kind: S.kind, mode: S.mode, radius_m: S.radius, plan: S.plan, ...extra });
