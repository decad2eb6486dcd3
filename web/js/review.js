// The reviewer console (R13-R21): the queue in order, claims, a large image viewer beside the
// candidate's name and identity number, per-image and per-application decisions (a return carries a
// comment and requests for more material), "next in queue", and keyboard shortcuts for a day of reviewing.

import { checksPanel, passedBar } from './checks.js';
import { fmtTime, h, imageUrl, replace, thumbnailUrl, toDate } from './dom.js';
import { extend, fmtDuration, getLang, msg, onLangChange, pick, t, warningName } from './i18n.js';
import { confirmDialog } from './confirm.js';
import { dueTag, reviewDeadline } from './season.js';
import { boot, showError, toast } from './shell.js';

extend({
  zh: {
    queue: '待审队列', queueEmpty: '队列为空。', refresh: '刷新', waiting: '等待 {time}', images: '{n} 张图片',
    reReview: '复审', claimedBy: '{who} 审核中', claimedByMe: '我正在审核(至 {until})', claim: '领取',
    release: '释放', nextInQueue: '下一个', chooseFromQueue: '从待审队列中选择一个报名,或按 N 领取下一个。',
    sortBy: '排序', sortQueue: '队列顺序', sortWaiting: '等待最久', sortWarnings: '提示最多', warnings: '{n} 条质量提示',
    zoomIn: '放大', zoomOut: '缩小', rotate: '旋转视图', prevImage: '上一张', nextImage: '下一张', resetView: '复原',
    approveImage: '通过此图', reviseImage: '要求重传', reasonCode: '原因', note: '备注',
    appDecision: '报名审核决定', comment: '审核意见(退回、不通过时必填,将显示给考生)', approveApp: '审核通过',
    returnApp: '退回修改', rejectApp: '审核不通过', addRequest: '要求补充材料', done: '已保存',
    requestsHint: '退回时一并发出:考生在页面顶部和对应材料处看到,补齐后报名自动回到队列。',
    requestType: '补充材料类型', requestCount: '补充张数', requestNote: '补充说明', remove: '移除',
    shortcuts: '键盘快捷键', noImages: '暂无图片。', history: '此图记录', audit: '审核记录', older: '更早的记录',
    imageOf: '{name} 第 {i} 张(共 {n} 张)', reference: '水印编号', similarTo: '与其他报名的图片相似:{ids}',
    household: '户籍', firstReady: '首次提交', outcomeSITE: '考点意见', outcomeREGION: '考区意见',
    decision_approve: '通过', decision_return: '退回', decision_reject: '不通过',
    k_next: '下一张图片', k_prev: '上一张图片', k_zoom: '放大 / 缩小 / 复原', k_rotate: '旋转视图 90°',
    k_approve: '通过当前图片', k_revise: '要求重传当前图片(选择原因)', k_claim: '领取当前报名',
    k_queue: '领取队列中的下一个报名(按队列顺序)', k_comment: '填写审核意见', k_help: '显示 / 隐藏本说明',
    rejectTitle: '确定不通过 {name} 的报名?', rejectBody: '{name}({id})的报名将被审核拒绝。这是最终决定,不能撤回。',
  },
  en: {
    queue: 'Queue', queueEmpty: 'The queue is empty.', refresh: 'Refresh', waiting: 'waiting {time}', images: '{n} images',
    reReview: 're-review', claimedBy: 'being reviewed by {who}', claimedByMe: 'claimed by me (until {until})', claim: 'Claim',
    release: 'Release', nextInQueue: 'Next', chooseFromQueue: 'Choose an application from the queue, or press N for the next one.',
    sortBy: 'Sort', sortQueue: 'Queue order', sortWaiting: 'Longest wait', sortWarnings: 'Most hints', warnings: '{n} quality hints',
    zoomIn: 'Zoom in', zoomOut: 'Zoom out', rotate: 'Rotate view', prevImage: 'Previous', nextImage: 'Next image', resetView: 'Reset',
    approveImage: 'Approve image', reviseImage: 'Ask for a new one', reasonCode: 'Reason', note: 'Note',
    appDecision: 'Decision on the application', comment: 'Comment (required to return or reject; the candidate sees it)',
    approveApp: 'Approve', returnApp: 'Return for changes', rejectApp: 'Reject', addRequest: 'Ask for more material', done: 'Saved',
    requestsHint: 'Sent with a return: the candidate sees them at the top and on the material; once added, the application comes back by itself.',
    requestType: 'Material to add', requestCount: 'How many', requestNote: 'What is missing', remove: 'Remove',
    shortcuts: 'Keyboard shortcuts', noImages: 'No images yet.', history: 'This image', audit: 'Audit trail', older: 'Earlier entries',
    imageOf: '{name} {i} of {n}', reference: 'Watermark', similarTo: 'Looks like an image of: {ids}',
    household: 'Household registration', firstReady: 'First submitted', outcomeSITE: 'Site', outcomeREGION: 'Region',
    decision_approve: 'approved', decision_return: 'returned', decision_reject: 'rejected',
    k_next: 'next image', k_prev: 'previous image', k_zoom: 'zoom in / out / reset', k_rotate: 'rotate the view 90°',
    k_approve: 'approve this image', k_revise: 'ask for a new image (choose the reason)', k_claim: 'claim this application',
    k_queue: 'claim the next application (queue order)', k_comment: 'write the comment', k_help: 'show / hide this list',
    rejectTitle: 'Reject the application of {name}?', rejectBody: 'The application of {name} ({id}) will be rejected. This decision is final and cannot be undone.',
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
  ['A', 'k_approve'], ['P', 'k_passed'], ['X', 'k_revise'], ['C', 'k_claim'], ['N', 'k_queue'], ['M', 'k_comment'], ['?', 'k_help']];
const QUEUE_REFRESH_MS = 30_000;  // new arrivals and others' claims show without a click; waiting times tick

// The queue comes in its fair order (R15, by firstReadyAt); a reviewer may view it by wait or by hints.
const SORTS = {
  queue: null,
  waiting: (a, b) => (toDate(a.readyAt || a.firstReadyAt) ?? 0) - (toDate(b.readyAt || b.firstReadyAt) ?? 0),
  warnings: (a, b) => (b.warningCount || 0) - (a.warningCount || 0),
};

let ctx;
const state = {
  queue: [], level: null, page: null, index: 0, zoom: 1, rotation: 0, requests: [], draft: { comment: '' }, olderHistory: new Map(),
  sort: SORTS[localStorage.getItem('queueSort')] !== undefined ? localStorage.getItem('queueSort') : 'queue',
};
const $ = (sel) => document.querySelector(sel);
const inLang = (pair, fallback) => (pair ? pair[getLang() === 'en' ? 1 : 0] : fallback);
const reasonLabel = (code) => inLang(REASONS[code], code);
const imageStatus = (image) => inLang(IMAGE_STATUS[image.status], image.status);

/** How long since `since` (ISO), in words. */
export function waited(since, now = Date.now()) {
  const from = toDate(since);
  return from ? fmtDuration(Math.max(0, (now - from.getTime()) / 1000)) : '';
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
    const data = await ctx.api.get('/review/queue?limit=100');
    state.queue = data.items;
    state.level = data.level;
  } catch (e) { showError(e); }
  renderQueue();
}

function sorted() {
  const compare = SORTS[state.sort];
  // Array.prototype.sort is stable: equal keys keep the fair order.
  return compare ? [...state.queue].sort(compare) : state.queue;
}

function queueItem(item, openId) {
  const claim = item.claimedBy && toDate(item.claimExpiresAt) > new Date() ? item.claimedBy : null;
  return h('li', {}, h('button', {
    type: 'button', class: `queue-item ${item.applicationId === openId ? 'open' : ''}`, 'data-app': item.applicationId,
    onclick: () => openApplication(item.applicationId),
  },
  h('span', { class: 'q-top' }, h('span', { class: 'q-name' }, item.candidateName),
    item.reReview ? h('span', { class: 'badge req q-rereview' }, t('reReview')) : null),
  h('span', { class: 'q-id' }, item.idNumberMasked),
  h('span', { class: 'q-meta' },
    h('span', { class: 'q-images' }, t('images', { n: item.imageCount })),
    h('span', { class: 'q-wait' }, t('waiting', { time: waited(item.readyAt || item.firstReadyAt) })),
    item.warningCount ? h('span', { class: 'q-warn', title: t('warnings', { n: item.warningCount }) }, `⚠ ${item.warningCount}`) : null,
    dueTag(item)),
  h('span', { class: 'q-app' }, item.applicationId),
  claim ? h('span', { class: 'q-claim' }, claim === ctx.user.sub
    ? t('claimedByMe', { until: fmtTime(item.claimExpiresAt).slice(11) }) : t('claimedBy', { who: claim })) : null));
}

// What of an application the queue shows; when it changes, the open application is read again.
const seen = (item) => (item ? JSON.stringify([item.status, item.readyAt, item.imageCount, item.warningCount, item.claimedBy]) : '');

/** The queue again, and the open application too when the queue says it changed (or when asked). */
async function refresh({ always = false } = {}) {
  await loadQueue();
  const id = state.page?.application.id;
  if (id && (always || seen(state.queue.find((q) => q.applicationId === id)) !== state.openSeen)) await openApplication(id);
}

function renderQueue() {
  const openId = state.page?.application.id;
  const focused = document.activeElement?.closest?.('#queue [data-app]')?.dataset.app;  // kept across a refresh
  const sortButton = (key, label) => h('button', {
    type: 'button', class: 'seg', 'aria-pressed': String(state.sort === key),
    onclick: () => { state.sort = key; localStorage.setItem('queueSort', key); renderQueue(); },
  }, label);
  replace($('#queue'),
    h('div', { class: 'card-head' }, h('h1', {}, t('queue'), state.level ? h('span', { class: 'badge' }, t(`level${state.level}`)) : null,
      h('span', { class: 'q-count' }, String(state.queue.length))),
    h('button', { type: 'button', class: 'ghost', onclick: () => refresh({ always: true }) }, t('refresh'))),
    h('div', { class: 'segmented', role: 'group', 'aria-label': t('sortBy') },
      sortButton('queue', t('sortQueue')), sortButton('waiting', t('sortWaiting')), sortButton('warnings', t('sortWarnings'))),
    state.queue.length ? null : h('p', { class: 'muted' }, t('queueEmpty')),
    h('ol', { class: 'queue-list' }, sorted().map((item) => queueItem(item, openId))));
  if (focused) document.querySelector(`#queue [data-app="${CSS.escape(focused)}"]`)?.focus();
}

// ------------------------------------------------------------------ one application
async function openApplication(id, { claim = false } = {}) {
  try {
    if (claim) await ctx.api.post(`/review/applications/${encodeURIComponent(id)}/claim`);
    const changed = state.page?.application.id !== id;
    state.page = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}`);
    if (changed) Object.assign(state, { index: 0, zoom: 1, rotation: 0, requests: [], draft: { comment: '' }, olderHistory: new Map() });
    state.index = Math.min(state.index, Math.max(0, allImages().length - 1));
    state.openSeen = seen(state.queue.find((q) => q.applicationId === id));
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
  const who = live ? h('span', { class: 'claim-who' }, app.claimedBy === ctx.user.sub ? t('claimedByMe', { until }) : t('claimedBy', { who: app.claimedBy })) : null;
  if (!reviewable()) return who && h('div', { class: 'claim' }, who);  // not waiting at my level: nothing to claim
  return h('div', { class: 'claim' }, who,
    live && app.claimedBy === ctx.user.sub
      ? h('button', { type: 'button', onclick: () => act(() => ctx.api.del(path)) }, t('release'))
      : h('button', { type: 'button', class: 'primary', id: 'claim', onclick: () => act(() => ctx.api.post(path)) }, `${t('claim')} (C)`));
}

/** Quality warnings, near-duplicates in other applications and the watermark reference: hints, never verdicts. */
function imageHints(image) {
  const warnings = image.quality?.warnings || [];
  const others = [...new Set((image.duplicateOf || []).map((d) => d.applicationId))];
  if (!warnings.length && !others.length) return null;
  return h('ul', { class: 'hints', 'aria-label': t('warnings', { n: warnings.length }) },
    warnings.map((w) => h('li', { class: 'warn', 'data-code': w.code },
      h('span', { class: 'warn-tag' }, `⚠ ${warningName(w.code)}`), ' ', msg(w, 'message'))),
    others.length ? h('li', { class: 'warn duplicate-of' },
      h('span', { class: 'warn-tag' }, '≈'), ' ', t('similarTo', { ids: others.join(', ') })) : null);
}

/** One image's entries before those on the page, 50 at a time (GET …/images/{imageId}/history?cursor=):
 * kept per image until another application is opened. */
async function olderHistory(image) {
  const id = state.page.application.id;
  const had = state.olderHistory.get(image.imageId);
  const cursor = had ? had.cursor : image.historyCursor;
  try {
    const more = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}/images/${encodeURIComponent(image.imageId)}`
      + `/history?cursor=${encodeURIComponent(cursor)}`);
    if (state.page?.application.id !== id) return;
    state.olderHistory.set(image.imageId, { items: [...more.items, ...(had?.items || [])], cursor: more.nextCursor });
    renderWorkspace();
    document.querySelector('details.history summary')?.focus();
  } catch (e) { showError(e); }
}

