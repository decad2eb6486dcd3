// HEIC (iPhone's default format) in the browser: libheif compiled to WebAssembly, vendored under
// /vendor/libheif (web/vendor/README.md), loaded only when a HEIC photo is chosen.

let loading;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

function libheif() {
  // This build instantiates WebAssembly synchronously, so it is handed the binary rather than a URL.
  loading ??= Promise.all([
    loadScript('/vendor/libheif/libheif.js'),
    fetch('/vendor/libheif/libheif.wasm').then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`libheif.wasm ${r.status}`)))),
  ]).then(([, wasm]) => window.libheif({ wasmBinary: new Uint8Array(wasm) }));
  loading.catch(() => { loading = null; });  // a failed load may be tried again
  return loading;
}

/** The primary image, upright as libheif applies the file's transformations, on a canvas. */
export async function decodeHeic(file) {
  const lib = await libheif();
  const decoder = new lib.HeifDecoder();
  const images = decoder.decode(new Uint8Array(await file.arrayBuffer()));
  if (!images.length) throw new Error('no image in HEIC');
  const image = images[0];
  const width = image.get_width();
  const height = image.get_height();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const data = ctx.createImageData(width, height);
  await new Promise((resolve, reject) => image.display(data, (out) => (out ? resolve() : reject(new Error('HEIC decode')))));
  ctx.putImageData(data, 0, 0);
  for (const img of images) img.free?.();
  decoder.free?.();
  return canvas;
}
