// The exam office (R20, R21): find any application (identity number, name or application id, with
// status / region / site filters and paging), the season's progress per site as a chart, trace a
// watermark reference to its image, and set the later phases.

import { fmtTime, h, imageUrl, replace, thumbnailUrl } from './dom.js';
import { extend, fmtDuration, getLang, msg, onLangChange, pick, t, warningName } from './i18n.js';
import { boot, showError, toast } from './shell.js';

extend({
  zh: {
    search: '查询报名', searchHint: '证件号码、姓名或报名号', searchButton: '查询', noResults: '未找到。', any: '全部',
    stats: '各考点审核进度', trace: '水印追溯', traceHint: '水印上的编号', traceButton: '追溯',
    phase: '考试阶段', setPhase: '设为', phaseNotYet: '审核通过后才能设置考试阶段。', phaseDone: '考试阶段已确定。',
    updated: '更新时间', asOf: '统计时间', open: '查看', statusOf: '状态', type: '材料', imageOf: '图片',
    watermarkedAt: '加水印时间', candidate: '考生', saved: '已保存', announce: '报名开通通知', images: '图片',
    byStatus: '按状态', byProgress: '按进度', chartBy: '图表分组', total: '合计',
    waitingNow: '等待 {n} 件', p50: '中位 {t}', p90: 'P90 {t}', noneWaiting: '无等待', refresh: '刷新',
    prevPage: '上一页', nextPage: '下一页', pageN: '第 {n} 页', household: '户籍', openApp: '查看该报名',
    reference: '水印编号', similarTo: '相似图片:', outcomeSITE: '考点意见', outcomeREGION: '考区意见',
    decision_approve: '通过', decision_return: '退回', decision_reject: '不通过', noImages: '暂无图片。',
    narrowDown: '只显示前 {n} 条,请用状态、考区、考点缩小范围。', actions: '操作',
    notAReference: '水印编号是 8 到 16 位字母和数字,如水印上的 #N1FG2Z9XJ2。',
    catalogueTitle: '材料要求目录', overdueSite: '考点审核逾期 {n}', overdueRegion: '考区审核逾期 {n}',
    overdueFilling: '截止后仍未齐全 {n}', overdueReturned: '退回逾期未改 {n}',
  },
  en: {
    search: 'Find an application', searchHint: 'ID number, name or application id', searchButton: 'Search',
    noResults: 'Nothing found.', any: 'All', stats: 'Review progress per site', trace: 'Trace a watermark',
    traceHint: 'the reference printed in the watermark', traceButton: 'Trace', phase: 'Exam phase', setPhase: 'Set to',
    phaseNotYet: 'The exam phase can be set once the application is approved.', phaseDone: 'The exam phase is final.',
    updated: 'Updated', asOf: 'as of', open: 'Open', statusOf: 'Status', type: 'Material', imageOf: 'Image',
    watermarkedAt: 'Watermarked', candidate: 'Candidate', saved: 'Saved', announce: 'Announce that registration is open',
    images: 'Images', byStatus: 'By status', byProgress: 'By progress', chartBy: 'Group the chart', total: 'Total',
    waitingNow: '{n} waiting', p50: 'median {t}', p90: 'p90 {t}', noneWaiting: 'none waiting', refresh: 'Refresh',
    prevPage: 'Previous', nextPage: 'Next', pageN: 'page {n}', household: 'Household registration', openApp: 'Open the application',
    reference: 'Watermark', similarTo: 'Similar images:', outcomeSITE: 'Site', outcomeREGION: 'Region',
    decision_approve: 'approved', decision_return: 'returned', decision_reject: 'rejected', noImages: 'No images yet.',
    narrowDown: 'Only the first {n} are shown: narrow it down by status, region or site.', actions: 'Actions',
    notAReference: 'A watermark reference is 8 to 16 letters and digits, e.g. #N1FG2Z9XJ2 as printed.',
    catalogueTitle: 'Requirement catalogue', overdueSite: '{n} site reviews overdue', overdueRegion: '{n} region reviews overdue',
    overdueFilling: '{n} incomplete after the close', overdueReturned: '{n} returned, not fixed in time',
  },
});

