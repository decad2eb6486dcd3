// A few DOM helpers: the pages build their views with h() and replace whole sections on change.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    // Through the CSSOM, which the Content-Security-Policy allows: a style attribute would be inline style.
    else if (key === 'style') el.style.cssText = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function replace(target, ...children) {
  target.replaceChildren();
  append(target, children);
}

const URL_REUSE_MS = 8 * 60 * 1000;  // a link stays valid 10 minutes after it is handed out at least
const urls = new Map();

/** The image's link (`url`, or another link field), the one already shown while it is fresh and for the
 * same object: a re-render with a newly signed URL would load the picture again (a flash, and bytes). */
export function imageUrl(image, field = 'url') {
  const url = image[field];
  if (!url) return null;
  const object = url.split('?')[0];
  const key = `${field} ${image.imageId}`;
  const cached = urls.get(key);
  if (cached && cached.object === object && Date.now() - cached.at < URL_REUSE_MS) return cached.url;
  urls.set(key, { object, url, at: Date.now() });
  return url;
}

/** What pages and queues show of an image: its thumbnail (the full picture loads only when opened). */
export function thumbnailUrl(image) {
  return imageUrl(image, image.thumbnailUrl ? 'thumbnailUrl' : 'url');
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** ISO 8601 or epoch seconds (the first release sent epochs for claims) -> Date. */
export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
}

export function fmtTime(value) {
  const d = toDate(value);
  if (!d || Number.isNaN(d.getTime())) return '';
  const pad = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
