// The candidate's pages (R1-R12, R16-R19): my applications, and the upload page of one of them.

import { ApiError, backoffMs, retryable, waitNotice } from './api.js';
import { candidateFindings, checkTags, checksPending } from './checks.js';
import { confirmDialog } from './confirm.js';
import { fmtBytes, fmtTime, h, replace, thumbnailUrl } from './dom.js';
import { extend, getLang, msg, onLangChange, pick, t, warningName } from './i18n.js';
import { windowBanner } from './season.js';
import { announce, boot, showError, toast } from './shell.js';
import { sendImage } from './upload.js';
import { pictureLink } from './viewer.js';

// The status poll (README "Deadline day": its rates are lines of the capacity model, tools/capacity.py POLL).
// While an image is processing or its pre-checks pend, every 2 s: the thumbnail and the findings appear
// by themselves. Otherwise the changes that can come are a reviewer's, hours or days later and told by
// SMS: an idle look polls twice (15 s, then 30 s later) and then waits for the tab to be shown again
// (a look again: a poll at once, one more 30 s later) or the candidate to act. Throttled, it backs off.
const BUSY_POLL_MS = 2000;
const IDLE_POLL_MS = 15_000;
const IDLE_POLLS = 2;  // per visible stretch of an idle page
const IDLE_POLL_MAX_MS = 60_000;  // the longest a throttled poll waits
const NOTE_LINGER_MS = 1500;  // the queue note stays this long after the last wait, so it does not flicker

extend({
  zh: {
    notifySettings: '短信通知设置', qualityHints: '照片质量提示',
    qualityNeverBlocks: '提示不影响提交,审核人员也能看到;是否重拍由您决定。需要重拍时,先删除该照片再上传新照片。',
    requestedBy: '审核要求:', requestMet: '已补充', resubmitHint: '按以上意见替换图片、补充材料后,报名将自动重新提交审核。',
    queued: '排队中，请勿关闭页面', queuedHint: '当前访问人数较多,系统会自动继续上传,无需重复操作。',
    fileHint: 'JPG/PNG,手机照片会自动压缩到 200KB 以内', deleteTitle: '删除{what}?',
    deleteBody: '删除后这张照片不再保留;如仍需要,请重新上传。', deleted: '已删除{what}', notFound: '未找到该报名',
    notFoundHint: '该报名不存在,或不属于当前登录的账号。请从“我的报名”进入。', toMyApplications: '返回我的报名',
  },
  en: {
    notifySettings: 'Text message settings', qualityHints: 'Photo quality hints',
    qualityNeverBlocks: 'A hint never stops the application, and reviewers see it too: you decide whether to take the photo again. To replace a photo, delete it, then upload the new one.',
    requestedBy: 'The reviewer asks: ', requestMet: 'added', resubmitHint: 'Once the images are replaced and the materials added as asked above, the application goes back to review by itself.',
    queued: 'In the queue: please keep this page open', queuedHint: 'Many candidates are uploading right now. The upload goes on by itself; there is nothing to do again.',
    fileHint: 'JPG or PNG; a phone photo is compressed to under 200 KB by itself', deleteTitle: 'Delete {what}?',
    deleteBody: 'The photo is not kept once deleted; upload it again if you still need it.', deleted: 'Deleted {what}',
    notFound: 'Application not found', notFoundHint: 'It does not exist, or it belongs to another account. Open it from My applications.',
    toMyApplications: 'My applications',
  },
});

let ctx;  // {config, user, api}
const main = () => document.getElementById('main');
const state = {
  page: null, etag: null, uploads: new Map(), sizes: new Map(), timer: null, seq: 0, idleMs: IDLE_POLL_MS, idlePolls: 0, pollFailures: 0,
  errors: new Map(),  // material type -> why the file just chosen for it was not taken
  focus: null,  // {key, type}: what had the keyboard focus in the page, to give it back after a re-render
};

/** Where the application stands, in words (R17, R19): the API's `progress`. */
export function progressText(app) {
  return pick(app.progress, 'label') || pick(app, 'statusLabel');
}

export function statusChip(app) {
  return h('span', { role: 'status', class: `status s-${app.status}` }, pick(app, 'statusLabel') || app.status);
}

function place(app, field) {
  const name = pick(app, `${field}Name`);
  return name ? `${name} (${app[field]})` : app[field];
}