const PAGE_SIZE = 20;
// code -> [Chinese, English, colour]: the review pipeline left to right, later phases last.
const STATUS = {
  DRAFT: ['填报', 'Filling in', '#a7b4c2'], RETURNED: ['退回修改', 'Returned', '#e8912d'],
  SITE_APPROVED: ['考点通过', 'Site approved', '#5b9bd5'], APPROVED: ['审核通过', 'Approved', '#2e8b57'],
  REJECTED: ['审核拒绝', 'Rejected', '#c0392b'], READY_FOR_EXAM: ['备考', 'Ready for exam', '#1f5f99'],
  PASSED: ['通过', 'Passed', '#14532d'], FAILED: ['未通过', 'Failed', '#6b1d1d'],
};
const PROGRESS = {
  FILLING: ['填报中', 'Filling in', '#a7b4c2'], WAITING_SITE_REVIEW: ['等待考点审核', 'Waiting for the site', '#9cc3e8'],
  IN_SITE_REVIEW: ['考点审核中', 'Site reviewing', '#4a8ccf'], RETURNED: ['退回修改', 'Returned', '#e8912d'],
  WAITING_REGION_REVIEW: ['等待考区审核', 'Waiting for the region', '#b9a3dc'], IN_REGION_REVIEW: ['考区审核中', 'Region reviewing', '#7b5cb8'],
  APPROVED: ['审核通过', 'Approved', '#2e8b57'], REJECTED: ['审核拒绝', 'Rejected', '#c0392b'],
  READY_FOR_EXAM: ['备考', 'Ready for exam', '#1f5f99'], PASSED: ['通过', 'Passed', '#14532d'], FAILED: ['未通过', 'Failed', '#6b1d1d'],
};
const PHASES = { APPROVED: ['READY_FOR_EXAM'], READY_FOR_EXAM: ['PASSED', 'FAILED'] };  // R20: what the office may set next
const FINAL = new Set(['PASSED', 'FAILED', 'REJECTED']);
/** Dark text on a light segment, white on a dark one (WCAG relative luminance, roughly). */
function ink(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 ? '#1c2430' : '#fff';
}
const label = (table, code) => (table[code] || [code, code])[getLang() === 'en' ? 1 : 0];

let ctx;
const state = {
  query: null, results: null, nextCursor: null, cursors: [], detail: null, highlight: null,
  sites: [], stats: null, statsRegion: '', chartBy: 'status', trace: null,
};
const $ = (sel) => document.querySelector(sel);
const siteName = (code) => state.sites.find((s) => s.site === code)?.siteName || code;
const regions = () => [...new Set(state.sites.map((s) => s.region))].sort();
/** A region as a person names it (北京市), its code where the API gives no name. */
const regionName = (code) => state.sites.find((s) => s.region === code)?.regionName || code;

// ------------------------------------------------------------------ search
// A search by number or name answers in one page without a cursor: ask for the most it gives.
const MAX_MATCHES = 100;

