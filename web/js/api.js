// The API client: the Bearer token, the contract's error body ({error: {code, message, messageZh}}), and
// waiting out what is meant to be retried (README "Deadline day"): a 429 from API Gateway's throttle, a
// 5xx, a dropped connection. Each wait honours Retry-After, else backs off exponentially with jitter, and
// is announced (`waitNotice`) so the page can say "排队中，请勿关闭页面" instead of failing.

import { msg } from './i18n.js';

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error || {};
    super(error.message || body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 401 ? 'UNAUTHORIZED' : `HTTP_${status}`);
    this.body = body;
  }

  /** The message in the page's language. */
  text() { return msg(this.body?.error, 'message') || this.message; }
}

export const RETRY = {
  baseMs: 500,  // the first wait is 250-500 ms, then doubling
  capMs: 30_000,  // no single wait longer than this (a Retry-After may ask for up to maxRetryAfterMs)
  maxRetryAfterMs: 120_000,
  // "Slow down" (429, 503) is waited out for this long: the queue moves, the page stays open. No answer
  // at all (status 0) too: API Gateway's own 429 carries no CORS headers (they are added to the
  // function's answers only), so to the page a throttled request looks exactly like a dropped one.
  slowDownBudgetMs: 10 * 60_000,
  otherTries: 4,  // other 5xx: a few tries, then the error is shown
};

/** 429 and 503 say "later"; other 5xx and a lost connection (status 0) may be passing. */
export function retryable(status) { return status === 0 || status === 429 || status >= 500; }

/** Retry-After in ms (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(value, now = Date.now()) {
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), RETRY.maxRetryAfterMs) : null;
}

/** The wait before retry number `attempt` (0 first): at least Retry-After; else half to all of
 * base x 2^attempt (jitter spreads candidates throttled in the same second apart). */
export function backoffMs(attempt, retryAfter = null, random = Math.random) {
  const ceiling = Math.min(RETRY.capMs, RETRY.baseMs * 2 ** attempt);
  const jittered = ceiling / 2 + random() * ceiling / 2;
  return retryAfter === null ? jittered : Math.max(retryAfter, jittered);
}

/** Whether another try is due after `attempt` failed tries that began at `startedAt`. */
export function shouldRetry(status, attempt, startedAt, now = Date.now()) {
  if (!retryable(status)) return false;
  if (status === 0 || status === 429 || status === 503) return now - startedAt < RETRY.slowDownBudgetMs;
  return attempt + 1 < RETRY.otherTries;
}

// How many requests are waiting to be retried right now; the page shows its note while any is.
let waiting = 0;
export const waitNotice = new EventTarget();

/** Sleep `ms`, counted as a wait (the page's note shows while any request waits). */
export async function waitToRetry(ms) {
  waiting += 1;
  waitNotice.dispatchEvent(new CustomEvent('change', { detail: { waiting, ms } }));
  try {
    await new Promise((resolve) => { setTimeout(resolve, ms); });
  } finally {
    waiting -= 1;
    waitNotice.dispatchEvent(new CustomEvent('change', { detail: { waiting, ms: 0 } }));
  }
}

export function createApi(config, user, onUnauthorized) {
  async function send(method, path, body, headers) {
    const init = { method, headers: { ...headers }, cache: 'no-store' };
    if (user) init.headers.Authorization = `Bearer ${user.token}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      return { response: await fetch(`${config.apiUrl}${path}`, init) };
    } catch (error) {
      return { error };  // no answer: a dropped connection (or a refusal the browser would not let us read)
    }
  }

  /** `retry: false` for a caller that paces itself (the page's poll): the first answer is final. */
  async function request(method, path, { body, headers = {}, retry = true } = {}) {
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      const { response, error } = await send(method, path, body, headers);
      const status = response ? response.status : 0;
      if (retry && shouldRetry(status, attempt, startedAt)) {
        await waitToRetry(backoffMs(attempt, retryAfterMs(response?.headers.get('Retry-After'))));
        continue;
      }
      if (!response) throw error;
      const text = status === 204 || status === 304 ? '' : await response.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch { data = null; }
      if (status === 401) {
        onUnauthorized?.();
        throw new ApiError(401, data);
      }
      if (!response.ok && status !== 304) {
        const refused = new ApiError(status, data);
        refused.retryAfter = retryAfterMs(response.headers.get('Retry-After'));
        throw refused;
      }
      return { status, data, etag: response.headers.get('ETag') };
    }
  }
  return {
    request,
    get: (path, opts) => request('GET', path, opts).then((r) => r.data),
    post: (path, body) => request('POST', path, { body }).then((r) => r.data),
    put: (path, body) => request('PUT', path, { body }).then((r) => r.data),
    del: (path) => request('DELETE', path).then((r) => r.data),
  };
}