// ------------------------------------------------------------------ my applications (R2)
async function listView() {
  stopPolling();
  replace(main(), h('p', { class: 'muted' }, t('loading')));
  const { items } = await ctx.api.get('/applications');
  replace(main(), h('h1', {}, t('myApplications')),
    items.length ? null : h('p', { class: 'muted' }, t('noApplications')),
    items.map((app) => h('article', { class: 'card app-card', 'data-app': app.id },
      h('div', { class: 'card-head' },
        h('h2', {}, `${app.examYear} ${app.category}`), statusChip(app)),
      h('p', { class: 'progress-words' }, progressText(app)),
      h('dl', { class: 'meta' },
        h('dt', {}, t('application')), h('dd', {}, app.id),
        h('dt', {}, t('region')), h('dd', {}, place(app, 'region')),
        h('dt', {}, t('site')), h('dd', {}, place(app, 'site'))),
      h('a', { class: 'button primary', href: `#/app/${encodeURIComponent(app.id)}` }, t('uploadMaterials')))),
    settingsCard());
}

/** The number, consent and reminders (R22): notify.js is loaded only when the card is opened. */
function settingsCard() {
  const body = h('div', { class: 'settings-body' }, h('p', { class: 'muted' }, t('loading')));
  return h('details', {
    class: 'card settings', id: 'notify-settings', ontoggle: async (e) => {
      if (!e.target.open || e.target.dataset.loaded) return;
      e.target.dataset.loaded = '1';
      try {
        const { candidateSettings } = await import('./notify.js');
        await candidateSettings(ctx.api, body);
      } catch (err) { showError(err); }
    },
  }, h('summary', {}, t('notifySettings')), body);
}

// ------------------------------------------------------------------ the upload page
function appPath() { return `/applications/${encodeURIComponent(state.page.application.id)}`; }

/** The page, with the ETag of the same read: the poll's next If-None-Match (one request an open). */
async function load(id, etag = null) {
  const r = await ctx.api.request('GET', `/applications/${encodeURIComponent(id)}`);
  state.page = r.data;
  state.etag = r.etag || etag;
  for (const [key, u] of state.uploads) {  // a local upload ends once the API has processed it
    const image = findImage(u.imageId);
    if (u.imageId && u.stage === 'processing' && (!image || image.status !== 'PENDING')) {
      state.uploads.delete(key);
      if (image) announce(imageWords(image));
    }
  }
}

/** "身份证明 第 2 张:已提交 ⚠ 模糊": an image as a screen reader says it when it is processed. */
function imageWords(image) {
  const material = state.page.materials.find((m) => m.images.includes(image));
  const n = material.images.indexOf(image) + 1;
  const warnings = (image.quality?.warnings || []).map((w) => `⚠ ${warningName(w.code)}`).join(' ');
  return `${pick(material, 'name')} ${t('imageN', { n })}:${statusWords(image)} ${warnings}`.trim();
}

function statusWords(image) {
  // The API's statusLabel is Chinese only.
  return (getLang() === 'zh' && image.statusLabel) || {
    PENDING: t('processing'), SUBMITTED: t('submitted'), INVALID: t('invalid'),
    NEEDS_REVISION: t('needsRevision'), APPROVED: t('approved'),
  }[image.status];
}

function findImage(imageId) {
  for (const m of state.page?.materials || []) {
    const found = m.images.find((i) => i.imageId === imageId);
    if (found) return found;
  }
  return null;
}

function busy() {  // an image processing, or its machine pre-checks pending: their findings show by themselves
  return state.uploads.size > 0
    || (state.page?.materials || []).some((m) => m.images.some((i) => i.status === 'PENDING' || checksPending(i)));
}

function stopPolling() { clearTimeout(state.timer); state.timer = null; }

function schedule(delay = null) {
  stopPolling();
  if (delay === null && !busy()) {
    if (state.idlePolls >= IDLE_POLLS) return;  // this look has had its idle polls: wake() starts them again
    delay = state.idleMs;
  }
  state.timer = setTimeout(poll, delay ?? BUSY_POLL_MS);
}

/** Something happened (a change seen, the candidate acted, the tab came back): poll briskly again. */
function wake() { state.idleMs = IDLE_POLL_MS; state.idlePolls = 0; }