function queryString(q, cursor) {
  const params = new URLSearchParams({ limit: String(q.q ? MAX_MATCHES : PAGE_SIZE) });
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

async function search(q, cursor = null) {
  try {
    const data = await ctx.api.get(`/review/applications?${queryString(q, cursor)}`);
    Object.assign(state, { query: q, results: data.items, nextCursor: data.nextCursor || null });
  } catch (e) { showError(e); }
  renderSearch();
}

function submitSearch(e) {
  e.preventDefault();
  const form = e.target;
  Object.assign(state, { cursors: [], currentCursor: null });
  search({ q: form.q.value.trim(), status: form.status.value, region: form.region.value, site: form.site.value });
}

function page(delta) {
  if (delta > 0) {
    state.cursors.push(state.currentCursor || null);
    state.currentCursor = state.nextCursor;
  } else {
    state.currentCursor = state.cursors.pop() || null;
  }
  search(state.query, state.currentCursor);
}

async function openDetail(id, highlight = null) {
  try {
    state.detail = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}`);
    state.highlight = highlight;
    const app = state.detail.application;
    const row = (state.results || []).find((r) => r.applicationId === id);
    if (row) Object.assign(row, { status: app.status, statusLabel: app.statusLabel, statusLabelEn: app.statusLabelEn, progress: app.progress, updatedAt: app.updatedAt });
    if (location.hash !== `#${encodeURIComponent(id)}`) history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  } catch (e) { showError(e); }
  renderSearch();
}

function showDetail() { $('section.detail')?.scrollIntoView({ block: 'start' }); }

async function setPhase(id, status) {
  try {
    await ctx.api.post(`/review/applications/${encodeURIComponent(id)}/phase`, { status });
    toast(t('saved'), 'info');
    await openDetail(id);
    loadStats();
  } catch (e) { showError(e); }
}

function resultsTable(rows) {
  const heads = [t('application'), t('candidate'), t('site'), t('statusOf'), t('progress'), t('images'), t('updated'), t('actions')];
  // data-label: a phone shows each row as a card, every value under its heading.
  const cell = (k, ...content) => h('td', { 'data-label': heads[k] || null }, ...content);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'results' },
    h('thead', {}, h('tr', {}, heads.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-app': r.applicationId },
      cell(0, r.applicationId, r.reReview ? h('span', { class: 'badge req' }, ' ↻') : null),
      cell(1, h('div', {}, r.candidateName), h('div', { class: 'muted id-number' }, r.idNumberMasked)),
      cell(2, siteName(r.site)),
      cell(3, h('span', { class: `status s-${r.status}` }, pick(r, 'statusLabel'))),
      cell(4, pick(r.progress, 'label')),
      cell(5, String(r.imageCount), r.warningCount ? h('span', { class: 'q-warn' }, ` ⚠ ${r.warningCount}`) : null),
      cell(6, fmtTime(r.updatedAt)),
      cell(7, h('button', { type: 'button', onclick: () => openDetail(r.applicationId).then(showDetail) }, t('open'))))))));
}

function pager() {
  const n = state.cursors.length + 1;
  if (n === 1 && !state.nextCursor) return null;
  return h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: n === 1, onclick: () => page(-1) }, `← ${t('prevPage')}`),
    h('span', {}, t('pageN', { n })),
    h('button', { type: 'button', disabled: !state.nextCursor, onclick: () => page(1) }, `${t('nextPage')} →`));
}

function renderSearch() {
  const rows = state.results || [];
  replace($('#search-results'),
    state.results === null ? null : rows.length === 0 ? h('p', { class: 'muted' }, t('noResults')) : [resultsTable(rows), pager(),
      state.query?.q && rows.length >= MAX_MATCHES ? h('p', { class: 'muted' }, t('narrowDown', { n: MAX_MATCHES })) : null],
    state.detail ? detail(state.detail) : null);
}

// ------------------------------------------------------------------ one application
function detailImage(material, image, n) {
  const name = pick(material, 'name');
  const warnings = image.quality?.warnings || [];
  const others = [...new Set((image.duplicateOf || []).map((d) => d.applicationId))];
  return h('figure', {
    class: `tile s-${image.status} ${image.reference && image.reference === state.highlight ? 'traced' : ''}`,
    'data-image-id': image.imageId, 'data-reference': image.reference || null,
  },
  image.url ? h('a', { href: imageUrl(image), target: '_blank', rel: 'noopener' }, h('img', { src: thumbnailUrl(image), alt: `${name} ${n}` }))
    : h('div', { class: 'placeholder bad', 'aria-hidden': 'true' }),
  h('figcaption', {},
    h('span', { class: 'stage' }, `${name} ${n} · ${image.statusLabel}`),
    image.reference ? h('span', { class: 'reference' }, `${t('reference')} `, h('code', {}, image.reference)) : null,
    warnings.length ? h('span', { class: 'warn-tags' }, warnings.map((w) => h('span', {
      class: 'warn-tag', 'data-code': w.code, title: msg(w, 'message') }, `⚠ ${warningName(w.code)}`))) : null,
    others.length ? h('span', { class: 'duplicate-of' }, t('similarTo'), ' ',
      others.map((id, k) => [k ? ', ' : '', h('a', { href: `#${encodeURIComponent(id)}` }, id)])) : null));
}

