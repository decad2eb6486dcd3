// A question before what is final or loses something (rejecting an application, deleting a photo): a
// modal <dialog> that names what it is about, with the safe answer focused; Esc or 取消 says no, and
// focus goes back where it was.

import { h } from './dom.js';
import { t } from './i18n.js';

/** Resolves true when `yes` is chosen. */
export function confirmDialog({ title, body, yes, danger = true }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' });
    const answer = (value) => {
      dialog.close();
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      resolve(value);
    };
    const no = h('button', { type: 'button', class: 'cancel', onclick: () => answer(false) }, t('cancel'));
    dialog.append(h('h2', { id: 'confirm-title' }, title), h('p', { id: 'confirm-body' }, body),
      h('div', { class: 'buttons' }, no,
        h('button', { type: 'button', class: danger ? 'danger solid' : 'primary', onclick: () => answer(true) }, yes)));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); answer(false); });  // Esc
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