/** `GET …/status` with If-None-Match: 304 while nothing changed, the new ETag when something did. The
 * poll paces itself (no retries inside the request): a 429 or 5xx waits Retry-After, else backs off. */
async function poll() {
  const id = state.page?.application.id;
  if (!id) return schedule();
  if (document.hidden && !busy()) return stopPolling();  // nobody looks: the tab's return polls at once
  let delay = null;
  try {
    const r = await ctx.api.request('GET', `/applications/${encodeURIComponent(id)}/status`,
      { headers: state.etag ? { 'If-None-Match': state.etag } : {}, retry: false });
    state.pollFailures = 0;
    if (r.status === 200 && r.etag !== state.etag) {
      wake();
      await load(id, r.etag);
      renderPage();
    } else if (!busy()) {
      state.idleMs = Math.min(state.idleMs * 2, IDLE_POLL_MAX_MS);
      state.idlePolls += 1;
    }
  } catch (e) {
    const status = e instanceof ApiError ? e.status : 0;
    if (status === 401) return;
    if (retryable(status)) {
      delay = Math.min(IDLE_POLL_MAX_MS, backoffMs(state.pollFailures, e.retryAfter ?? null) + (busy() ? BUSY_POLL_MS : state.idleMs));
      state.pollFailures += 1;
    }
  }
  if (state.page?.application.id === id && routeId() === id) schedule(delay);
}

/** The review comments at the top (R16, R21): the return's comment, each flagged image, each request. */
function notesSection(page) {
  const notes = page.reviewNotes || [];
  if (!notes.length) return null;
  const nameOf = (type) => pick(page.materials.find((m) => m.type === type), 'name') || type || '';
  const numberOf = (imageId) => {
    for (const m of page.materials) {
      const k = m.images.findIndex((i) => i.imageId === imageId);
      if (k >= 0) return k + 1;
    }
    return null;
  };
  const body = (n) => {
    if (n.kind === 'request') return requestText(nameOf(n.materialType), n.count, n.comment);
    if (n.kind === 'image') {
      const k = numberOf(n.imageId);
      return [h('strong', {}, `${nameOf(n.materialType)}${k ? ` ${t('imageN', { n: k })}` : ''}:`),
        n.reasonCode ? h('span', {}, msg(n, 'reasonMessage')) : null,
        n.comment ? h('span', { class: 'comment' }, ` ${n.comment}`) : null];
    }
    return h('span', { class: 'comment' }, n.comment);
  };
  return h('section', { class: 'card notes', 'aria-labelledby': 'notes-h' },
    h('h2', { id: 'notes-h' }, t('reviewComments')),
    h('ul', {}, notes.map((n) => h('li', { class: `note ${n.kind}`, 'data-type': n.materialType || null },
      h('span', { class: 'level' }, pick(n, 'levelLabel')), body(n),
      h('time', { class: 'muted' }, fmtTime(n.at))))),
    page.application.status === 'RETURNED' ? h('p', { class: 'muted hint' }, t('resubmitHint')) : null);
}

// Short names for a tile; the how-to-fix text comes from the API.
const REASONS = {
  BLURRY: ['模糊', 'blurred'], INCOMPLETE: ['不完整', 'incomplete'], ROTATED: ['方向不正', 'rotated'],
  WRONG_DOCUMENT: ['材料不符', 'wrong document'], EXPIRED: ['已过期', 'expired'], GLARE: ['反光', 'glare'], OTHER: ['其他', 'other'],
  EMPTY: ['空文件', 'empty'], TOO_LARGE: ['文件过大', 'too large'], UNSUPPORTED_FORMAT: ['格式不支持', 'unsupported format'],
  CORRUPT: ['文件损坏', 'damaged'], DIMENSIONS_TOO_LARGE: ['尺寸过大', 'too many pixels'], TOO_SMALL: ['尺寸过小', 'too small'],
};
const reasonName = (code) => (REASONS[code] || [code, code])[getLang() === 'en' ? 1 : 0];

function requestText(name, count, note) {
  return h('span', { class: 'request' }, h('strong', {}, `${name}:`), t('requestedMore', { count }), note ? ` — ${note}` : '');
}

const STAGES = () => ({
  compress: t('compressing'), heic: t('heicLoading'), reserve: t('uploading'), upload: t('uploading'), processing: t('processing'),
});

