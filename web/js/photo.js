// A phone photo in, an upright JPEG of at most `maxBytes` out (R5, R8). Most phone photos are
// 1-5 MB; the limit is 200 KB. We compress first: decode upright (EXIF orientation), then step the
// JPEG quality down, then the size, keeping the short side at 1000 px or more where the original has it.
// Loaded only when a file is chosen.

export class PhotoError extends Error {
  constructor(code) { super(code); this.code = code; }
}

const SHORT_SIDES = [1600, 1400, 1200, 1000];
const QUALITIES = [0.85, 0.75, 0.65, 0.55];
const MIN_SHORT_SIDE = 300;  // what process_image accepts (TOO_SMALL below it)

/** What the first bytes say the file is (the name and the browser's type often lie). */
export function sniff(head) {
  const b = head;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (String.fromCharCode(...b.slice(0, 5)) === '%PDF-') return 'pdf';
  const brand = String.fromCharCode(...b.slice(4, 12));
  if (/^ftyp(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif)/.test(brand)) return brand.includes('avif') ? 'avif' : 'heic';
  return 'other';
}

function encode(canvas, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

async function decode(file) {
  try {
    // 'from-image' applies the EXIF orientation, so the pixels come out upright.
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
}

function draw(source, scale) {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(source.width * scale));
  canvas.height = Math.max(1, Math.round(source.height * scale));
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';  // a transparent PNG becomes white, not black, as JPEG
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** Quality first, then size; below 1000 px only when nothing larger fits. */
export async function shrink(source, maxBytes) {
  const short = Math.min(source.width, source.height);
  const sides = [...new Set(SHORT_SIDES.map((s) => Math.min(s, short)))];
  for (const side of sides) {
    const canvas = draw(source, side / short);
    for (const quality of QUALITIES) {
      const blob = await encode(canvas, quality);
      if (blob && blob.size <= maxBytes) return { blob, width: canvas.width, height: canvas.height, quality };
    }
  }
  for (let side = Math.min(1000, short) * 0.8; side >= MIN_SHORT_SIDE; side *= 0.8) {
    const canvas = draw(source, side / short);
    const blob = await encode(canvas, 0.6);
    if (blob && blob.size <= maxBytes) return { blob, width: canvas.width, height: canvas.height, quality: 0.6 };
  }
  throw new PhotoError('tooComplex');
}

/**
 * The file to upload: {blob, type, before, after, width, height, converted}.
 * A JPEG or PNG already within the limit goes as it is (process_image makes it upright, R5).
 */
export async function prepare(file, maxBytes, onStage = () => {}) {
  const kind = sniff(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
  if ((kind === 'jpeg' || kind === 'png') && file.size <= maxBytes) {
    return { blob: file, type: `image/${kind}`, before: file.size, after: file.size, converted: false };
  }
  if (kind === 'pdf') throw new PhotoError('pdf');  // a scan saved as PDF: say so, not "not a picture"
  let source = await decode(file);
  if (!source && kind === 'heic') {
    onStage('heic');
    const { decodeHeic } = await import('./heic.js');  // ~1.5 MB of decoder, only for HEIC photos
    source = await decodeHeic(file).catch(() => null);
  }
  if (!source) throw new PhotoError(kind === 'heic' ? 'heicFailed' : 'cannotDecode');
  onStage('compress');
  let out;
  try {
    out = await shrink(source, maxBytes);
  } finally {
    source.close?.();  // a decoded 12-megapixel photo holds ~48 MB until closed
  }
  return { blob: out.blob, type: 'image/jpeg', before: file.size, after: out.blob.size,
    width: out.width, height: out.height, converted: true };
}