function detail(d) {
  const app = d.application;
  const outcome = (level) => {
    const o = app.outcomes?.[level.toLowerCase()];
    return o ? [h('dt', {}, t(`outcome${level}`)), h('dd', {}, `${t(`decision_${o.decision}`)} · ${o.by} · ${fmtTime(o.at)}`,
      o.comment ? h('div', { class: 'muted' }, o.comment) : null)] : null;
  };
  const next = PHASES[app.status] || [];
  const images = d.materials.filter((m) => m.images.length);
  return h('section', { class: 'card detail', 'aria-label': app.id },
    h('div', { class: 'card-head' }, h('h2', {}, `${app.candidateName} · ${app.id}`),
      h('span', { role: 'status', class: `status s-${app.status}` }, pick(app, 'statusLabel'))),
    h('dl', { class: 'meta' },
      h('dt', {}, t('idNumber')), h('dd', { class: 'id-number' }, app.idNumber),
      h('dt', {}, t('category')), h('dd', {}, `${app.examYear} ${app.category}`),
      h('dt', {}, t('region')), h('dd', {}, `${app.regionName || ''} (${app.region})`),
      h('dt', {}, t('site')), h('dd', {}, `${app.siteName || ''} (${app.site})`),
      h('dt', {}, t('household')), h('dd', {}, app.householdRegionName || app.householdRegion),
      h('dt', {}, t('progress')), h('dd', {}, pick(app.progress, 'label')),
      outcome('SITE'), outcome('REGION')),
    images.length ? h('div', { class: 'tiles' }, images.flatMap((m) => m.images.map((image, k) => detailImage(m, image, k + 1))))
      : h('p', { class: 'muted' }, t('noImages')),
    h('div', { class: 'buttons phases' }, h('span', {}, `${t('phase')}:`),
      next.length ? next.map((code) => h('button', {
        type: 'button', class: 'primary', 'data-phase': code, onclick: () => setPhase(app.id, code),
      }, `${t('setPhase')} ${label(STATUS, code)}`))
        : h('span', { class: 'muted' }, FINAL.has(app.status) ? t('phaseDone') : t('phaseNotYet'))));
}

// ------------------------------------------------------------------ the season per site
async function loadStats() {
  try {
    const qs = state.statsRegion ? `?region=${encodeURIComponent(state.statsRegion)}` : '';
    state.stats = await ctx.api.get(`/review/stats${qs}`);
    if (!state.statsRegion) state.sites = state.stats.sites;  // the filters' choices: every site the office sees
  } catch (e) { showError(e); }
  renderStats();
  renderFilters();
}

/** One stacked bar per site (status or progress), its length the site's total, each part labelled. */
export function chart(sites, by) {
  const table = by === 'progress' ? PROGRESS : STATUS;
  const field = by === 'progress' ? 'byProgress' : 'byStatus';
  const total = (s) => Object.values(s[field] || {}).reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...sites.map(total));
  const wait = (w) => (w?.count ? [t('waitingNow', { n: w.count }), t('p50', { t: fmtDuration(w.p50Seconds) }),
    t('p90', { t: fmtDuration(w.p90Seconds) })].join(' · ') : t('noneWaiting'));
  return h('div', { class: 'chart', role: 'list', 'aria-label': t('stats') }, sites.map((s) => h('div', {
    class: 'chart-row', role: 'listitem', 'data-site': s.site,
  },
  h('div', { class: 'chart-label' }, h('strong', {}, s.siteName), h('span', { class: 'muted' }, ` ${s.site}`)),
  h('div', { class: 'chart-track' },
    h('div', { class: 'chart-bar', style: `width:${(total(s) / max) * 100}%` },
      Object.keys(table).filter((code) => s[field]?.[code]).map((code) => h('span', {
        class: 'chart-seg', 'data-code': code, style: `flex-grow:${s[field][code]};background:${table[code][2]};color:${ink(table[code][2])}`,
        title: `${label(table, code)}: ${s[field][code]}`, 'aria-label': `${label(table, code)} ${s[field][code]}`,
      }, String(s[field][code])))),
    h('span', { class: 'chart-total', 'aria-label': `${t('total')} ${total(s)}` }, String(total(s)))),
  h('div', { class: 'chart-wait' }, wait(s.waiting), overdueNote(s.overdue)))));
}

