// The machine pre-checks on the pages (api-contract.md "Machine pre-checks"): advice, never a refusal.
// The candidate sees each finding with how to fix it, at once; reviewers and the exam office see what was
// read beside the registration's values (differences marked), a badge when every check passed, and one
// key (P) that approves every image whose checks passed.

import { h } from './dom.js';
import { extend, msg, t } from './i18n.js';

extend({
  zh: {
    checksTitle: '机器预检', checksPending: '机器预检中…', checksPassed: '预检通过', allPassed: '机器预检全部通过',
    approvePassed: '通过全部预检通过的图片', checksHint: '机器预检是提示,不影响提交;审核人员也能看到。需要更换时,先删除该照片再上传。',
    readValue: '识别结果', registered: '报名信息', docType: '识别为', readName: '姓名', readNumber: '公民身份号码',
    readValid: '有效期至', notRead: '未识别', k_passed: '通过全部预检通过的图片',
    c_WRONG_DOCUMENT: '材料不符', c_ID_NUMBER_MISMATCH: '号码不符', c_NAME_MISMATCH: '姓名不符', c_ID_EXPIRED: '证件过期',
    c_UNREADABLE: '无法识别',
    d_ID_CARD_FRONT: '身份证人像面', d_ID_CARD_BACK: '身份证国徽面', d_DIPLOMA: '毕业证书', d_PRACTICE_PROOF: '试用期考核证明',
    d_RESIDENCE_PERMIT: '居住证明', d_OTHER: '其他材料',
  },
  en: {
    checksTitle: 'Machine pre-checks', checksPending: 'Checking…', checksPassed: 'Checks passed', allPassed: 'Every machine check passed',
    approvePassed: 'Approve every image that passed', checksHint: 'A pre-check is a hint, never a refusal, and reviewers see it too. To replace a photo, delete it, then upload the new one.',
    readValue: 'Read', registered: 'Registration', docType: 'Looks like', readName: 'Name', readNumber: 'Identity number',
    readValid: 'Valid until', notRead: 'not read', k_passed: 'approve every image whose checks passed',
    c_WRONG_DOCUMENT: 'wrong document', c_ID_NUMBER_MISMATCH: 'number differs', c_NAME_MISMATCH: 'name differs',
    c_ID_EXPIRED: 'expired', c_UNREADABLE: 'unreadable',
    d_ID_CARD_FRONT: 'ID card, front', d_ID_CARD_BACK: 'ID card, back', d_DIPLOMA: 'Diploma', d_PRACTICE_PROOF: 'Probation certificate',
    d_RESIDENCE_PERMIT: 'Residence permit', d_OTHER: 'Other document',
  },
});

const codeName = (code) => t(`c_${code}`);
const findingsOf = (image) => image.checks?.findings || [];

/** Images whose checks are done and found nothing, still waiting for a reviewer. */
export function passedImages(page) {
  return (page?.materials || []).flatMap((m) => m.images).filter((i) => i.status === 'SUBMITTED' && i.checks?.passed === true);
}

/** Every checked image done and passed (and at least one checked): the reviewer's badge. */
export function allPassed(page) {
  const checked = (page?.materials || []).flatMap((m) => m.images).filter((i) => i.checks && i.checks.state !== 'SKIPPED');
  return checked.length > 0 && checked.every((i) => i.checks.passed === true);
}

export function checksPending(image) {
  return image.checks?.state === 'PENDING';
}

// ------------------------------------------------------------------ the candidate's page

/** On a tile: "checking…" while pending, a tag per finding once done. */
export function checkTags(image) {
  if (checksPending(image)) return h('span', { class: 'check-tag pending' }, t('checksPending'));
  const found = findingsOf(image);
  if (!found.length) return null;
  return h('span', { class: 'warn-tags' }, found.map((f) => h('span', {
    class: 'warn-tag check-finding', 'data-code': f.code, title: msg(f, 'message') }, `⚠ ${codeName(f.code)}`)));
}

/** Under a material's tiles: each finding with how to fix it, like the quality hints. */
export function candidateFindings(material, name) {
  const items = material.images.flatMap((image, k) => findingsOf(image).map((f) => h('li', {
    class: 'finding', 'data-code': f.code, 'data-image-id': image.imageId,
  }, h('strong', {}, `${name} ${k + 1} · ${codeName(f.code)}:`), msg(f, 'message'))));
  if (!items.length) return null;
  return h('div', { class: 'checks', role: 'note', 'aria-label': `${t('checksTitle')}: ${name}` },
    h('h3', {}, `⚠ ${t('checksTitle')}`), h('ul', {}, items), h('p', { class: 'muted' }, t('checksHint')));
}

// ------------------------------------------------------------------ the reviewer's console

/** What was read from this picture beside the registration's values; a difference is marked. */
export function checksPanel(image, app) {
  const checks = image.checks;
  if (!checks || checks.state === 'SKIPPED') return null;
  if (checks.state === 'PENDING') return h('div', { class: 'checks-panel pending', role: 'status' }, t('checksPending'));
  const read = checks.read || {};
  const same = (a, b) => String(a ?? '').toUpperCase() === String(b ?? '').toUpperCase();
  const row = (label, value, registered) => {
    if (value === null || value === undefined) return null;
    const differs = registered !== undefined && !same(value, registered);
    return h('tr', { class: differs ? 'differs' : 'same' },
      h('th', { scope: 'row' }, label), h('td', { class: 'read' }, differs ? h('mark', {}, value) : value),
      h('td', {}, registered ?? '—'));
  };
  const rows = [row(t('readName'), read.name, app.candidateName), row(t('readNumber'), read.idNumber, app.idNumber),
    row(t('readValid'), read.validUntil, undefined)].filter(Boolean);
  const found = findingsOf(image);
  return h('section', { class: `checks-panel ${found.length ? 'found' : 'clean'}`, 'aria-label': t('checksTitle') },
    h('div', { class: 'checks-head' }, h('strong', {}, t('checksTitle')),
      checks.documentType ? h('span', { class: 'muted' }, ` · ${t('docType')} ${t(`d_${checks.documentType}`)}`) : null,
      found.length ? null : h('span', { class: 'badge passed' }, `✓ ${t('checksPassed')}`)),
    found.length ? h('ul', { class: 'findings' }, found.map((f) => h('li', { 'data-code': f.code },
      h('span', { class: 'warn-tag' }, `⚠ ${codeName(f.code)}`), ' ', msg(f, 'message')))) : null,
    rows.length ? h('table', { class: 'read-vs' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, t('readValue')), h('th', {}, t('registered')))),
      h('tbody', {}, rows)) : null);
}

/** The badge and the one-key approval, above the application's decision. */
export function passedBar(page, { disabled, onApprove }) {
  const passing = passedImages(page);
  const badge = allPassed(page) ? h('span', { class: 'badge passed all-passed', role: 'status' }, `✓ ${t('allPassed')}`) : null;
  if (!badge && !passing.length) return null;
  return h('div', { class: 'passed-bar' }, badge,
    h('button', { type: 'button', class: 'good', id: 'approve-passed', disabled: disabled || !passing.length, onclick: onApprove },
      `${t('approvePassed')} (${passing.length}) (P)`));
}
