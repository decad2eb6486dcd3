// The presigned S3 POST (R6): the policy's fields first, the file last (S3 ignores fields after it),
// with upload progress from XHR (fetch has none).

export class UploadError extends Error {
  constructor(status, body) { super(`S3 POST ${status}`); this.status = status; this.body = body; }
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