/** What of the season is late at a site (the windows' deadlines): reviews, and candidates. */
function overdueNote(o) {
  const parts = [['siteReview', 'overdueSite'], ['regionReview', 'overdueRegion'], ['filling', 'overdueFilling'],
    ['returned', 'overdueReturned']].filter(([key]) => o?.[key]).map(([key, text]) => h('span', {
    class: 'overdue-count', 'data-overdue': key }, t(text, { n: o[key] })));
  return parts.length ? h('span', { class: 'overdue' }, ' · ', parts) : null;
}

function renderStats() {
  const s = state.stats;
  const table = state.chartBy === 'progress' ? PROGRESS : STATUS;
  const seg = (key, text) => h('button', {
    type: 'button', class: 'seg', 'aria-pressed': String(state.chartBy === key),
    onclick: () => { state.chartBy = key; renderStats(); },
  }, text);
  replace($('#stats-body'),
    h('div', { class: 'chart-tools' },
      h('div', { class: 'segmented', role: 'group', 'aria-label': t('chartBy') }, seg('status', t('byStatus')), seg('progress', t('byProgress'))),
      h('label', {}, `${t('region')} `, h('select', {
        id: 'stats-region', onchange: (e) => { state.statsRegion = e.target.value; loadStats(); },
      }, h('option', { value: '' }, t('any')), regions().map((r) => h('option', { value: r, selected: r === state.statsRegion }, regionName(r))))),
      s ? h('span', { class: 'muted' }, `${t('asOf')} ${fmtTime(s.asOf)}`) : null,
      h('button', { type: 'button', class: 'ghost', onclick: loadStats }, t('refresh'))),
    s ? [chart(s.sites, state.chartBy),
      h('div', { class: 'legend' }, Object.entries(table).map(([code, v]) => h('span', {}, h('i', { style: `background:${v[2]}` }), label(table, code))))] : null);
}

// ------------------------------------------------------------------ trace a watermark
/** As printed in the watermark (#N1FG2Z9XJ2), typed with spaces or a pasted line break: the letters and
 * digits. The API reads '#' and spaces too, but a '#' in a path would not reach it. */