function imageHistory(image) {
  const older = state.olderHistory.get(image.imageId);
  const entries = [...(older?.items || []), ...(state.page.imageHistory?.[image.imageId] || [])];
  const cursor = older ? older.cursor : image.historyCursor;
  if (!entries.length && !cursor) return null;
  return h('details', { class: 'history', open: Boolean(older) },
    h('summary', {}, `${t('history')} (${entries.length}${cursor ? '+' : ''})`),
    h('ol', {}, entries.map((e) => h('li', {}, h('time', { class: 'muted' }, fmtTime(e.at)), ' ', pick(e, 'label'),
      e.reasonCode ? ` · ${reasonLabel(e.reasonCode)}` : '', e.note ? h('em', {}, ` ${e.note}`) : null,
      h('span', { class: 'muted' }, ` · ${e.actor}`)))),
    cursor ? h('button', { type: 'button', class: 'link older', onclick: () => olderHistory(image) }, t('older')) : null);
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
      // the name starts with what the button shows (WCAG 2.5.3): a speech user says "1:1"
      h('button', { type: 'button', onclick: () => view(1, 0), 'aria-label': `1:1 ${t('resetView')}` }, '1:1'),
      h('button', { type: 'button', onclick: () => view(state.zoom, (state.rotation + 90) % 360), 'aria-label': t('rotate') }, '⟳')),
    h('div', { class: 'stage-box', id: 'stage' },
      image.url ? h('div', { class: 'canvas', id: 'canvas' }, h('img', { id: 'big', src: imageUrl(image), alt: `${name} ${i}`, draggable: false }))
        : h('p', { class: 'muted' }, imageStatus(image), image.reason ? ` · ${msg(image, 'reasonMessage')}` : '')),
    h('div', { class: 'image-facts' },
      h('span', { class: `pill s-${image.status}` }, imageStatus(image)),
      image.locked ? h('span', { class: 'check-inline', role: 'img', 'aria-label': t('approvedCheck') }, '✓') : null,
      image.width ? h('span', {}, `${image.width}×${image.height}`) : null,
      image.reference ? h('span', { class: 'reference' }, `${t('reference')} `, h('code', {}, image.reference)) : null,
      image.reviewReasonCode ? h('span', { class: 'why' }, `${reasonLabel(image.reviewReasonCode)} ${image.reviewNote || ''}`) : null),
    imageHints(image),
    checksPanel(image, state.page.application),
    imageDecision(cur),
    imageHistory(image),
    h('div', { class: 'strip' }, images.map((x, k) => h('button', {
      type: 'button', class: `thumb s-${x.image.status} ${k === state.index ? 'on' : ''}`,
      'aria-label': `${pick(x.material, 'name')} ${x.i}`, onclick: () => { state.index = k; renderWorkspace(); },
    }, x.image.url ? h('img', { src: thumbnailUrl(x.image), alt: '' }) : h('span', {}, '?'),
    x.image.locked ? h('span', { class: 'tick' }, '✓') : null,
    thumbFlag(x.image)))));
}

