// The presigned S3 POST (R6): the policy's fields first, the file last (S3 ignores fields after it),
// with upload progress from XHR (fetch has none); and one image's way in, throttling ridden out.

import { backoffMs, shouldRetry, waitToRetry } from './api.js';

export class UploadError extends Error {
  constructor(status, body) {
    super(`S3 POST ${status}`);
    this.status = status;
    this.body = body;
    this.code = /<Code>([^<]+)<\/Code>/.exec(body || '')?.[1] || null;  // SlowDown, AccessDenied...
    // S3 refuses a POST whose policy has run out; the reservation behind it has run out with it.
    this.expired = status === 403 && /policy expired/i.test(body || '');
  }
}

export function postToS3(upload, blob, fileName, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', blob, fileName);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', upload.url);
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300
      ? resolve() : reject(new UploadError(xhr.status, xhr.responseText))));
    xhr.addEventListener('error', () => reject(new UploadError(0, '')));
    xhr.send(form);
  });
}

const MARGIN_MS = 15_000;  // a POST started this close to the policy's end may not finish in time

/** When this tab should stop using a reservation (local clock). A phone's clock can be minutes off, so
 * the lifetime the API gives is only trusted between 1 minute and 1 hour; S3 says "expired" otherwise. */
export function deadlineOf(reserved, receivedAt = Date.now()) {
  const ends = reserved.expiresAtEpoch ? reserved.expiresAtEpoch * 1000 : Date.parse(reserved.expiresAt);
  const left = Number.isFinite(ends) ? ends - receivedAt : 60_000;
  return receivedAt + Math.min(Math.max(left, 60_000), 3_600_000) - MARGIN_MS;
}

/**
 * One image in: reserve a place, POST the file to S3, and ride out what S3 or the API says "later" to.
 * The same reservation's POST is retried while its policy lasts (same key: a repeat overwrites, never
 * adds); once it has run out the place is given back and reserved again, so the image is never lost
 * and never there twice. `reserve()` resolves a reservation (the API client waits out its 429s);
 * `release(reserved)` frees one; `onReserved(reserved)` is told each new one. Resolves the reservation
 * the file went to.
 */
export async function sendImage({ reserve, release, blob, fileName, onProgress = () => {}, onReserved = () => {} }) {
  let reserved = null;
  let deadline = 0;
  let renewals = 0;
  const renew = async () => {
    if (reserved) await release(reserved).catch(() => {});  // gone already, or freed now
    reserved = await reserve();
    deadline = deadlineOf(reserved);
    renewals += 1;
    onReserved(reserved);
  };
  await renew();
  const startedAt = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    if (Date.now() >= deadline) await renew();
    try {
      await postToS3(reserved.upload, blob, fileName, onProgress);
      return reserved;
    } catch (e) {
      if (e.expired && renewals < 4) {
        deadline = 0;  // S3's clock says so: a fresh policy, at once
        continue;
      }
      if (!shouldRetry(e.status, attempt, startedAt)) {
        await release(reserved).catch(() => {});  // free the place now rather than when it expires
        throw e;
      }
      onProgress(0);
      await waitToRetry(backoffMs(attempt));
    }
  }
}
