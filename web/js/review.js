// The reviewer console (R13-R21): the queue in order, claims, a large image viewer, per-image and
// per-application decisions, "next in queue", and keyboard shortcuts for a day of reviewing.

import { ApiError } from './api.js';
import { fmtTime, h, replace, toDate } from './dom.js';
import { extend, msg, onLangChange, pick, t } from './i18n.js';
import { boot, showError, toast } from './shell.js';

extend({
  zh: {
    queue: '待审队列', queueEmpty: '队列为空。', refresh: '刷新', waiting: '等待 {time}', images: '{n} 张图片',
    reReview: '复审', claimedBy: '{who} 审核中', claimedByMe: '我正在审核(至 {until})', claim: '领取',
    release: '释放', nextInQueue: '下一个', chooseFromQueue: '从待审队列中选择一个报名,或按 N 领取下一个。',
    zoomIn: '放大', zoomOut: '缩小', rotate: '旋转视图', prevImage: '上一张', nextImage: '下一张', resetView: '复原',
    approveImage: '通过此图', reviseImage: '要求重传', reasonCode: '原因', note: '备注',
    appDecision: '报名审核决定', comment: '审核意见(退回、不通过时必填,将显示给考生)', approveApp: '审核通过',
    returnApp: '退回修改', rejectApp: '审核不通过', addRequest: '要求补充材料', count: '张数',
    requestsUnsupported: '当前接口不支持“补充材料”要求,请在审核意见中说明。', done: '已保存',
    shortcuts: '键盘快捷键', idNumber: '证件号码', noImages: '暂无图片。', history: '审核记录',
    minutes: '{n} 分钟', hours: '{n} 小时', days: '{n} 天', imageOf: '{name} 第 {i} 张(共 {n} 张)', remove: '移除',
    k_next: '下一张图片', k_prev: '上一张图片', k_zoom: '放大 / 缩小 / 复原', k_rotate: '旋转视图 90°',
    k_approve: '通过当前图片', k_revise: '要求重传当前图片(选择原因)', k_claim: '领取当前报名', k_queue: '下一个待审报名',
    k_help: '显示 / 隐藏本说明',
  },
  en: {
    queue: 'Queue', queueEmpty: 'The queue is empty.', refresh: 'Refresh', waiting: 'waiting {time}', images: '{n} images',
    reReview: 're-review', claimedBy: 'being reviewed by {who}', claimedByMe: 'claimed by me (until {until})', claim: 'Claim',
    release: 'Release', nextInQueue: 'Next', chooseFromQueue: 'Choose an application from the queue, or press N for the next one.',
    zoomIn: 'Zoom in', zoomOut: 'Zoom out', rotate: 'Rotate view', prevImage: 'Previous', nextImage: 'Next image', resetView: 'Reset',
    approveImage: 'Approve image', reviseImage: 'Ask for a new one', reasonCode: 'Reason', note: 'Note',
    appDecision: 'Decision on the application', comment: 'Comment (required to return or reject; the candidate sees it)',
    approveApp: 'Approve', returnApp: 'Return for changes', rejectApp: 'Reject', addRequest: 'Ask for more material', count: 'Count',
    requestsUnsupported: 'The API does not take requests for more material yet: say it in the comment.', done: 'Saved',
    shortcuts: 'Keyboard shortcuts', idNumber: 'ID number', noImages: 'No images yet.', history: 'Audit trail',
    minutes: '{n} min', hours: '{n} h', days: '{n} d', imageOf: '{name} {i} of {n}', remove: 'Remove',
    k_next: 'next image', k_prev: 'previous image', k_zoom: 'zoom in / out / reset', k_rotate: 'rotate the view 90°',
    k_approve: 'approve this image', k_revise: 'ask for a new image (choose the reason)', k_claim: 'claim this application',
    k_queue: 'next application in the queue', k_help: 'show / hide this list',
  },
});

const REASONS = {
  BLURRY: ['模糊', 'Blurry'], INCOMPLETE: ['不完整', 'Incomplete'], ROTATED: ['方向不正', 'Rotated'],
  WRONG_DOCUMENT: ['材料不符', 'Wrong document'], EXPIRED: ['已过期', 'Expired'], GLARE: ['反光', 'Glare'], OTHER: ['其他', 'Other'],
};
const IMAGE_STATUS = {
  PENDING: ['处理中', 'Processing'], SUBMITTED: ['待审核', 'To review'], INVALID: ['未通过检查', 'Not accepted'],
  NEEDS_REVISION: ['需重传', 'To be replaced'], APPROVED: ['已通过', 'Approved'],
};
const SHORTCUTS = [['J / →', 'k_next'], ['K / ←', 'k_prev'], ['+ / − / 0', 'k_zoom'], ['R', 'k_rotate'],
  ['A', 'k_approve'], ['X', 'k_revise'], ['C', 'k_claim'], ['N', 'k_queue'], ['?', 'k_help']];