/** ⚠ a quality warning, ≈ like an image in another application. */
function thumbFlag(image) {
  if ((image.quality?.warnings || []).length) return h('span', { class: 'flag', 'aria-hidden': 'true' }, '⚠');
  return (image.duplicateOf || []).length ? h('span', { class: 'flag', 'aria-hidden': 'true' }, '≈') : null;
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

/** Every image whose machine pre-checks passed, approved in one call (the badge shows when all did). */
function approvePassed(app) {
  return passedBar(state.page, {
    disabled: !reviewable() || state.level !== 'SITE',
    onApprove: () => act(async () => {
      await ensureClaim();
      await ctx.api.post(`/review/applications/${encodeURIComponent(app.id)}/images/approve-passed`,
        { version: state.page.application.version });
      toast(t('done'), 'info');
    }),
  });
}

/** "Add `count` more images of `type`" (R16, R21), sent with the next return. */
function requestsEditor() {
  const types = state.page.materials;
  return h('fieldset', { class: 'requests-editor' },
    h('legend', {}, t('requests')),
    state.requests.map((r, k) => h('div', { class: 'request-row' },
      h('label', {}, t('requestType'), h('select', { onchange: (e) => { r.type = e.target.value; } },
        types.map((m) => h('option', { value: m.type, selected: m.type === r.type }, pick(m, 'name'))))),
      h('label', { class: 'how-many' }, t('requestCount'), h('input', {
        type: 'number', min: '1', max: '10', value: String(r.count), onchange: (e) => { r.count = Number(e.target.value); } })),
      h('label', { class: 'grow' }, t('requestNote'), h('input', {
        type: 'text', maxlength: '200', value: r.note, onchange: (e) => { r.note = e.target.value; } })),
      h('button', { type: 'button', class: 'ghost', onclick: () => { state.requests.splice(k, 1); renderWorkspace(); } }, t('remove')))),
    h('button', {
      type: 'button', class: 'ghost add-request',
      onclick: () => { state.requests.push({ type: (current()?.material || types[0]).type, count: 1, note: '' }); renderWorkspace(); },
    }, `+ ${t('addRequest')}`),
    h('p', { class: 'muted hint' }, t('requestsHint')));
}

function appDecision(app) {
  const decide = async (decision) => {
    // A rejection is final (api-contract.md): asked first, naming whose application. Without a comment it is
    // refused anyway (R16), so nothing to ask.
    if (decision === 'reject' && $('#comment').value.trim() && !await confirmDialog({
      title: t('rejectTitle', { name: app.candidateName }),
      body: t('rejectBody', { name: app.candidateName, id: app.idNumberMasked }), yes: t('rejectApp'),
    })) return;
    await send(decision);
  };
  const send = (decision) => act(async () => {
    await ensureClaim();
    const body = { decision, version: state.page.application.version, comment: $('#comment').value || null };
    if (decision === 'return' && state.requests.length) {
      body.requests = state.requests.map((r) => ({ type: r.type, count: r.count, note: r.note || null }));
    }
    await ctx.api.post(`/review/applications/${encodeURIComponent(app.id)}/decision`, body);
    Object.assign(state, { requests: [], draft: { comment: '' } });
    toast(t('done'), 'info');
  });
  return h('section', { class: 'card app-decision' },
    h('h2', {}, t('appDecision')),
    approvePassed(app),
    h('label', { class: 'block' }, t('comment'),
      h('textarea', { id: 'comment', rows: '3', maxlength: '500', oninput: (e) => { state.draft.comment = e.target.value; } }, state.draft.comment)),
    requestsEditor(),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'good', id: 'approve-app', disabled: !reviewable(), onclick: () => decide('approve') }, t('approveApp')),
      h('button', { type: 'button', class: 'primary', id: 'return-app', disabled: !reviewable(), onclick: () => decide('return') }, t('returnApp')),
      h('button', { type: 'button', class: 'danger', id: 'reject-app', disabled: !reviewable(), onclick: () => decide('reject') }, t('rejectApp'))));
}

