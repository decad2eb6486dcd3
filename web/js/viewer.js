// The full picture, loaded only when its thumbnail is opened: a dialog over the page (the whole screen
// on a phone). The picture first fits the screen; a tap (or 原始大小) shows it at its own size, where the
// watermark's text reads, moved by scrolling; Esc, 关闭 or the back of the dialog close it.

import { h, imageUrl } from './dom.js';
import { extend, t } from './i18n.js';

extend({
  zh: { enlarge: '点击查看大图', actualSize: '原始大小', fitScreen: '适合屏幕', close: '关闭' },
  en: { enlarge: 'Tap to see it large', actualSize: 'Actual size', fitScreen: 'Fit the screen', close: 'Close' },
});

/** The link that opens an image in the viewer: its thumbnail inside, the full picture's address as its
 * target (a link works without the viewer too), nothing of the full picture fetched before a tap. */
export function pictureLink(image, label, thumbnail) {
  return h('a', {
    href: imageUrl(image), class: 'open-picture', title: t('enlarge'),
    onclick: (e) => { e.preventDefault(); openPicture(image, label, e.currentTarget); },
  }, thumbnail);
}

export function openPicture(image, label, opener = null) {
  const img = h('img', { src: imageUrl(image), alt: label, class: 'fit', width: image.width, height: image.height });
  const size = h('button', { type: 'button', 'aria-pressed': 'false' }, t('actualSize'));
  const toggle = () => {
    const fit = img.classList.toggle('fit');
    size.setAttribute('aria-pressed', String(!fit));
    size.textContent = fit ? t('actualSize') : t('fitScreen');
  };
  size.addEventListener('click', toggle);
  img.addEventListener('click', toggle);
  const dialog = h('dialog', { class: 'picture', 'aria-label': label },
    h('div', { class: 'picture-bar' },
      h('span', { class: 'picture-title' }, label), size,
      h('button', { type: 'button', class: 'picture-close', onclick: () => dialog.close() }, t('close'))),
    h('div', { class: 'picture-box' }, img));
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });  // the backdrop
  dialog.addEventListener('close', () => { dialog.remove(); opener?.focus(); });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
