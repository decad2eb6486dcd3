// The API client: the Bearer token and the contract's error body ({error: {code, message, messageZh}}).

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

export function createApi(config, user, onUnauthorized) {
  async function request(method, path, { body, headers = {} } = {}) {
    const init = { method, headers: { ...headers }, cache: 'no-store' };
    if (user) init.headers.Authorization = `Bearer ${user.token}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`${config.apiUrl}${path}`, init);
    const text = response.status === 204 || response.status === 304 ? '' : await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.status === 401) {
      onUnauthorized?.();
      throw new ApiError(401, data);
    }
    if (!response.ok && response.status !== 304) throw new ApiError(response.status, data);
    return { status: response.status, data, etag: response.headers.get('ETag') };
  }
  return {
    request,
    get: (path, opts) => request('GET', path, opts).then((r) => r.data),
    post: (path, body) => request('POST', path, { body }).then((r) => r.data),
    put: (path, body) => request('PUT', path, { body }).then((r) => r.data),
    del: (path) => request('DELETE', path).then((r) => r.data),
  };
}