function uploadTile(material, u) {
  const label = STAGES()[u.stage];
  return h('figure', { class: 'tile uploading', 'data-upload': String(u.id) },
    u.preview ? h('img', { src: u.preview, alt: '' }) : h('div', { class: 'placeholder spinner', 'aria-hidden': 'true' }),
    h('figcaption', {},
      h('span', { class: 'stage' }, label),
      u.after ? sizes(u) : null,
      u.stage === 'upload' || u.stage === 'reserve'
        ? h('progress', { max: '1', value: String(u.progress || 0), 'aria-label': t('uploading') }) : null));
}

function sizes(s) {
  if (!s) return null;
  return h('span', { class: 'sizes', 'data-before': String(s.before), 'data-after': String(s.after) },
    s.before === s.after ? fmtBytes(s.after) : `${t('original')} ${fmtBytes(s.before)} → ${t('compressed')} ${fmtBytes(s.after)}`);
}

function imageTile(material, image, n) {
  const name = pick(material, 'name');
  const local = [...state.uploads.values()].find((u) => u.imageId === image.imageId);
  if (image.status === 'PENDING' && local) return uploadTile(material, local);
  const url = thumbnailUrl(image);
  const statusText = statusWords(image);
  const warnings = shownWarnings(image);
  return h('figure', { class: `tile s-${image.status}`, 'data-image-id': image.imageId },
    url ? pictureLink(image, `${name} ${n}`, h('img', { src: url, alt: `${name} ${n}`, width: image.width, height: image.height }))
      : h('div', { class: `placeholder ${image.status === 'PENDING' ? 'spinner' : 'bad'}`, 'aria-hidden': 'true' }),
    image.locked ? h('span', { class: 'check', role: 'img', 'aria-label': t('approvedCheck'), title: t('approvedCheck') }, '✓') : null,
    h('figcaption', {},
      h('span', { class: 'stage' }, statusText),
      sizes(state.sizes.get(image.imageId)),
      image.status === 'INVALID' ? h('span', { class: 'why-tag' }, reasonName(image.reason)) : null,
      image.status === 'NEEDS_REVISION' ? h('span', { class: 'why' }, h('span', { class: 'why-tag' }, reasonName(image.reviewReasonCode)),
        image.reviewNote ? h('em', {}, ` ${image.reviewNote}`) : null) : null,
      warnings.length ? h('span', { class: 'warn-tags' }, warnings.map((w) => h('span', {
        class: 'warn-tag', 'data-code': w.code, title: msg(w, 'message') }, `⚠ ${warningName(w.code)}`))) : null,
      checkTags(image)),
    // Under the picture, a full-width 44 px target; it asks first (confirmDialog).
    image.locked ? null : h('button', {
      type: 'button', class: 'del', 'data-focus': `del-${image.imageId}`, onclick: () => removeImage(material, image, n),
    }, t('delete')));
}

/** A locked (approved) image keeps no quality hint: the reviewer has accepted it, there is nothing to retake. */
function shownWarnings(image) { return image.locked ? [] : (image.quality?.warnings || []); }

/** Under the thumbnails, what the tiles have no room for: why an image must be replaced and how
 * (R16), and each quality warning with how to fix it (a hint, never a refusal). */
function materialNotes(material) {
  const name = pick(material, 'name');
  const label = (k, what) => h('strong', {}, `${name} ${k + 1} · ${what}:`);
  const fix = material.images.flatMap((image, k) => {
    if (image.status === 'INVALID') return [h('li', { 'data-image-id': image.imageId }, label(k, t('invalid')), msg(image, 'reasonMessage'))];
    if (image.status !== 'NEEDS_REVISION') return [];
    return [h('li', { 'data-image-id': image.imageId }, label(k, t('needsRevision')), msg(image, 'reviewReasonMessage'),
      image.reviewNote ? h('em', {}, ` ${image.reviewNote}`) : null)];
  });
  const hints = material.images.flatMap((image, k) => shownWarnings(image)
    .map((w) => h('li', { class: 'warn', 'data-code': w.code, 'data-image-id': image.imageId },
      label(k, warningName(w.code)), msg(w, 'message'))));
  return [
    fix.length ? h('div', { class: 'fix', role: 'note', 'aria-label': `${t('howToFix')}: ${name}` },
      h('h3', {}, t('howToFix')), h('ul', {}, fix)) : null,
    hints.length ? h('div', { class: 'quality', role: 'note', 'aria-label': `${t('qualityHints')}: ${name}` },
      h('h3', {}, `⚠ ${t('qualityHints')}`), h('ul', {}, hints), h('p', { class: 'muted' }, t('qualityNeverBlocks'))) : null,
    candidateFindings(material, name)];
}