/** Who the documents must show: name and full identity number, beside the viewer. */
function whoCard(app) {
  const outcome = (level) => {
    const o = app.outcomes?.[level.toLowerCase()];
    return o ? [h('dt', {}, t(`outcome${level}`)),
      h('dd', {}, `${t(`decision_${o.decision}`)} · ${o.by} · ${fmtTime(o.at)}`, o.comment ? h('div', { class: 'muted' }, o.comment) : null)] : null;
  };
  return h('section', { class: 'card who-card', 'aria-label': app.candidateName },
    h('div', { class: 'card-head' },
      h('h2', {}, app.candidateName, app.reReview ? h('span', { class: 'badge req' }, t('reReview')) : null),
      h('span', { role: 'status', class: `status s-${app.status}` }, pick(app, 'statusLabel'))),
    h('p', { class: 'id-number big', 'aria-label': t('idNumber') }, app.idNumber),
    reviewDeadline(state.page.reviewDeadline),
    h('dl', { class: 'meta' },
      h('dt', {}, t('application')), h('dd', {}, app.id),
      h('dt', {}, t('category')), h('dd', {}, `${app.examYear} ${app.category}`),
      h('dt', {}, t('site')), h('dd', {}, `${app.siteName || ''} (${app.site})`),
      h('dt', {}, t('household')), h('dd', {}, app.householdRegionName || app.householdRegion),
      app.firstReadyAt ? [h('dt', {}, t('firstReady')), h('dd', {}, fmtTime(app.firstReadyAt))] : null,
      outcome('SITE'), outcome('REGION')),
    claimBox(app),
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'next-in-queue', onclick: nextInQueue }, `${t('nextInQueue')} (N)`)));
}