export function referenceOf(typed) {
  const ref = typed.replace(/[\s#]+/g, '');
  return /^[0-9A-Za-z]{8,16}$/.test(ref) ? ref : null;
}

async function trace(typed) {
  const reference = referenceOf(typed);
  if (!reference) {
    state.trace = 'invalid';
    renderTrace();
    return;
  }
  try {
    state.trace = await ctx.api.get(`/review/trace/${encodeURIComponent(reference)}`);
  } catch (e) {
    state.trace = 'missing';
    if (e.status !== 404) showError(e);
  }
  renderTrace();
  if (state.trace !== 'missing') {
    await openDetail(state.trace.applicationId, state.trace.reference);  // the image, among the application's
    renderTrace();
  }
}

function renderTrace() {
  const r = state.trace;
  if (!r) return;
  const material = state.detail?.application.id === r.applicationId && state.detail.materials.find((m) => m.type === r.type);
  const showImage = () => document.querySelector(`.detail .tile.traced`)?.scrollIntoView({ block: 'center' });
  if (r === 'invalid') {
    replace($('#trace-result'), h('p', { class: 'upload-error' }, t('notAReference')));
    return;
  }
  replace($('#trace-result'), r === 'missing' ? h('p', { class: 'muted' }, t('noResults')) : [
    h('dl', { class: 'meta' },
      [[t('reference'), h('code', {}, r.reference)], [t('application'), r.applicationId],
        [t('candidate'), `${r.candidateName} ${r.idNumberMasked}`], [t('type'), material ? pick(material, 'name') : r.type],
        [t('imageOf'), r.imageId], [t('watermarkedAt'), fmtTime(r.watermarkedAt)]].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('button', { type: 'button', onclick: () => openDetail(r.applicationId, r.reference).then(showImage) }, t('openApp'))]);
}

// ------------------------------------------------------------------ the page
function renderFilters() {
  const form = $('#search-form');
  if (!form) return;
  const keep = { region: form.region.value, site: form.site.value };
  replace(form.region, h('option', { value: '' }, `${t('region')}: ${t('any')}`),
    regions().map((r) => h('option', { value: r, selected: r === keep.region }, regionName(r))));
  replace(form.site, h('option', { value: '' }, `${t('site')}: ${t('any')}`),
    state.sites.filter((s) => !form.region.value || s.region === form.region.value)
      .map((s) => h('option', { value: s.site, selected: s.site === keep.site }, `${s.siteName} (${s.site})`)));
}

function render() {
  replace(document.getElementById('main'),
    h('section', { class: 'card' }, h('h1', {}, t('search')),
      h('form', { id: 'search-form', class: 'search', role: 'search', onsubmit: submitSearch },
        h('input', { name: 'q', id: 'q', type: 'search', maxlength: '64', placeholder: t('searchHint'), 'aria-label': t('searchHint') }),
        h('select', { name: 'status', 'aria-label': t('statusOf') }, h('option', { value: '' }, `${t('statusOf')}: ${t('any')}`),
          Object.keys(STATUS).map((code) => h('option', { value: code }, label(STATUS, code)))),
        h('select', { name: 'region', 'aria-label': t('region'), onchange: renderFilters }),
        h('select', { name: 'site', 'aria-label': t('site') }),
        h('button', { type: 'submit', class: 'primary' }, t('searchButton'))),
      h('div', { id: 'search-results' })),
    h('section', { class: 'card' }, h('h2', {}, t('stats')), h('div', { id: 'stats-body' })),
    h('section', { class: 'card' }, h('h2', {}, t('trace')),
      h('form', { class: 'trace', onsubmit: (e) => { e.preventDefault(); const r = $('#ref').value.trim(); if (r) trace(r); } },
        h('input', { id: 'ref', type: 'text', maxlength: '40', placeholder: t('traceHint'), 'aria-label': t('traceHint') }),
        h('button', { type: 'submit' }, t('traceButton'))),
      h('div', { id: 'trace-result' })),
    h('section', { class: 'card announce', 'aria-labelledby': 'announce-h' }, h('h2', { id: 'announce-h' }, t('announce')),
      h('div', { id: 'announce-body' })),
    h('section', { class: 'card catalogue', 'aria-labelledby': 'catalogue-h' }, h('h2', { id: 'catalogue-h' }, t('catalogueTitle')),
      h('div', { id: 'catalogue-body' })));
  renderFilters();
  renderSearch();
  renderStats();
  renderTrace();
  loadAnnounce();
  loadCatalogue();
}

/** The requirement catalogue's editor with the candidate's page previewed (catalogue.js, loaded here). */
async function loadCatalogue() {
  try {
    const { catalogueEditor } = await import('./catalogue.js');
    await catalogueEditor(ctx.api, $('#catalogue-body'));
  } catch (e) { showError(e); }
}

/** R22: tell every subscriber that registration is open, and follow the messages going out (notify.js). */
async function loadAnnounce() {
  try {
    const { announcementForm } = await import('./notify.js');
    await announcementForm(ctx.api, $('#announce-body'));
  } catch (e) { showError(e); }
}

ctx = await boot(['exam_office']);
if (ctx) {
  render();
  onLangChange(render);
  loadStats();
  const fromHash = () => { const id = decodeURIComponent(location.hash.slice(1)); if (id) openDetail(id).then(showDetail); };
  window.addEventListener('hashchange', fromHash);  // a similar image's link: office.html#<application id>
  fromHash();
}