function materialSection(material) {
  const name = pick(material, 'name');
  const waiting = [...state.uploads.values()].filter((u) => u.type === material.type && !u.imageId);
  const mine = [...state.uploads.values()].filter((u) => u.type === material.type);
  const starting = mine.filter((u) => !u.imageId || !findImage(u.imageId)).length;  // chosen, not yet on the page
  const held = Math.min(material.maxCount, material.maxCount - material.remaining + starting);
  const canAdd = material.canUpload && material.remaining - waiting.length > 0;  // a reservation counts in `remaining`
  const error = state.errors.get(material.type);
  return h('section', { class: 'card material', 'data-type': material.type, 'aria-labelledby': `m-${material.type}` },
    h('div', { class: 'card-head' },
      h('h2', { id: `m-${material.type}`, tabindex: '-1' }, name,
        h('span', { class: `badge ${material.required ? 'req' : ''}` }, material.required ? t('required') : t('optional'))),
      h('span', { class: `count ${material.complete ? 'ok' : ''}`, 'aria-label': `${name} ${held}/${material.maxCount}` },
        `${held}/${material.maxCount}`)),
    h('p', { class: 'desc' }, pick(material, 'description')),
    material.requested ? h('p', { class: `requested ${material.requested.met ? 'met' : ''}` }, t('requestedBy'),
      t('requestedMore', { count: material.requested.count }), material.requested.note ? ` — ${material.requested.note}` : '',
      material.requested.met ? h('span', { class: 'met-tag' }, ` ✓ ${t('requestMet')}`) : null) : null,
    h('div', { class: 'tiles' },
      material.sampleImageUrl ? h('figure', { class: 'tile sample' },
        h('a', { href: material.sampleImageUrl, target: '_blank', rel: 'noopener' },
          h('img', { src: material.sampleImageUrl, alt: `${t('sample')}: ${name}` })),
        h('figcaption', {}, t('sample'))) : null,
      material.images.map((image, i) => imageTile(material, image, i + 1)),
      mine.filter((u) => !u.imageId || !findImage(u.imageId)).map((u) => uploadTile(material, u)),
      canAdd ? h('label', { class: 'tile add' },
        // Only image types and no `capture`: WeChat's and Android WebView's pickers then offer the camera
        // and the gallery (an extension such as .heic sends some of them to a file browser instead).
        h('input', {
          type: 'file', class: 'visually-hidden', accept: 'image/*', 'data-focus': `add-${material.type}`,
          'aria-label': `${t('upload')}${getLang() === 'en' ? ' ' : ''}${name}`,
          'aria-describedby': `hint-${material.type}${error ? ` err-${material.type}` : ''}`,
          onchange: (e) => { const file = e.target.files[0]; if (file) choose(material, file); },
        }),
        h('span', { class: 'plus', 'aria-hidden': 'true' }, '+'), h('span', {}, t('add'))) : null),
    error ? h('p', { class: 'upload-error', id: `err-${material.type}` }, error) : null,
    canAdd ? h('p', { class: 'file-hint muted', id: `hint-${material.type}` }, t('fileHint')) : null,
    materialNotes(material));
}