let ctx;
const state = { queue: [], level: null, page: null, index: 0, zoom: 1, rotation: 0, requests: [], draft: { comment: '' } };
const $ = (sel) => document.querySelector(sel);
const inLang = (pair, fallback) => (pair ? pair[document.documentElement.lang === 'en' ? 1 : 0] : fallback);
const reasonLabel = (code) => inLang(REASONS[code], code);
const imageStatus = (image) => pick(image, 'statusLabel') || inLang(IMAGE_STATUS[image.status], image.status);

export function waited(since, now = Date.now()) {
  const from = toDate(since);
  if (!from) return '';
  const minutes = Math.max(0, Math.round((now - from.getTime()) / 60000));
  if (minutes < 60) return t('minutes', { n: minutes });
  if (minutes < 48 * 60) return t('hours', { n: Math.round(minutes / 60) });
  return t('days', { n: Math.round(minutes / 1440) });
}

function allImages() {
  return (state.page?.materials || []).flatMap((m) => m.images.map((image, i) => ({ material: m, image, i: i + 1, n: m.images.length })));
}

function current() { return allImages()[state.index] || null; }

/** Only an application waiting at my level takes decisions (site: 填报, region: 考点通过). */
function reviewable() {
  const waitsFor = { SITE: 'DRAFT', REGION: 'SITE_APPROVED' }[state.level];
  return !waitsFor || state.page?.application.status === waitsFor;
}

function claimedByMe() {
  const app = state.page?.application;
  return app && app.claimedBy === ctx.user.sub && toDate(app.claimExpiresAt) > new Date();
}

// ------------------------------------------------------------------ queue
async function loadQueue() {
  try {
    const data = await ctx.api.get('/review/queue?limit=50');
    state.queue = data.items;
    state.level = data.level;
  } catch (e) { showError(e); }
  renderQueue();
}

function renderQueue() {
  const openId = state.page?.application.id;
  replace($('#queue'),
    h('div', { class: 'card-head' }, h('h2', {}, t('queue'), state.level ? h('span', { class: 'badge' }, t(`level${state.level}`)) : null),
      h('button', { type: 'button', class: 'ghost', onclick: loadQueue }, t('refresh'))),
    state.queue.length ? null : h('p', { class: 'muted' }, t('queueEmpty')),
    h('ol', { class: 'queue-list' }, state.queue.map((item) => h('li', {},
      h('button', {
        type: 'button', class: `queue-item ${item.applicationId === openId ? 'open' : ''}`, 'data-app': item.applicationId,
        onclick: () => openApplication(item.applicationId),
      },
      h('span', { class: 'q-name' }, item.candidateName || item.candidateId),
      item.idNumberMasked ? h('span', { class: 'q-id' }, item.idNumberMasked) : null,
      h('span', { class: 'q-meta' },
        item.applicationId,
        item.imageCount !== undefined ? ` · ${t('images', { n: item.imageCount })}` : '',
        (item.firstReadyAt || item.readyAt) ? ` · ${t('waiting', { time: waited(item.firstReadyAt || item.readyAt) })}` : ''),
      item.reReview ? h('span', { class: 'badge req' }, t('reReview')) : null,
      item.claimedBy ? h('span', { class: 'q-claim' }, item.claimedBy === ctx.user.sub
        ? t('claimedByMe', { until: fmtTime(item.claimExpiresAt).slice(11) }) : t('claimedBy', { who: item.claimedBy })) : null)))));
}

// ------------------------------------------------------------------ one application
async function openApplication(id, { claim = false } = {}) {
  try {
    if (claim) await ctx.api.post(`/review/applications/${encodeURIComponent(id)}/claim`);
    const changed = state.page?.application.id !== id;
    state.page = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}`);
    if (changed) Object.assign(state, { index: 0, zoom: 1, rotation: 0, requests: [], draft: { comment: '' } });
    state.index = Math.min(state.index, Math.max(0, allImages().length - 1));
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    renderWorkspace();
    renderQueue();
  } catch (e) { showError(e); }
}

async function ensureClaim() {
  if (claimedByMe()) return;
  const id = state.page.application.id;
  await ctx.api.post(`/review/applications/${encodeURIComponent(id)}/claim`);
  state.page = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}`);
}

