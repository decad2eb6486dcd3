// Who is signed in. The ID token (and a refresh token) live in sessionStorage: this tab only, gone
// when it closes. config.json says how to sign in (`auth.type`):
// - "oidc": any OpenID Connect issuer, found by discovery from `auth.issuer` (deployed: the
//   registration system's accounts, R1; locally: the stack's stand-in at /oidc). Authorization code
//   + PKCE (S256) with state and nonce; `demoUsers` (local only) become login hints, one per button.
// - "cognito": the stack's own user pool through its Hosted UI (`auth.domain`), the same flow.
// - "local": demo users minted by POST /dev/token, or a token in the URL fragment `#token=…`. Only
//   here: a deployed page never adopts a token from a link.
// The ID token is the API's Bearer; its groups claim is `auth.groupsClaim` (Cognito's by default).

const TOKEN = 'token';
const REFRESH = 'refresh';
const PKCE = 'pkce';
const FLOWS = ['oidc', 'cognito'];

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

let groupsClaim = 'cognito:groups';

/** The groups claim is a list in the token (API Gateway hands it to Lambda as "[a b]"). */
export function groupsOf(claims) {
  const raw = claims?.[groupsClaim] ?? [];
  if (Array.isArray(raw)) return raw;
  return String(raw).replace(/^\[|\]$/g, '').split(/\s+/).filter(Boolean);
}

const expired = (claims, marginS = 0) => Boolean(claims?.exp && (claims.exp - marginS) * 1000 < Date.now());

/** The signed-in user, or null: {token, claims, sub, groups}. `#token=…` counts only for auth.type local. */
export function currentUser(config) {
  groupsClaim = config?.auth?.groupsClaim || groupsClaim;
  const match = location.hash.match(/^#token=([^&]+)/);
  if (match && config?.auth?.type === 'local') {
    sessionStorage.setItem(TOKEN, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem(TOKEN);
  const claims = token && decode(token);
  if (!claims || expired(claims)) {
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
const random = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

let endpointsPromise;
/** The issuer's endpoints: OIDC discovery, or the Hosted UI's fixed paths. */
function endpoints(config) {
  const auth = config.auth;
  if (auth.type === 'cognito') {
    const domain = auth.domain.replace(/\/$/, '');
    return Promise.resolve({ authorization_endpoint: `${domain}/oauth2/authorize`, token_endpoint: `${domain}/oauth2/token` });
  }
  endpointsPromise ??= fetch(`${auth.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
    .then((r) => { if (!r.ok) throw new Error(`discovery ${r.status}`); return r.json(); })
    .then((d) => {
      if (d.issuer !== auth.issuer) throw new Error('discovery names another issuer');
      return d;
    });
  return endpointsPromise;
}

/** Whether this page can sign in through an issuer (code + PKCE). */
export const usesIssuer = (config) => FLOWS.includes(config.auth?.type);

/** Off to the issuer with a fresh PKCE verifier, state and nonce (kept in this tab), remembering where
 * we were: the upload-page link the registration system sent the candidate to survives the sign-in (R1). */
export async function startSignIn(config, loginHint) {
  const { clientId, redirectUri, scopes } = config.auth;
  const { authorization_endpoint: authorize } = await endpoints(config);
  const verifier = random(32);
  const state = random(16);
  const nonce = config.auth.type === 'oidc' ? random(16) : undefined;
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, nonce, back: location.pathname + location.search + location.hash }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
    scope: (scopes || ['openid']).join(' '), state, code_challenge_method: 'S256', code_challenge: challenge,
  });
  if (nonce) query.set('nonce', nonce);
  if (loginHint) query.set('login_hint', loginHint);
  location.assign(`${authorize}?${query}`);
}

async function tokenRequest(config, form) {
  const { token_endpoint: url } = await endpoints(config);
  const response = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
  });
  if (!response.ok) throw new Error(`token ${response.status}`);
  return response.json();
}

/**
 * Back from the issuer with `?code=&state=` (or `?error=`): exchange the code with the verifier.
 * Returns 'none' (nothing to do), 'here' (signed in, stay) or 'away' (signed in, going back elsewhere).
 */
export async function completeSignIn(config) {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const failed = params.get('error');
  if (!usesIssuer(config) || (!code && !failed)) return 'none';
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, '', location.pathname);
  if (failed) throw new Error(failed === 'access_denied' ? 'denied' : `sign-in: ${failed}`);
  if (!saved || saved.state !== params.get('state')) throw new Error('sign-in state mismatch');
  const { clientId, redirectUri } = config.auth;
  const tokens = await tokenRequest(config, {
    grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: saved.verifier,
  });
  if (saved.nonce && decode(tokens.id_token)?.nonce !== saved.nonce) throw new Error('sign-in nonce mismatch');
  keepToken(tokens.id_token);
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH, tokens.refresh_token);
  const back = new URL(saved.back || '/', location.origin);
  if (back.pathname === location.pathname) {
    history.replaceState(null, '', back.pathname + back.search + back.hash);
    return 'here';
  }
  location.replace(back.href);
  return 'away';
}

/** A new ID token from the refresh token when this one has expired or is about to (a minute left). */
export async function refreshSession(config) {
  const refresh = sessionStorage.getItem(REFRESH);
  const token = sessionStorage.getItem(TOKEN);
  if (!usesIssuer(config) || !refresh || (token && !expired(decode(token), 60))) return false;
  try {
    const tokens = await tokenRequest(config, { grant_type: 'refresh_token', client_id: config.auth.clientId, refresh_token: refresh });
    keepToken(tokens.id_token);
    if (tokens.refresh_token) sessionStorage.setItem(REFRESH, tokens.refresh_token);
    return true;
  } catch {
    sessionStorage.removeItem(REFRESH);  // revoked or expired: sign in again
    return false;
  }
}

export async function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(REFRESH);
  const config = await loadConfig();
  const { type, domain, clientId, redirectUri } = config.auth || {};
  if (type === 'cognito') {
    const query = new URLSearchParams({ client_id: clientId, logout_uri: redirectUri });
    location.assign(`${domain.replace(/\/$/, '')}/logout?${query}`);
    return;
  }
  const end = type === 'oidc' ? (await endpoints(config).catch(() => ({}))).end_session_endpoint : null;
  if (end) {
    location.assign(`${end}?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: redirectUri })}`);
  } else {
    location.assign('/');
  }
}