/** The page's newest 50 entries, and older ones as the candidate asks (GET …/timeline?cursor=), kept while
the page's own window still starts where they end. */
function timelineSection(page) {
  const older = state.older?.from === page.timelineCursor ? state.older : null;
  const entries = [...(older?.items || []), ...(page.timeline || [])];
  const cursor = older ? older.cursor : page.timelineCursor;
  if (!entries.length) return null;
  const more = async () => {
    try {
      const got = await ctx.api.get(`/applications/${encodeURIComponent(page.application.id)}/timeline?cursor=${encodeURIComponent(cursor)}`);
      state.older = { from: page.timelineCursor, items: [...got.items, ...(older?.items || [])], cursor: got.nextCursor };
      renderPage();
    } catch (e) { showError(e); }
  };
  return h('details', {
    class: 'card timeline', open: Boolean(state.timelineOpen), ontoggle: (e) => { state.timelineOpen = e.target.open; },
  }, h('summary', {}, t('timeline')),
  h('ol', {}, [...entries].reverse().map((e) => h('li', {},
    h('time', { class: 'muted' }, fmtTime(e.at)), ' ', pick(e, 'label'),
    e.level ? ` · ${t(`level${e.level}`)}` : '', e.note ? h('em', {}, ` ${e.note}`) : null))),
  cursor ? h('button', { type: 'button', class: 'link older', onclick: more }, t('olderEntries')) : null);
}

function renderPage() {
  const page = state.page;
  if (!page) return;
  const app = page.application;
  const hadFocus = main().contains(document.activeElement);
  replace(main(),
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, `← ${t('back')}`)),
    h('section', { class: 'card app-head' },
      h('div', { class: 'card-head' }, h('h1', {}, `${app.examYear} ${app.category}`), statusChip(app)),
      h('p', { class: 'progress-words' }, progressText(app)),
      h('dl', { class: 'meta' },
        h('dt', {}, t('candidateName')), h('dd', {}, app.candidateName),
        h('dt', {}, t('idNumber')), h('dd', { class: 'id-number' }, app.idNumber),
        h('dt', {}, t('application')), h('dd', {}, app.id),
        h('dt', {}, t('region')), h('dd', {}, place(app, 'region')),
        h('dt', {}, t('site')), h('dd', {}, place(app, 'site')))),
    windowBanner(page),
    notesSection(page),
    page.materials.map(materialSection),
    timelineSection(page));
  if (hadFocus || document.activeElement === document.body) restoreFocus();
}

/** The whole page is drawn again on every change: the keyboard focus goes back to the control it was
 * on, or, when that is gone (a photo deleted, the slot now full), to its material, never to the top. */
function restoreFocus() {
  const { key, type } = state.focus || {};
  if (!key && !type) return;
  const at = (sel) => main().querySelector(sel);
  const el = (key && at(`[data-focus="${CSS.escape(key)}"]`))
    || (type && (at(`[data-focus="add-${CSS.escape(type)}"]`) || at(`#m-${CSS.escape(type)}`)));
  el?.focus();
}

function trackFocus() {
  main().addEventListener('focusin', (e) => {
    state.focus = {
      key: e.target.closest('[data-focus]')?.dataset.focus || null,
      type: e.target.closest('section.material')?.dataset.type || null,
    };
  });
  main().addEventListener('focusout', (e) => {
    // Moved elsewhere by the person (not removed by a re-render): nothing to give back.
    queueMicrotask(() => { if (e.target.isConnected && !main().contains(document.activeElement)) state.focus = null; });
  });
}

async function uploadView(id) {
  stopPolling();
  if (state.page?.application.id !== id) {
    state.page = null;
    replace(main(), h('p', { class: 'muted' }, t('loading')));
  }
  await load(id);
  renderPage();
  schedule();
}