async function act(fn) {
  try {
    await fn();
  } catch (e) {
    showError(e);
  }
  await loadQueue();  // first, so the queue and the application never disagree on screen
  if (state.page) await openApplication(state.page.application.id);
}

function claimBox(app) {
  const until = app.claimExpiresAt ? fmtTime(app.claimExpiresAt).slice(11) : '';
  const live = app.claimedBy && toDate(app.claimExpiresAt) > new Date();
  const path = `/review/applications/${encodeURIComponent(app.id)}/claim`;
  return h('div', { class: 'claim' },
    live ? h('span', { class: 'claim-who' }, app.claimedBy === ctx.user.sub ? t('claimedByMe', { until }) : t('claimedBy', { who: app.claimedBy })) : null,
    live && app.claimedBy === ctx.user.sub
      ? h('button', { type: 'button', onclick: () => act(() => ctx.api.del(path)) }, t('release'))
      : h('button', { type: 'button', class: 'primary', id: 'claim', onclick: () => act(() => ctx.api.post(path)) }, `${t('claim')} (C)`));
}

function viewer() {
  const cur = current();
  const images = allImages();
  if (!cur) return h('div', { class: 'viewer empty' }, h('p', { class: 'muted' }, t('noImages')));
  const { material, image, i, n } = cur;
  const name = pick(material, 'name');
  const view = (zoom, rotation) => { state.zoom = zoom; state.rotation = rotation; applyView(); };
  return h('div', { class: 'viewer' },
    h('div', { class: 'viewer-tools', role: 'toolbar', 'aria-label': t('shortcuts') },
      h('button', { type: 'button', onclick: () => move(-1), 'aria-label': t('prevImage') }, '←'),
      h('span', { class: 'viewer-title' }, t('imageOf', { name, i, n })),
      h('button', { type: 'button', onclick: () => move(1), 'aria-label': t('nextImage') }, '→'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', onclick: () => view(Math.min(6, state.zoom * 1.25), state.rotation), 'aria-label': t('zoomIn') }, '+'),
      h('button', { type: 'button', onclick: () => view(Math.max(0.25, state.zoom / 1.25), state.rotation), 'aria-label': t('zoomOut') }, '−'),
      h('button', { type: 'button', onclick: () => view(1, 0), 'aria-label': t('resetView') }, '1:1'),
      h('button', { type: 'button', onclick: () => view(state.zoom, (state.rotation + 90) % 360), 'aria-label': t('rotate') }, '⟳')),
    h('div', { class: 'stage-box', id: 'stage' },
      image.url ? h('div', { class: 'canvas', id: 'canvas' }, h('img', { id: 'big', src: image.url, alt: `${name} ${i}`, draggable: false }))
        : h('p', { class: 'muted' }, imageStatus(image), image.reason ? ` · ${msg(image, 'reasonMessage')}` : '')),
    h('div', { class: 'image-facts' },
      h('span', { class: `pill s-${image.status}` }, imageStatus(image)),
      image.locked ? h('span', { class: 'check-inline', role: 'img', 'aria-label': t('approvedCheck') }, '✓') : null,
      image.width ? h('span', {}, `${image.width}×${image.height}`) : null,
      image.reference ? h('span', {}, `ref ${image.reference}`) : null,
      (image.quality?.warnings || []).map((w) => h('span', { class: 'warn' }, msg(w, 'message'))),
      (image.duplicateOf || []).map((d) => h('span', { class: 'warn' }, `≈ ${d.applicationId}`)),
      image.reviewReasonCode ? h('span', { class: 'why' }, `${reasonLabel(image.reviewReasonCode)} ${image.reviewNote || ''}`) : null),
    imageDecision(cur),
    h('div', { class: 'strip' }, images.map((x, k) => h('button', {
      type: 'button', class: `thumb s-${x.image.status} ${k === state.index ? 'on' : ''}`,
      'aria-label': `${pick(x.material, 'name')} ${x.i}`, onclick: () => { state.index = k; renderWorkspace(); },
    }, x.image.url ? h('img', { src: x.image.url, alt: '' }) : h('span', {}, '?'), x.image.locked ? h('span', { class: 'tick' }, '✓') : null))));
}

function imageDecision({ image }) {
  const decidable = reviewable() && (image.status === 'SUBMITTED' || image.status === 'NEEDS_REVISION');
  const path = `/review/applications/${encodeURIComponent(state.page.application.id)}/images/${encodeURIComponent(image.imageId)}/decision`;
  const approve = () => act(async () => {
    await ensureClaim();
    await ctx.api.post(path, { decision: 'approve', version: image.version });
    const next = allImages().findIndex((x, k) => k > state.index && x.image.status === 'SUBMITTED');
    if (next >= 0) state.index = next;  // straight on to the next undecided image
  });
  const revise = () => act(async () => {
    await ensureClaim();
    await ctx.api.post(path, {
      decision: 'revise', version: image.version, reasonCode: $('#reason').value, note: $('#image-note').value || null,
    });
  });
  return h('div', { class: 'decide-image' },
    h('button', { type: 'button', class: 'good', id: 'approve-image', disabled: !decidable, onclick: approve }, `${t('approveImage')} (A)`),
    h('label', {}, t('reasonCode'), h('select', { id: 'reason' },
      Object.keys(REASONS).map((code) => h('option', { value: code }, reasonLabel(code))))),
    h('label', { class: 'grow' }, t('note'), h('input', { id: 'image-note', type: 'text', maxlength: '500' })),
    h('button', { type: 'button', class: 'danger', id: 'revise-image', disabled: !decidable, onclick: revise }, `${t('reviseImage')} (X)`));
}

function requestsEditor() {
  const types = state.page.materials;
  return h('div', { class: 'requests-editor' },
    state.requests.map((r, k) => h('div', { class: 'request-row' },
      h('select', { 'aria-label': t('requests'), onchange: (e) => { r.type = e.target.value; } },
        types.map((m) => h('option', { value: m.type, selected: m.type === r.type }, pick(m, 'name')))),
      h('input', { type: 'number', min: '1', max: '5', value: String(r.count), 'aria-label': t('count'), onchange: (e) => { r.count = Number(e.target.value); } }),
      h('input', { type: 'text', value: r.note, placeholder: t('note'), 'aria-label': t('note'), onchange: (e) => { r.note = e.target.value; } }),
      h('button', { type: 'button', class: 'ghost', onclick: () => { state.requests.splice(k, 1); renderWorkspace(); } }, t('remove')))),
    h('button', { type: 'button', class: 'ghost', onclick: () => { state.requests.push({ type: types[0].type, count: 1, note: '' }); renderWorkspace(); } },
      `+ ${t('addRequest')}`));
}

function appDecision(app) {
  const decide = (decision) => act(async () => {
    await ensureClaim();
    const body = { decision, version: state.page.application.version, comment: $('#comment').value || null };
    if (decision === 'return' && state.requests.length) body.requests = state.requests;
    try {
      await ctx.api.post(`/review/applications/${encodeURIComponent(app.id)}/decision`, body);
    } catch (e) {
      // The first release has no `requests` (extra fields are refused): say so rather than lose the comment.
      if (e instanceof ApiError && e.status === 400 && body.requests) throw new Error(t('requestsUnsupported'));
      throw e;
    }
    Object.assign(state, { requests: [], draft: { comment: '' } });
    toast(t('done'), 'info');
  });
  return h('section', { class: 'card app-decision' },
    h('h2', {}, t('appDecision')),
    h('label', { class: 'block' }, t('comment'),
      h('textarea', { id: 'comment', rows: '3', maxlength: '500', oninput: (e) => { state.draft.comment = e.target.value; } }, state.draft.comment)),
    requestsEditor(),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'good', id: 'approve-app', disabled: !reviewable(), onclick: () => decide('approve') }, t('approveApp')),
      h('button', { type: 'button', class: 'primary', id: 'return-app', disabled: !reviewable(), onclick: () => decide('return') }, t('returnApp')),
      h('button', { type: 'button', class: 'danger', id: 'reject-app', disabled: !reviewable(), onclick: () => decide('reject') }, t('rejectApp'))));
}