/** The trail's entries before the page's newest 50, 50 at a time (GET …/audit?cursor=), kept below them. */
async function olderAudit() {
  const id = state.page.application.id;
  try {
    const more = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}/audit?cursor=${encodeURIComponent(state.page.auditCursor)}`);
    if (state.page?.application.id !== id) return;
    state.page.audit = [...more.items, ...state.page.audit];
    state.page.auditCursor = more.nextCursor;
    state.auditOpen = true;
    renderWorkspace();
  } catch (e) { showError(e); }
}

function auditTrail() {
  const entries = state.page.audit || [];
  return h('details', { class: 'card audit', open: Boolean(state.auditOpen), ontoggle: (e) => { state.auditOpen = e.target.open; } },
    h('summary', {}, `${t('audit')} (${entries.length}${state.page.auditCursor ? '+' : ''})`),
    h('ol', {}, [...entries].reverse().map((e) => h('li', {}, h('time', { class: 'muted' }, fmtTime(e.at)), ' ', pick(e, 'label'),
      e.level ? ` · ${t(`level${e.level}`)}` : '', e.note ? h('em', {}, ` ${e.note}`) : null, h('span', { class: 'muted' }, ` · ${e.actor}`)))),
    state.page.auditCursor ? h('button', { type: 'button', class: 'link older', onclick: olderAudit }, t('older')) : null);
}

function renderWorkspace() {
  const ws = $('#workspace');
  if (!state.page) {
    replace(ws, h('p', { class: 'muted' }, t('chooseFromQueue')), help());
    return;
  }
  const app = state.page.application;
  replace(ws, whoCard(app), h('section', { class: 'card viewer-card' }, viewer()), appDecision(app), help(), auditTrail());
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

/** The next application in the fair order (R15) nobody else holds, claimed. */
async function nextInQueue() {
  await loadQueue();
  const openId = state.page?.application.id;
  const free = (q) => !q.claimedBy || q.claimedBy === ctx.user.sub || !(toDate(q.claimExpiresAt) > new Date());
  const next = state.queue.find((q) => q.applicationId !== openId && free(q));
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
    a: () => click('approve-image'), p: () => click('approve-passed'), x: () => $('#reason')?.focus(), c: () => click('claim'), n: () => nextInQueue(),
    m: () => $('#comment')?.focus(),
    '?': () => { const d = $('#shortcuts'); if (d) d.open = !d.open; },
  };
  const fn = keys[e.key] || keys[e.key.toLowerCase?.()];
  if (fn) { e.preventDefault(); fn(); }
}

ctx = await boot(['site_reviewer', 'region_reviewer']);
if (ctx) {
  replace(document.getElementById('main'), h('aside', { id: 'queue', class: 'card queue' }), h('div', { id: 'workspace', class: 'workspace' }));
  document.addEventListener('keydown', onKey);
  window.addEventListener('resize', applyView);
  onLangChange(() => { renderQueue(); renderWorkspace(); });
  renderWorkspace();
  await loadQueue();
  setInterval(() => { if (!document.hidden) refresh(); }, QUEUE_REFRESH_MS);
  const fromHash = () => { const id = decodeURIComponent(location.hash.slice(1)); if (id) openApplication(id); };
  window.addEventListener('hashchange', fromHash);  // a link to /review.html#<application id>
  fromHash();
}