// ------------------------------------------------------------------ choosing a photo
async function choose(material, file) {
  toast(null);
  state.errors.delete(material.type);
  wake();
  const name = pick(material, 'name');
  const u = { id: ++state.seq, type: material.type, stage: 'compress', progress: 0 };
  let said = null;
  const say = () => {  // each stage once, as it starts (not every percent of the upload)
    if (u.stage !== said) announce(`${name}:${STAGES()[u.stage]}`);
    said = u.stage;
  };
  state.uploads.set(u.id, u);
  renderPage();
  say();
  const appId = state.page.application.id;
  const images = `${appPath()}/materials/${encodeURIComponent(material.type)}/images`;
  try {
    const photo = await import('./photo.js');  // not loaded until a photo is chosen
    const out = await photo.prepare(file, material.maxBytes, (stage) => { u.stage = stage === 'heic' ? 'heic' : 'compress'; renderPage(); say(); });
    Object.assign(u, { before: out.before, after: out.after, preview: URL.createObjectURL(out.blob), stage: 'reserve' });
    renderPage();
    const fileName = out.converted ? `${(file.name || 'photo').replace(/\.[^.]*$/, '')}.jpg` : file.name;
    // Throttled (429), S3 slowing down (503) or a reservation run out while waiting: sendImage waits,
    // retries and reserves again by itself; the page says "排队中" meanwhile.
    await sendImage({
      reserve: () => ctx.api.post(images, { contentType: out.type, size: out.after, fileName }),
      release: (r) => ctx.api.del(`${images}/${encodeURIComponent(r.imageId)}`),
      blob: out.blob,
      fileName,
      onReserved: (reserved) => {
        if (u.imageId) state.sizes.delete(u.imageId);
        Object.assign(u, { imageId: reserved.imageId, stage: 'upload', progress: 0 });
        state.sizes.set(reserved.imageId, { before: out.before, after: out.after });
        renderPage();
        say();
      },
      onProgress: (p) => {
        u.progress = p;
        const bar = document.querySelector(`[data-upload="${u.id}"] progress`);
        if (bar) bar.value = p;
      },
    });
    u.stage = 'processing';
    say();
    if (state.page?.application.id === appId) {
      await load(appId);
      renderPage();
      schedule();
    }
  } catch (e) {
    state.uploads.delete(u.id);
    if (u.preview) URL.revokeObjectURL(u.preview);
    // Said next to the material it was chosen for (and to a screen reader), not in a bar at the top.
    const why = ['cannotDecode', 'heicFailed', 'pdf', 'tooComplex'].includes(e.code) ? t(e.code)
      : e instanceof ApiError ? e.text() : t('uploadFailed');
    state.errors.set(material.type, why);
    renderPage();
    announce(`${name}:${why}`);
  }
}

async function removeImage(material, image, n) {
  const what = `${pick(material, 'name')} ${t('imageN', { n })}`;
  if (!await confirmDialog({ title: t('deleteTitle', { what }), body: t('deleteBody'), yes: t('delete') })) {
    state.focus = { key: `del-${image.imageId}`, type: material.type };  // the page may have been drawn again meanwhile
    restoreFocus();
    return;
  }
  wake();
  try {
    await ctx.api.del(`${appPath()}/materials/${encodeURIComponent(material.type)}/images/${encodeURIComponent(image.imageId)}`);
    state.focus = { key: `add-${material.type}`, type: material.type };  // the button is gone: its material's add control
    await load(state.page.application.id);
    renderPage();
    announce(t('deleted', { what }));
  } catch (e) { showError(e); }
}

// ------------------------------------------------------------------ routing
function routeId() {
  const m = location.hash.match(/^#\/app\/(.+)$/);
  return m ? decodeURIComponent(m[1]) : null;
}

async function route() {
  toast(null);
  const id = routeId();
  try {
    if (id) await uploadView(id);
    else await listView();
  } catch (e) {
    if (routeId() !== id) return;  // gone elsewhere meanwhile
    stopPolling();
    state.page = null;
    // In place of "加载中…": an application that is not the candidate's does not exist for them (404).
    const missing = e instanceof ApiError && e.status === 404;
    replace(main(), h('section', { class: 'card not-found' },
      h('h1', {}, missing ? t('notFound') : t('error')),
      h('p', {}, missing ? t('notFoundHint') : (e instanceof ApiError ? e.text() : t('networkError'))),
      h('a', { class: 'button primary', href: '#/' }, t('toMyApplications'))));
  }
}

/** "排队中，请勿关闭页面" above the page while any request waits to be retried (api.js waitNotice). */
function queueNote() {
  const note = h('div', { class: 'queue-note', role: 'status', hidden: true });
  const render = () => replace(note, h('strong', {}, t('queued')), h('span', {}, t('queuedHint')));
  let linger;
  waitNotice.addEventListener('change', (e) => {
    clearTimeout(linger);
    if (e.detail.waiting > 0) note.hidden = false;
    else linger = setTimeout(() => { note.hidden = true; }, NOTE_LINGER_MS);
  });
  render();
  onLangChange(render);
  return note;
}

ctx = await boot(['candidate']);
if (ctx) {
  main().before(queueNote());
  trackFocus();
  window.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && routeId() && state.page?.application.id === routeId()) {
      wake();
      schedule(0);
    }
  });
  onLangChange(() => (routeId() ? renderPage() : listView()));
  route();
}