function renderWorkspace() {
  const ws = $('#workspace');
  if (!state.page) {
    replace(ws, h('p', { class: 'muted' }, t('chooseFromQueue')), help());
    return;
  }
  const app = state.page.application;
  replace(ws,
    h('section', { class: 'card who-card' },
      h('div', { class: 'card-head' },
        h('div', {},
          h('h1', {}, app.candidateName || app.candidateId),
          h('dl', { class: 'meta' },
            app.idNumber || app.idNumberMasked ? [h('dt', {}, t('idNumber')), h('dd', { class: 'id-number' }, app.idNumber || app.idNumberMasked)] : null,
            h('dt', {}, t('application')), h('dd', {}, app.id),
            h('dt', {}, t('category')), h('dd', {}, `${app.examYear} ${app.category}`),
            h('dt', {}, t('site')), h('dd', {}, app.siteName ? `${app.siteName} (${app.site})` : app.site))),
        h('span', { role: 'status', class: `status s-${app.status}` }, pick(app, 'statusLabel'))),
      claimBox(app),
      h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'next-in-queue', onclick: nextInQueue }, `${t('nextInQueue')} (N)`))),
    h('section', { class: 'card viewer-card' }, viewer()),
    appDecision(app),
    help());
  applyView();
}

function help() {
  return h('details', { class: 'card shortcuts', id: 'shortcuts', open: !state.page }, h('summary', {}, t('shortcuts')),
    h('dl', {}, SHORTCUTS.map(([keys, what]) => [h('dt', {}, h('kbd', {}, keys)), h('dd', {}, t(what))])));
}

