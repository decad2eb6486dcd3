// What every page shares: the top bar (title, who, language, sign out), the message line, the
// sign-in view, and sending each role to its own page.

import { ApiError, createApi } from './api.js';
import {
  completeSignIn, currentUser, homeOf, loadConfig, refreshSession, signInLocal, signOut, startSignIn, usesIssuer,
} from './auth.js';
import { h, replace } from './dom.js';
import { getLang, onLangChange, setLang, t } from './i18n.js';

let toastTimer;
export function toast(text, kind = 'error') {
  const box = document.getElementById('toast');
  clearTimeout(toastTimer);
  if (text && kind === 'info') toastTimer = setTimeout(() => replace(box), 4000);
  replace(box, text ? h('p', { class: `toast ${kind}` }, text,
    h('button', { type: 'button', class: 'link', 'aria-label': '×', onclick: () => replace(box) }, '×')) : null);
}

/** Said to a screen reader without moving focus (the page's polite live region, `#live`). */
export function announce(text) {
  let live = document.getElementById('live');
  if (!live) {
    live = h('div', { id: 'live', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    document.body.append(live);
  }
  live.textContent = '';
  // a new text node after a tick: the same words twice in a row are read twice
  setTimeout(() => { live.textContent = text; }, 50);
}

export function showError(error) {
  toast(error instanceof ApiError ? error.text() : (error?.message || t('networkError')));
}

function bar(user) {
  const header = document.getElementById('bar');
  const render = () => replace(header,
    h('a', { class: 'brand', href: user ? homeOf(user) : '/' }, t('title')),
    h('span', { class: 'spacer' }),
    user ? h('span', { class: 'who', title: user.groups.join(', ') }, user.sub) : null,
    h('button', { type: 'button', class: 'ghost', id: 'lang', onclick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') }, t('langToggle')),
    user ? h('button', { type: 'button', class: 'ghost', onclick: () => signOut() }, t('signOut')) : null);
  render();
  onLangChange(render);
}

async function signInView(main, config) {
  const users = config.auth?.demoUsers || [];
  const oidc = config.auth?.type === 'oidc';
  // Deployed (no demo users): the registration system's upload-page link goes straight on to the
  // consent step (R1), anything else shows the one button.
  if (usesIssuer(config) && !users.length && /^#\/app\//.test(location.hash)) {
    await startSignIn(config);
    return;
  }
  const render = () => {
    if (usesIssuer(config) && !users.length) {
      replace(main, h('section', { class: 'card signin' }, h('h1', {}, t('signIn')), h('p', {}, t('signInCognitoHint')),
        h('button', { type: 'button', class: 'primary', onclick: () => startSignIn(config).catch(showError) },
          t(oidc ? 'signInOidc' : 'signInCognito'))));
      return;
    }
    // Demo users: locally through the stack's issuer (each button is a login hint), or /dev/token.
    const go = async (u) => {
      try {
        if (usesIssuer(config)) {
          await startSignIn(config, u.sub);
          return;
        }
        await signInLocal(config, u);
        location.assign(homeOf(currentUser(config)));
      } catch (e) { showError(e); }
    };
    replace(main, h('section', { class: 'card signin' }, h('h1', {}, t('signIn')),
      h('p', {}, t(oidc ? 'signInOidcHint' : 'signInHint')),
      h('ul', { class: 'demo-users' }, users.map((u) => h('li', {},
        h('button', { type: 'button', class: 'demo-user', 'data-sub': u.sub, onclick: () => go(u) },
          h('strong', {}, u.sub), h('span', {}, u.note)))))));
  };
  render();
  onLangChange(render);
}

/**
 * Start a page: config, sign-in (the Cognito return leg included), the role check.
 * Returns {config, user, api} for a signed-in user allowed here, or null when it showed something else.
 */
export async function boot(allowed) {
  document.title = t('title');
  const config = await loadConfig();
  const main = document.getElementById('main');
  try {
    if (await completeSignIn(config) === 'away') return null;
  } catch (e) { toast(e.message === 'denied' ? t('signInDenied') : e.message); }
  await refreshSession(config);
  const user = currentUser(config);
  bar(user);
  if (!user) {
    if (location.pathname !== '/' && location.pathname !== '/index.html') {
      location.replace('/');
      return null;
    }
    await signInView(main, config);
    return null;
  }
  if (!user.groups.some((g) => allowed.includes(g))) {
    const home = homeOf(user);
    if (home === location.pathname || (home === '/' && location.pathname === '/index.html')) {
      replace(main, h('section', { class: 'card' }, h('p', {}, t('noPageForRole'))));  // e.g. the registrar
    } else {
      location.replace(home);
    }
    return null;
  }
  const api = createApi(config, user, () => {
    sessionStorage.removeItem('token');
    toast(t('sessionExpired'));
  });
  return { config, user, api };
}
