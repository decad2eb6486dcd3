// The exam season's dates as the pages show them (the API's `window` and review deadlines): the
// candidate's countdown to the time that applies, reviewers' deadlines, a queue line's due date. Every
// time in Beijing time, whatever the browser's zone: the exam office sets them so, candidates read them so.

import { h } from './dom.js';
import { extend, t } from './i18n.js';

extend({
  zh: {
    uploadCloses: '材料上传截止', fixUntil: '退回修改截止', uploadOpens: '材料上传开始', windowTitle: '上传时间',
    beijingTime: '北京时间', left: '还剩 {time}', closed: '已截止,不能再上传或删除材料', notYet: '尚未开始',
    lastDay: '最后一天,请尽快完成,不要等到最后一刻', windowDates: '上传 {opens} 至 {closes};退回修改至 {fix}',
    reviewSITE: '考点审核截止', reviewREGION: '考区审核截止', overdueBy: '已逾期 {time}', dueIn: '还剩 {time}',
    due: '截止 {at}', overdue: '逾期', d: '{n} 天', h: '{n} 小时', m: '{n} 分', s: '{n} 秒',
  },
  en: {
    uploadCloses: 'Uploads close', fixUntil: 'Changes due', uploadOpens: 'Uploads open', windowTitle: 'Upload window',
    beijingTime: 'Beijing time', left: '{time} left', closed: 'Closed: materials can no longer be uploaded or deleted',
    notYet: 'not yet open', lastDay: 'Last day: finish now, not at the last minute',
    windowDates: 'Uploads {opens} to {closes}; returned applications until {fix}',
    reviewSITE: 'Site review due', reviewREGION: 'Region review due', overdueBy: 'overdue by {time}', dueIn: '{time} left',
    due: 'due {at}', overdue: 'overdue', d: '{n} d', h: '{n} h', m: '{n} min', s: '{n} s',
  },
});

const BEIJING = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  hourCycle: 'h23',
});

/** `2026-03-20 17:00`, Beijing time. */
export function beijing(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const part = Object.fromEntries(BEIJING.formatToParts(d).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** A duration in days, hours, minutes (and seconds in the last hour): "2 天 5 小时 3 分". */
export function countdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [d, hh, mm, ss] = [Math.floor(total / 86400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
  const parts = d ? [t('d', { n: d }), t('h', { n: hh })] : hh ? [t('h', { n: hh }), t('m', { n: mm })] : [t('m', { n: mm }), t('s', { n: ss })];
  return parts.join(' ');
}

// One ticking clock for whatever countdowns are on the page; a countdown gone from the page is dropped.
const ticking = new Set();
setInterval(() => {
  for (const tick of ticking) {
    if (!tick.el.isConnected) ticking.delete(tick);
    else tick.update();
  }
}, 1000);

function ticker(el, update) {
  update();
  ticking.add({ el, update });
  return el;
}

/** The candidate's window (`page.window`): the time that applies now, counted down to, and the dates. */
export function windowBanner(page) {
  const w = page?.window;
  if (!w) return null;
  const closesAt = w.closesAt ? new Date(w.closesAt).getTime() : null;
  const opensAt = new Date(w.uploadOpens).getTime();
  const label = w.applies === 'fixUntil' ? t('fixUntil') : t('uploadCloses');
  const state = () => {
    const now = Date.now();
    if (closesAt === null) return { kind: 'info', text: '' };
    if (now < opensAt) return { kind: 'soon', text: `${t('uploadOpens')} ${beijing(w.uploadOpens)} · ${t('notYet')}` };
    if (now >= closesAt) return { kind: 'closed', text: t('closed') };
    const left = closesAt - now;
    return { kind: left < 86400_000 ? 'urgent' : left < 3 * 86400_000 ? 'soon' : 'open', text: t('left', { time: countdown(left) }) };
  };
  const live = h('strong', { class: 'countdown', role: 'timer', 'aria-live': 'off' });
  const hint = h('p', { class: 'window-hint', hidden: true }, t('lastDay'));
  const section = h('section', { class: 'card window', 'aria-labelledby': 'window-h', 'data-applies': w.applies || '' },
    h('div', { class: 'card-head' }, h('h2', { id: 'window-h' }, w.closesAt ? `${label} ${beijing(w.closesAt)}` : t('windowTitle'),
      h('span', { class: 'muted tz' }, `(${t('beijingTime')})`)), live),
    hint,
    h('p', { class: 'muted window-dates' }, t('windowDates', {
      opens: beijing(w.uploadOpens), closes: beijing(w.uploadCloses), fix: beijing(w.fixUntil) })));
  return ticker(section, () => {
    const s = state();
    section.dataset.state = s.kind;
    live.textContent = s.text;
    hint.hidden = s.kind !== 'urgent';
  });
}

/** A reviewer's deadline at the level the application waits at (`page.reviewDeadline`). */
export function reviewDeadline(deadline) {
  if (!deadline) return null;
  const due = new Date(deadline.due).getTime();
  const text = h('span', { class: 'left' });
  const el = h('p', { class: 'review-deadline', 'data-level': deadline.level },
    h('strong', {}, `${t(`review${deadline.level}`)} ${beijing(deadline.due)}`), ` (${t('beijingTime')}) · `, text);
  return ticker(el, () => {
    const left = due - Date.now();
    el.classList.toggle('overdue', left <= 0);
    text.textContent = left > 0 ? t('dueIn', { time: countdown(left) }) : t('overdueBy', { time: countdown(-left) });
  });
}

/** A queue line's review deadline: its date, or "overdue". */
export function dueTag(item) {
  if (!item.reviewDue) return null;
  const late = new Date(item.reviewDue).getTime() <= Date.now();
  return h('span', { class: `q-due ${late ? 'overdue' : ''}`, title: `${beijing(item.reviewDue)} (${t('beijingTime')})` },
    late ? `⏰ ${t('overdue')}` : t('due', { at: beijing(item.reviewDue).slice(5) }));
}
