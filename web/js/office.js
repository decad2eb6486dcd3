// The exam office (R20, R21): find any application, the season's progress per site as a chart,
// trace a watermark reference to its image, and set the later phases. Routes the API does not have
// yet say so ("not available yet") instead of failing.

import { ApiError } from './api.js';
import { fmtTime, h, replace } from './dom.js';
import { extend, onLangChange, pick, t } from './i18n.js';
import { boot, showError, toast } from './shell.js';

extend({
  zh: {
    search: '查询报名', searchHint: '证件号码、姓名或报名号', searchButton: '查询', results: '查询结果', noResults: '未找到。',
    searchById: '按证件号码、姓名查询尚未开放,已按报名号查询。', stats: '各考点审核进度', trace: '水印追溯',
    traceHint: '水印上的编号', traceButton: '追溯', phase: '考试阶段', setPhase: '设为', updated: '更新时间',
    asOf: '统计时间', waitingNow: '等待中', p50: '中位等待', open: '查看', statusOf: '状态', imageOf: '图片', type: '材料',
    idNumber: '证件号码', watermarkedAt: '加水印时间', materialsDone: '材料', candidate: '考生', saved: '已保存', minutesN: '{n} 分钟',
    announce: '报名开通通知',
  },
  en: {
    search: 'Find an application', searchHint: 'ID number, name or application id', searchButton: 'Search', results: 'Results',
    noResults: 'Nothing found.', searchById: 'Search by ID number or name is not available yet; searched by application id.',
    stats: 'Review progress per site', trace: 'Trace a watermark', traceHint: 'the reference printed in the watermark',
    traceButton: 'Trace', phase: 'Exam phase', setPhase: 'Set to', updated: 'Updated', asOf: 'as of', waitingNow: 'waiting',
    p50: 'median wait', open: 'Open', statusOf: 'Status', imageOf: 'Image', type: 'Material', watermarkedAt: 'Watermarked',
    idNumber: 'ID number', materialsDone: 'Materials', candidate: 'Candidate', saved: 'Saved', minutesN: '{n} min',
    announce: 'Announce that registration is open',
  },
});

const PHASES = [['READY_FOR_EXAM', '备考', 'Ready for exam'], ['PASSED', '通过', 'Passed'], ['FAILED', '未通过', 'Failed']];
const STATUS_LABELS = { DRAFT: ['填报', 'Filling in'], RETURNED: ['退回修改', 'Returned'], SITE_APPROVED: ['考点通过', 'Site approved'],
  APPROVED: ['审核通过', 'Approved'], REJECTED: ['审核拒绝', 'Rejected'], READY_FOR_EXAM: ['备考', 'Ready for exam'],
  PASSED: ['通过', 'Passed'], FAILED: ['未通过', 'Failed'] };
const statusLabel = (code) => (STATUS_LABELS[code] || [code, code])[document.documentElement.lang === 'en' ? 1 : 0];
const COLOURS = { DRAFT: '#9aa8b8', RETURNED: '#e8912d', SITE_APPROVED: '#5b9bd5', APPROVED: '#2e8b57', REJECTED: '#c0392b',
  READY_FOR_EXAM: '#1f6fb2', PASSED: '#16643a', FAILED: '#7f1d1d' };
let ctx;
const state = { results: null, note: null, detail: null, stats: undefined, trace: null };
const $ = (sel) => document.querySelector(sel);
const unavailable = () => h('p', { class: 'unavailable' }, t('notAvailable'));

async function search(q) {
  state.note = null;
  try {
    const data = await ctx.api.get(`/review/applications?q=${encodeURIComponent(q)}&limit=50`);
    state.results = data.items;
  } catch (e) {
    if (!(e instanceof ApiError && e.unavailable)) { showError(e); return; }
    // Until the search route lands: an exact application id still finds it.
    state.note = t('searchById');
    try {
      const page = await ctx.api.get(`/review/applications/${encodeURIComponent(q)}`);
      state.results = [{ ...page.application, applicationId: page.application.id }];
    } catch (e2) {
      if (!(e2 instanceof ApiError && e2.status === 404)) showError(e2);
      state.results = [];
    }
  }
  renderSearch();
}