/** Fit the image in the viewer, then zoom and rotate the view (never the stored image). The canvas
 * takes the rotated size so the scroll area matches what is shown. */
function applyView() {
  const img = $('#big');
  const box = $('#stage');
  if (!img || !box) return;
  const fit = () => {
    const turned = state.rotation % 180 !== 0;
    const [nw, nh] = [img.naturalWidth, img.naturalHeight];
    if (!nw || !nh) return;
    const scale = Math.min((box.clientWidth - 8) / (turned ? nh : nw), (box.clientHeight - 8) / (turned ? nw : nh)) * state.zoom;
    const [w, h] = [nw * scale, nh * scale];
    Object.assign(img.style, { width: `${w}px`, height: `${h}px`, transform: `rotate(${state.rotation}deg)` });
    Object.assign($('#canvas').style, { width: `${turned ? h : w}px`, height: `${turned ? w : h}px` });
  };
  if (img.complete) fit();
  else img.addEventListener('load', fit, { once: true });
}

function move(delta) {
  const n = allImages().length;
  if (!n) return;
  state.index = (state.index + delta + n) % n;
  state.zoom = 1;
  state.rotation = 0;
  renderWorkspace();
}

async function nextInQueue() {
  await loadQueue();
  const openId = state.page?.application.id;
  const next = state.queue.find((q) => q.applicationId !== openId && (!q.claimedBy || q.claimedBy === ctx.user.sub));
  if (next) await openApplication(next.applicationId, { claim: true });
  else toast(t('queueEmpty'), 'info');
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.('input, textarea, select')) return;
  const click = (id) => { const b = document.getElementById(id); if (b && !b.disabled) b.click(); };
  const keys = {
    j: () => move(1), ArrowRight: () => move(1), k: () => move(-1), ArrowLeft: () => move(-1),
    '+': () => { state.zoom = Math.min(6, state.zoom * 1.25); applyView(); }, '=': () => { state.zoom = Math.min(6, state.zoom * 1.25); applyView(); },
    '-': () => { state.zoom = Math.max(0.25, state.zoom / 1.25); applyView(); }, 0: () => { state.zoom = 1; state.rotation = 0; applyView(); },
    r: () => { state.rotation = (state.rotation + 90) % 360; applyView(); },
    a: () => click('approve-image'), x: () => $('#reason')?.focus(), c: () => click('claim'), n: () => nextInQueue(),
    '?': () => { const d = $('#shortcuts'); if (d) d.open = !d.open; },
  };
  const fn = keys[e.key] || keys[e.key.toLowerCase?.()];
  if (fn && state.page !== undefined) { e.preventDefault(); fn(); }
}

ctx = await boot(['site_reviewer', 'region_reviewer']);
if (ctx) {
  replace(document.getElementById('main'), h('aside', { id: 'queue', class: 'card queue' }), h('div', { id: 'workspace', class: 'workspace' }));
  document.addEventListener('keydown', onKey);
  window.addEventListener('resize', applyView);
  onLangChange(() => { renderQueue(); renderWorkspace(); });
  renderWorkspace();
  await loadQueue();
  const fromHash = () => { const id = decodeURIComponent(location.hash.slice(1)); if (id) openApplication(id); };
  window.addEventListener('hashchange', fromHash);  // a link to /review.html#<application id>
  fromHash();
}
