// Who is signed in. The ID token lives in sessionStorage (this tab only, gone when it closes).
// Locally: a picker of demo users (POST /dev/token), or a token in the URL fragment `#token=…`.
// Deployed: Cognito's Hosted UI, authorization code + PKCE; the ID token is the API's Bearer
// (the HTTP API's JWT authorizer reads `cognito:groups`, `custom:site`, `custom:region` from it).

const TOKEN = 'token';
const PKCE = 'pkce';

let configPromise;
export function loadConfig() {
  configPromise ??= fetch('/config.json', { cache: 'no-cache' })
    .then((r) => (r.ok ? r.json() : { apiUrl: '', auth: { type: 'local' } }))
    .catch(() => ({ apiUrl: '', auth: { type: 'local' } }));
  return configPromise;
}

function decode(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/** `cognito:groups` is a list in the token (API Gateway hands it to Lambda as "[a b]"). */
export function groupsOf(claims) {
  const raw = claims?.['cognito:groups'] ?? [];
  if (Array.isArray(raw)) return raw;
  return String(raw).replace(/^\[|\]$/g, '').split(/\s+/).filter(Boolean);
}

/** The signed-in user, or null: {token, claims, sub, groups}. Takes `#token=…` from the URL first. */
export function currentUser() {
  const match = location.hash.match(/^#token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(TOKEN, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem(TOKEN);
  const claims = token && decode(token);
  if (!claims || (claims.exp && claims.exp * 1000 < Date.now())) {
    if (token) sessionStorage.removeItem(TOKEN);
    return null;
  }
  return { token, claims, sub: claims.sub, groups: groupsOf(claims) };
}

export function keepToken(token) { sessionStorage.setItem(TOKEN, token); }

/** Where each role works. */
export function homeOf(user) {
  if (!user) return '/';
  if (user.groups.includes('exam_office')) return '/office.html';
  if (user.groups.some((g) => g === 'site_reviewer' || g === 'region_reviewer')) return '/review.html';
  return '/';
}

export async function signInLocal(config, user) {
  const response = await fetch(`${config.apiUrl}/dev/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sub: user.sub, groups: user.groups, site: user.site, region: user.region }),
  });
  if (!response.ok) throw new Error(`dev/token ${response.status}`);
  keepToken((await response.json()).token);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Off to the Hosted UI with a fresh PKCE verifier and state (kept in this tab). */
export async function startCognito(config) {
  const { domain, clientId, redirectUri, scopes } = config.auth;
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, back: location.pathname + location.hash }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
    scope: (scopes || ['openid']).join(' '), state, code_challenge_method: 'S256', code_challenge: challenge,
  });
  location.assign(`${domain.replace(/\/$/, '')}/oauth2/authorize?${query}`);
}

/** Back from the Hosted UI with `?code=&state=`: exchange the code (with the verifier) for tokens. */
export async function completeCognito(config) {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code || config.auth?.type !== 'cognito') return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, '', location.pathname);
  if (!saved || saved.state !== params.get('state')) throw new Error('sign-in state mismatch');
  const { domain, clientId, redirectUri } = config.auth;
  const response = await fetch(`${domain.replace(/\/$/, '')}/oauth2/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token exchange ${response.status}`);
  keepToken((await response.json()).id_token);
  if (saved.back && saved.back !== location.pathname) location.replace(saved.back);
  return true;
}

export async function signOut() {
  sessionStorage.removeItem(TOKEN);
  const config = await loadConfig();
  if (config.auth?.type === 'cognito') {
    const { domain, clientId, redirectUri } = config.auth;
    const query = new URLSearchParams({ client_id: clientId, logout_uri: redirectUri });
    location.assign(`${domain.replace(/\/$/, '')}/logout?${query}`);
  } else {
    location.assign('/');
  }
}
