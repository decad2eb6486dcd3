// Notifications (R22, status changes): the candidate's number and consent and their registration-opening
// subscriptions; the exam office's "registration is open" announcement and its progress. Loaded only
// when the candidate opens the settings (and by the office page). Nothing here ever asks for a password.

import { fmtTime, h, replace } from './dom.js';
import { extend, t } from './i18n.js';
import { showError, toast } from './shell.js';

extend({
  zh: {
    phoneLabel: '手机号码', phoneHint: '11 位中国大陆手机号码',
    consentText: '我已阅读并同意隐私声明:手机号码仅用于发送报名审核状态变化和报名开通提醒短信,不作他用,可随时删除。',
    noPassword: '本系统不会索取您在任何网站的密码。', save: '保存', saved: '已保存', changePhone: '更换号码',
    codeSent: '验证码已发送至 {phone},请在 10 分钟内输入短信中的 6 位数字。', codeLabel: '短信验证码', verify: '验证',
    verified: '手机号码已验证', resend: '重新获取验证码', resendAt: '{time} 后可重新获取', notVerified: '待验证',
    deleteContact: '删除号码及全部订阅', contactDeleted: '手机号码及订阅已删除。', consentAt: '同意时间',
    reminders: '报名开通提醒', subscribe: '订阅', unsubscribe: '取消订阅', noSubscriptions: '暂无订阅。',
    needContact: '保存并验证手机号码后才能收到短信。', subscribed: '已订阅', yearLabel: '考试年度', categoryLabel: '类别',
    announceText: '通知内容(可不填,默认:报名已开通)', send: '发送通知',
    recipients: '接收人数', sentCount: '已发送', failedCount: '未送达', done: '已完成', running: '发送中…',
  },
  en: {
    phoneLabel: 'Mobile number', phoneHint: '11-digit mainland China mobile number',
    consentText: 'I have read and agree to the privacy notice: the number is used only to text me about my application\'s status and when registration opens, for nothing else, and I can delete it at any time.',
    noPassword: 'This system never asks for your password on any website.', save: 'Save', saved: 'Saved',
    changePhone: 'Change number',
    codeSent: 'A code was texted to {phone}: type its 6 digits within 10 minutes.', codeLabel: 'Code from the text message',
    verify: 'Verify', verified: 'Number verified', resend: 'Send a new code', resendAt: 'A new code can be sent after {time}',
    notVerified: 'Not verified yet', deleteContact: 'Delete the number and every subscription',
    contactDeleted: 'Your number and subscriptions were deleted.', consentAt: 'Agreed', reminders: 'Registration-opening reminders',
    subscribe: 'Subscribe', unsubscribe: 'Unsubscribe', noSubscriptions: 'No subscriptions yet.',
    needContact: 'Save and verify a mobile number to receive the texts.', subscribed: 'Subscribed', yearLabel: 'Exam year',
    categoryLabel: 'Category',
    announceText: 'Message (optional; default: registration is open)', send: 'Send', recipients: 'Recipients',
    sentCount: 'Sent', failedCount: 'Not delivered', done: 'Done', running: 'Sending…',
  },
});

function options(values, selected) {
  return values.map((v) => h('option', { value: String(v), selected: String(v) === String(selected) }, String(v)));
}

// ------------------------------------------------------------------ the candidate's settings