async function openDetail(id) {
  try {
    state.detail = await ctx.api.get(`/review/applications/${encodeURIComponent(id)}`);
    const app = state.detail.application;
    const row = (state.results || []).find((r) => (r.applicationId || r.id) === id);
    if (row) Object.assign(row, { status: app.status, statusLabel: app.statusLabel, statusLabelEn: app.statusLabelEn, updatedAt: app.updatedAt });
  } catch (e) { showError(e); }
  renderSearch();
}

async function setPhase(id, status) {
  try {
    await ctx.api.post(`/review/applications/${encodeURIComponent(id)}/phase`, { status });
    toast(t('saved'), 'info');
    await openDetail(id);
  } catch (e) { showError(e); }
}

function renderSearch() {
  const rows = state.results || [];
  const d = state.detail;
  replace($('#search-results'),
    state.note ? h('p', { class: 'unavailable' }, state.note) : null,
    state.results === null ? null : rows.length === 0 ? h('p', { class: 'muted' }, t('noResults')) : h('table', {},
      h('thead', {}, h('tr', {}, [t('application'), t('candidate'), t('site'), t('statusOf'), t('updated'), ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-app': r.applicationId || r.id },
        h('td', {}, r.applicationId || r.id),
        h('td', {}, r.candidateName || r.candidateId || '', r.idNumberMasked ? h('div', { class: 'muted' }, r.idNumberMasked) : null),
        h('td', {}, r.siteName || r.site),
        h('td', {}, h('span', { class: `status s-${r.status}` }, pick(r, 'statusLabel') || r.status)),
        h('td', {}, fmtTime(r.updatedAt)),
        h('td', {}, h('button', { type: 'button', onclick: () => openDetail(r.applicationId || r.id) }, t('open'))))))),
    d ? h('section', { class: 'card detail', 'aria-label': d.application.id },
      h('div', { class: 'card-head' }, h('h2', {}, `${d.application.candidateName || d.application.candidateId} · ${d.application.id}`),
        h('span', { role: 'status', class: `status s-${d.application.status}` }, pick(d.application, 'statusLabel'))),
      h('dl', { class: 'meta' },
        d.application.idNumber ? [h('dt', {}, t('idNumber')), h('dd', {}, d.application.idNumber)] : null,
        h('dt', {}, t('category')), h('dd', {}, `${d.application.examYear} ${d.application.category}`),
        h('dt', {}, t('site')), h('dd', {}, d.application.siteName || d.application.site),
        h('dt', {}, t('materialsDone')), h('dd', {}, d.materials.map((m) => `${pick(m, 'name')} ${m.images.length}/${m.maxCount}`).join(' · '))),
      h('div', { class: 'buttons' }, h('span', {}, `${t('phase')}:`),
        PHASES.map(([code, zh, en]) => h('button', {
          type: 'button', 'data-phase': code, onclick: () => setPhase(d.application.id, code),
        }, `${t('setPhase')} ${document.documentElement.lang === 'en' ? en : zh}`)))) : null);
}

async function loadStats() {
  try {
    state.stats = await ctx.api.get('/review/stats');
  } catch (e) {
    state.stats = e instanceof ApiError && e.unavailable ? null : undefined;
    if (state.stats === undefined) showError(e);
  }
  renderStats();
}