/** Fills `box` with the candidate's number, consent and subscriptions; re-renders after each change. */
export async function candidateSettings(api, box) {
  const [subs, choices] = await Promise.all([api.get('/subscriptions'), api.get('/categories')]);
  const contact = subs.hasContact ? await api.get('/me/contact') : null;
  // `sent`: the code texted to the number just given (202), until it is typed; `phone`: that number,
  // as typed, for a new code. A number counts (and replaces the saved one) only once verified.
  // After a reload, a code texted and not typed yet is asked for again (the number is known only masked
  // then: a new code needs the number typed again).
  const state = { subs, choices, contact, editing: !contact, sent: subs.pendingNumber || null, phone: '' };
  // Our own 429 (TOO_MANY_ATTEMPTS) and a spent try are answers, not "later": never retried by themselves.
  const once = (method, path, body) => api.request(method, path, { body, retry: false }).then((r) => r.data);

  const reload = async () => {
    state.subs = await api.get('/subscriptions');
    state.contact = state.subs.hasContact ? await api.get('/me/contact') : null;
    render();
  };
  const sendCode = async (phone, consent) => {
    state.sent = await once('PUT', '/me/contact', { phone, consent });
    state.phone = phone;
    render();
    box.querySelector('input[name=code]')?.focus();
  };
  const act = (fn) => async (event) => {
    event?.preventDefault();
    try { await fn(event); } catch (e) { showError(e); }
  };

  function codePart() {
    const { sent } = state;
    return h('form', {
      class: 'code-form', onsubmit: act(async (e) => {
        state.contact = await once('POST', '/me/contact/verify', { code: e.target.code.value.trim() });
        state.sent = null;
        state.editing = false;
        toast(t('verified'), 'info');
        await reload();
      }),
    },
    h('p', { role: 'status' }, t('codeSent', { phone: sent.phoneMasked })),
    h('label', {}, t('codeLabel'),
      h('input', { name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true,
        pattern: '[0-9]{6}', maxlength: '6', placeholder: '000000' })),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, t('verify')),
      state.phone ? h('button', { type: 'button', onclick: act(() => sendCode(state.phone, true)) }, t('resend')) : null,
      h('button', { type: 'button', class: 'link', onclick: () => { state.sent = null; state.editing = true; render(); } },
        t('changePhone'))),
    state.phone ? h('p', { class: 'muted' }, t('resendAt', { time: fmtTime(sent.resendAfter) })) : null);
  }

  function contactPart() {
    const c = state.contact;
    if (state.sent) return codePart();
    if (c && !state.editing) {
      return h('div', { class: 'contact' },
        h('p', {}, h('strong', { class: 'masked' }, c.phoneMasked), ' ',
          h('span', { class: 'muted' }, `${t('consentAt')} ${fmtTime(c.consentAt)}`)),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', onclick: () => { state.editing = true; render(); } }, t('changePhone')),
          h('button', {
            type: 'button', class: 'danger', onclick: act(async () => {
              await api.del('/me/contact');
              toast(t('contactDeleted'), 'info');
              state.editing = true;
              await reload();
            }),
          }, t('deleteContact'))));
    }
    return h('form', {
      class: 'contact-form', onsubmit: act(async (e) => {
        const form = e.target;
        await sendCode(form.phone.value.trim(), form.consent.checked);
      }),
    },
    h('label', {}, t('phoneLabel'),
      h('input', { name: 'phone', type: 'tel', inputmode: 'numeric', autocomplete: 'tel', required: true, maxlength: '20', placeholder: t('phoneHint') })),
    h('label', { class: 'consent' }, h('input', { name: 'consent', type: 'checkbox' }), h('span', {}, t('consentText'))),
    h('button', { type: 'submit', class: 'primary' }, t('save')));
  }

  function subscriptionsPart() {
    const { items, hasContact } = state.subs;
    return h('div', { class: 'subscriptions' },
      h('h3', {}, t('reminders')),
      hasContact ? null : h('p', { class: 'requested' }, t('needContact')),
      items.length ? h('ul', {}, items.map((s) => h('li', { 'data-subscription': s.id },
        `${s.examYear} ${s.category} `,
        h('button', {
          type: 'button', class: 'link', onclick: act(async () => {
            await api.del(`/subscriptions/${encodeURIComponent(s.id)}`);
            await reload();
          }),
        }, t('unsubscribe'))))) : h('p', { class: 'muted' }, t('noSubscriptions')),
      h('form', {
        class: 'subscribe', onsubmit: act(async (e) => {
          const form = e.target;
          await api.post('/subscriptions', { examYear: Number(form.year.value), category: form.category.value });
          toast(t('subscribed'), 'info');
          await reload();
        }),
      },
      h('label', {}, t('yearLabel'), h('select', { name: 'year' }, options(state.choices.examYears))),
      h('label', {}, t('categoryLabel'), h('select', { name: 'category' }, options(state.choices.categories))),
      h('button', { type: 'submit' }, t('subscribe'))));
  }

  function render() {
    replace(box, contactPart(), h('p', { class: 'muted' }, t('noPassword')), subscriptionsPart());
  }
  render();
}

// ------------------------------------------------------------------ the exam office's announcement

const POLL_MS = 2000;

/** The office's form; after sending, the progress until it is done. */
export async function announcementForm(api, box) {
  const choices = await api.get('/categories');
  const progress = h('div', { class: 'announce-progress', 'aria-live': 'polite' });
  let timer;

  async function follow(id) {
    clearTimeout(timer);
    try {
      const p = await api.get(`/announcements/${encodeURIComponent(id)}`);
      replace(progress, h('dl', { class: 'meta', 'data-announcement': id },
        h('dt', {}, t('recipients')), h('dd', { 'data-count': 'recipients' }, String(p.recipients)),
        h('dt', {}, t('sentCount')), h('dd', { 'data-count': 'sent' }, String(p.sent)),
        h('dt', {}, t('failedCount')), h('dd', { 'data-count': 'failed' }, String(p.failed))),
      h('p', { role: 'status' }, p.done ? t('done') : t('running')));
      if (!p.done && box.isConnected) timer = setTimeout(() => follow(id), POLL_MS);
    } catch (e) { showError(e); }
  }

  const year = new Date().getFullYear();
  replace(box, h('form', {
    class: 'announce-form', onsubmit: async (e) => {
      e.preventDefault();
      const form = e.target;
      const text = form.text.value.trim();
      try {
        const { announcementId } = await api.post('/announcements', {
          examYear: Number(form.year.value), category: form.category.value, ...(text ? { text } : {}) });
        follow(announcementId);
      } catch (err) { showError(err); }
    },
  },
  h('label', {}, t('yearLabel'), h('select', { name: 'year' }, options([year, year + 1, year + 2], choices.examYears?.[0] ?? year))),
  h('label', {}, t('categoryLabel'), h('select', { name: 'category' }, options(choices.categories))),
  h('label', {}, t('announceText'), h('textarea', { name: 'text', maxlength: '300', rows: '2' })),
  h('button', { type: 'submit', class: 'primary' }, t('send'))), progress);
}