/** Stacked bars, one per site, by status: plain SVG, no library. */
export function chart(sites) {
  const codes = Object.keys(COLOURS);
  const rowH = 28;
  const labelW = 120;
  const width = 640;
  const max = Math.max(1, ...sites.map((s) => codes.reduce((n, c) => n + (s.byStatus?.[c] || 0), 0)));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${sites.length * rowH + 10}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('stats'));
  const el = (tag, attrs, text) => {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  sites.forEach((s, row) => {
    const y = row * rowH + 5;
    el('text', { x: 0, y: y + 17, 'font-size': 12 }, s.siteName || s.site);
    let x = labelW;
    for (const code of codes) {
      const n = s.byStatus?.[code] || 0;
      if (!n) continue;
      const w = (n / max) * (width - labelW - 40);
      el('rect', { x, y, width: w, height: rowH - 8, fill: COLOURS[code] }).append(
        Object.assign(document.createElementNS('http://www.w3.org/2000/svg', 'title'), { textContent: `${statusLabel(code)}: ${n}` }));
      x += w;
    }
    el('text', { x: x + 4, y: y + 17, 'font-size': 12 }, String(codes.reduce((n, c) => n + (s.byStatus?.[c] || 0), 0)));
  });
  return svg;
}

function renderStats() {
  const s = state.stats;
  replace($('#stats-body'),
    s === null ? unavailable() : !s ? null : [
      h('p', { class: 'muted' }, `${t('asOf')} ${fmtTime(s.asOf)}`),
      h('div', { class: 'chart' }, chart(s.sites || [])),
      h('div', { class: 'legend' }, Object.entries(COLOURS).map(([code, colour]) => h('span', {}, h('i', { style: `background:${colour}` }), statusLabel(code)))),
      h('table', {}, h('tbody', {}, (s.sites || []).map((x) => h('tr', {}, h('td', {}, x.siteName || x.site),
        h('td', {}, `${t('waitingNow')} ${x.waiting?.count ?? 0}`),
        h('td', {}, x.waiting?.count && x.waiting.p50Seconds != null
          ? `${t('p50')} ${t('minutesN', { n: Math.round(x.waiting.p50Seconds / 60) })}` : '')))))]);
}

async function trace(reference) {
  try {
    state.trace = await ctx.api.get(`/review/trace/${encodeURIComponent(reference)}`);
  } catch (e) {
    state.trace = e instanceof ApiError && e.unavailable ? 'unavailable' : 'missing';
    if (!(e instanceof ApiError && e.status === 404)) showError(e);
  }
  const r = state.trace;
  replace($('#trace-result'),
    r === 'unavailable' ? unavailable() : r === 'missing' ? h('p', { class: 'muted' }, t('noResults')) : h('dl', { class: 'meta' },
      [['application', r.applicationId], ['candidate', `${r.candidateName || ''} ${r.idNumberMasked || ''}`], ['type', r.type],
        ['imageOf', r.imageId], ['watermarkedAt', fmtTime(r.watermarkedAt)]]
        .map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])));
}

function render() {
  replace(document.getElementById('main'),
    h('section', { class: 'card' }, h('h1', {}, t('search')),
      h('form', { role: 'search', onsubmit: (e) => { e.preventDefault(); const q = $('#q').value.trim(); if (q) search(q); } },
        h('input', { id: 'q', type: 'search', placeholder: t('searchHint'), 'aria-label': t('searchHint') }),
        h('button', { type: 'submit', class: 'primary' }, t('searchButton'))),
      h('div', { id: 'search-results' })),
    h('section', { class: 'card' }, h('h2', {}, t('stats')), h('div', { id: 'stats-body' })),
    h('section', { class: 'card' }, h('h2', {}, t('trace')),
      h('form', { onsubmit: (e) => { e.preventDefault(); const r = $('#ref').value.trim(); if (r) trace(r); } },
        h('input', { id: 'ref', type: 'text', placeholder: t('traceHint'), 'aria-label': t('traceHint') }),
        h('button', { type: 'submit' }, t('traceButton'))),
      h('div', { id: 'trace-result' })),
    h('section', { class: 'card announce', 'aria-labelledby': 'announce-h' }, h('h2', { id: 'announce-h' }, t('announce')),
      h('div', { id: 'announce-body' })));
  renderSearch();
  renderStats();
  loadAnnounce();
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
}
