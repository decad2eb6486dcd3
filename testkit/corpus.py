"""A generated corpus of upload files for process_image (issue 4), all in memory and deterministic.

Every ``Case`` holds the bytes a candidate might upload, under the name they might give it, and what
the pipeline must make of it: ``expect == "ok"`` with the output size, or the INVALID reason code
(plus the detected format for UNSUPPORTED_FORMAT). ``corpus()`` builds the whole list once (~2 s);
the ``*_jpeg``/``*_png`` helpers are public so a benchmark can use the same pictures.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

MAX_BYTES = 204800  # R6; kept here too so the corpus does not depend on the code under test
RED = (220, 20, 20)


@dataclass(frozen=True)
class Case:
    name: str  # as uploaded; the extension is often a lie
    data: bytes
    expect: str  # "ok" or an INVALID reason code
    found: str | None = None  # UNSUPPORTED_FORMAT: what the file really is
    width: int | None = None  # ok: output size, upright
    height: int | None = None
    source_format: str | None = None  # ok: "JPEG" or "PNG"
    marker: tuple[int, int, int, int] | None = None  # ok: a box of the output that must be red (upright)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.expect == "ok"


# --- pictures ----------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _noise(size: tuple[int, int], seed: int) -> Image.Image:
    """Uniform 8-bit noise from a seeded PRNG (Pillow's effect_noise is not seedable)."""
    return Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))


def photo(size: tuple[int, int] = (1600, 1200), seed: int = 1, grain: int = 2) -> Image.Image:
    """A phone photo of a document on a desk: soft background, a paper sheet with lines of 'text',
    a red stamp, slight blur and sensor grain. ~150-190 KB as a 1600x1200 JPEG at q85."""
    w, h = size
    rnd = random.Random(seed)
    bg = Image.merge("RGB", [_noise((w // 128 + 2, h // 128 + 2), seed + k) for k in range(3)])
    img = bg.point(lambda v: 90 + v // 4).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    x0, y0 = w // 8, h // 8
    draw.rectangle([x0, y0, w - x0, h - y0], fill=(236, 232, 220))
    rows = max(3, (h - 2 * y0) // 60)
    pitch = (h - 2 * y0 - 80) // rows
    for i in range(rows):
        y = y0 + 40 + i * pitch
        x = x0 + 40
        xe = x0 + 40 + rnd.randrange(max(1, (w - 2 * x0 - 80) // 3), max(2, w - 2 * x0 - 80))
        while x < xe:
            wl = rnd.randrange(30, 120)
            draw.rectangle([x, y, min(x + wl, xe), y + max(4, pitch // 4)], fill=(40, 40, 60))
            x += wl + 16
    r = min(w, h) // 6
    draw.ellipse(
        [w - x0 - 2 * r, h - y0 - 2 * r, w - x0 - r // 4, h - y0 - r // 4], outline=(200, 30, 30), width=8
    )
    img = img.filter(ImageFilter.GaussianBlur(1.0))
    if grain:
        n = _noise(size, seed + 100).filter(ImageFilter.GaussianBlur(1.5))
        n = n.point(lambda v: max(0, min(255, 128 + (v - 128) * grain // 16)))
        img = ImageChops.add(img, Image.merge("RGB", (n, n, n)), scale=1, offset=-128)
    return img


def colourful(img: Image.Image) -> Image.Image:
    """The picture with a band of saturated colour bars across its middle (a stamp, a photo ID's
    background, a coloured form): where a colour space shows most."""
    img = img.copy()
    bars = [(200, 30, 40), (230, 120, 30), (240, 210, 40), (60, 170, 60), (30, 150, 170), (40, 60, 190),
            (140, 50, 160), (230, 150, 170)]  # fmt: skip
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for i, c in enumerate(bars):
        draw.rectangle([i * w // len(bars), h // 3, (i + 1) * w // len(bars) - 1, 2 * h // 3], fill=c)
    return img


def with_marker(img: Image.Image) -> Image.Image:
    """The picture with a solid red block in its top-left corner, to see which way is up."""
    img = img.copy()
    side = min(img.size) // 5
    img.paste(RED, (0, 0, side, side))
    return img


def marker_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    side = min(size) // 5
    return (side // 8, side // 8, side - side // 8, side - side // 8)


def jpeg(img: Image.Image, quality: int = 85, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, **kw)
    return out.getvalue()


def png(img: Image.Image, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG", **kw)
    return out.getvalue()


def fit_jpeg(img: Image.Image, limit: int = 190_000, **kw) -> bytes:
    """q85, or lower until it fits ``limit`` (keeps 'ok' photos under 200 KB whatever libjpeg does)."""
    for quality in (85, 80, 75, 70, 60, 50):
        data = jpeg(img, quality, **kw)
        if len(data) <= limit:
            return data
    raise AssertionError("photo does not fit")


def screenshot(size: tuple[int, int] = (1080, 1920), seed: int = 7) -> Image.Image:
    """A phone screenshot: flat UI colours, bars, buttons and text."""
    w, h = size
    rnd = random.Random(seed)
    img = Image.new("RGB", size, (245, 246, 248))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=max(12, w // 36))
    draw.rectangle([0, 0, w, h // 14], fill=(22, 119, 255))
    draw.text((w // 20, h // 40), "Upload materials / 上传相关材料", fill="white", font=font)
    y = h // 10
    while y < h - h // 8:
        draw.rounded_rectangle(
            [w // 30, y, w - w // 30, y + h // 9], radius=w // 40, fill="white", outline=(220, 220, 225)
        )
        for k in range(3):
            words = " ".join(
                "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randrange(2, 9)))
                for _ in range(rnd.randrange(3, 7))
            )
            draw.text((w // 15, y + 12 + k * (h // 32)), words, fill=(50, 50, 60), font=font)
        draw.rectangle([w - w // 4, y + h // 30, w - w // 12, y + h // 15], fill=(22, 119, 255))
        y += h // 8
    return img


def grey_scan(size: tuple[int, int] = (1240, 1754), seed: int = 3) -> Image.Image:
    """A greyscale A4 scan at 150 dpi: paper tone, lines of text, faint scanner noise."""
    img = photo(size, seed=seed, grain=0).convert("L")
    n = _noise(size, seed + 200).filter(ImageFilter.GaussianBlur(1.2))
    n = n.point(lambda v: max(0, min(255, 128 + (v - 128) // 16)))
    return ImageChops.add(img, n, scale=1, offset=-128)


# --- helpers for the byte-level cases ----------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A 1-bit greyscale PNG claiming ``width x height`` whose IDAT is zlib'd zeros: a few KB that
    would decode to width*height pixels. ``rows`` limits how many rows of data are actually there."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(height if rows is None else rows)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")
    )


def patch_sof_size(data: bytes, width: int, height: int) -> bytes:
    """The JPEG with its SOF header claiming another size (the scan data stays as it was)."""
    i = 2
    while i < len(data) - 9:
        if data[i] != 0xFF:
            raise ValueError("not at a marker")
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            return data[: i + 5] + struct.pack(">HH", height, width) + data[i + 9 :]
        i += 2 + length
    raise ValueError("no SOF")


def gps_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "ExamplePhone"
    exif[0x0110] = "Model 12"
    exif[0x0132] = "2026:11:25 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 0.0)})
    return exif.tobytes()


# What makes a stored picture upright for each EXIF orientation, and its inverse (how a phone stores it).
_UPRIGHT = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_270,
    8: Image.Transpose.ROTATE_90,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    5: Image.Transpose.TRANSPOSE,
}
_STORED = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    5: Image.Transpose.TRANSPOSE,
}


def exif_rotated_jpeg(
    orientation: int = 6, upright_size: tuple[int, int] = (1200, 1600), seed: int = 11
) -> bytes:
    """A phone photo stored sideways with an EXIF orientation (and GPS); upright it is ``upright_size``
    with a red block top-left."""
    upright = with_marker(photo(upright_size, seed=seed))
    return fit_jpeg(upright.transpose(_STORED[orientation]), exif=gps_exif(orientation))


def photo_jpeg(size: tuple[int, int] = (1600, 1200), seed: int = 1) -> bytes:
    return fit_jpeg(photo(size, seed=seed))


def screenshot_png(size: tuple[int, int] = (1080, 1920)) -> bytes:
    return png(screenshot(size))


def grey_scan_jpeg() -> bytes:
    return fit_jpeg(grey_scan())


# --- JPEG surgery --------------------------------------------------------------------------------


def jpeg_units(data: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A JPEG cut into its header (up to the first table or scan after the frame), its scan units
    (the DHT/DQT/DRI segments before a scan, the SOS and its entropy-coded data) and the rest (EOI
    and anything after it)."""
    scan_end = re.compile(rb"\xff[^\x00\xd0-\xd7]")
    i, head_end, units, start = 2, None, [], None
    while True:
        marker = data[i + 1]
        if marker == 0xD9:
            return data[:head_end], units, data[i:]
        end = i + 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC4, 0xDB, 0xDD, 0xDA) and head_end is not None or marker == 0xDA:
            if head_end is None:
                head_end = i
            if start is None:
                start = i
            if marker == 0xDA:
                end = scan_end.search(data, end).start()
                units.append(data[start:end])
                start = None
        elif marker in (0xC0, 0xC1, 0xC2):
            head_end = end
        i = end


def scan_flood(size: tuple[int, int] = (1000, 1000), scans: int = 3000, mode: str = "RGB") -> bytes:
    """A valid progressive JPEG with ``scans`` extra scans: its last scan (libjpeg's final luma
    refinement; of a flat picture, one end-of-band run: a few dozen bytes) repeated. libjpeg walks
    every luma block each time, ~20 ns a block here: a 4000x4000 one with 1800 scans takes seconds."""
    flat = Image.new(mode, size, (128, 100, 90) if mode == "RGB" else 128)
    head, units, tail = jpeg_units(jpeg(flat, 90, progressive=True))
    return head + b"".join(units) + units[-1] * scans + tail


def without_eoi(data: bytes) -> bytes:
    assert data.endswith(b"\xff\xd9")
    return data[:-2]


XMP_ORIENTATION = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="%d"/></rdf:RDF></x:xmpmeta>'
)


def xmp_oriented_jpeg(orientation: int = 6, exif_orientation: int | None = None, seed: int = 25) -> bytes:
    """A landscape photo with a red block top-left whose XMP claims an orientation (and EXIF, if given,
    another): browsers show it as stored unless EXIF says otherwise."""
    kw = {"xmp": XMP_ORIENTATION % orientation}
    if exif_orientation is not None:
        kw["exif"] = gps_exif(exif_orientation)
    return fit_jpeg(with_marker(photo((800, 600), seed=seed)), **kw)


def tagged_jpeg(img: Image.Image, profile: bytes, quality: int = 85) -> bytes:
    """The picture's numbers as they are, tagged with an ICC profile (they mean other colours now)."""
    return jpeg(img, quality, icc_profile=profile)


# --- the corpus --------------------------------------------------------------------------------


def _ok(name: str, data: bytes, size: tuple[int, int], fmt: str, **kw) -> Case:
    return Case(name, data, "ok", width=size[0], height=size[1], source_format=fmt, **kw)


def _good_cases() -> list[Case]:
    cases: list[Case] = []
    land = with_marker(photo((1600, 1200), seed=1))
    cases.append(
        _ok(
            "IMG_0001.jpg",
            fit_jpeg(land),
            (1600, 1200),
            "JPEG",
            marker=marker_box((1600, 1200)),
            note="landscape phone photo",
        )
    )
    port = with_marker(photo((1200, 1600), seed=2))
    cases.append(
        _ok(
            "IMG_0002.JPG",
            fit_jpeg(port),
            (1200, 1600),
            "JPEG",
            marker=marker_box((1200, 1600)),
            note="portrait photo",
        )
    )
    cases.append(
        _ok("small.jpeg", fit_jpeg(photo((640, 480), seed=4)), (640, 480), "JPEG", note="small but readable")
    )
    cases.append(
        _ok(
            "min-side.jpg",
            fit_jpeg(photo((400, 300), seed=5)),
            (400, 300),
            "JPEG",
            note="short side exactly 300",
        )
    )
    cases.append(
        _ok(
            "progressive.jpg",
            fit_jpeg(photo((1600, 1200), seed=6), progressive=True),
            (1600, 1200),
            "JPEG",
            note="progressive JPEG",
        )
    )
    cases.append(_ok("scan-grey.jpg", grey_scan_jpeg(), (1240, 1754), "JPEG", note="greyscale (L) scan"))
    # CMYK: Pillow writes Adobe-style inverted CMYK with an APP14 marker; red must stay red.
    cmyk = with_marker(photo((1000, 750), seed=8)).convert("CMYK")
    cases.append(
        _ok(
            "cmyk.jpg",
            jpeg(cmyk),
            (1000, 750),
            "JPEG",
            marker=marker_box((1000, 750)),
            note="CMYK (Adobe) JPEG",
        )
    )
    # EXIF-rotated phone photos with GPS: orientation 6 and 8 stored 1600x1200, upright 1200x1600.
    for o in (6, 8):
        cases.append(
            _ok(
                f"rotated-{o}.jpg",
                exif_rotated_jpeg(o),
                (1200, 1600),
                "JPEG",
                marker=marker_box((1200, 1600)),
                note=f"EXIF orientation {o} + GPS",
            )
        )
    cases.append(
        _ok(
            "rotated-3.jpg",
            exif_rotated_jpeg(3, (1600, 1200), seed=12),
            (1600, 1200),
            "JPEG",
            marker=marker_box((1600, 1200)),
            note="EXIF orientation 3 (upside down)",
        )
    )
    cases.append(
        _ok(
            "mirrored-5.jpg",
            exif_rotated_jpeg(5, (900, 1200), seed=13),
            (900, 1200),
            "JPEG",
            marker=marker_box((900, 1200)),
            note="EXIF orientation 5 (transposed)",
        )
    )
    upright = with_marker(screenshot((600, 800), seed=5))
    rotated_png = png(upright.transpose(_STORED[6]), exif=gps_exif(6))
    cases.append(
        _ok(
            "rotated-6.png",
            rotated_png,
            (600, 800),
            "PNG",
            marker=marker_box((600, 800)),
            note="PNG eXIf orientation 6",
        )
    )
    # Comment + trailing payloads after EOI (polyglots).
    base = jpeg(photo((800, 600), seed=9), comment=b"secret: candidate 110101199001011234")
    zip_tail = b"PK\x03\x04" + b"\x14\x00" * 10 + b"payload.txt" + b"evil" * 50 + b"PK\x05\x06" + b"\x00" * 18
    cases.append(
        _ok("comment-zip-tail.jpg", base + zip_tail, (800, 600), "JPEG", note="COM segment + zip after EOI")
    )
    html_tail = b"<html><body><script>alert(document.cookie)</script></body></html>"
    cases.append(
        _ok(
            "polyglot-html.jpg",
            jpeg(photo((800, 600), seed=10)) + html_tail,
            (800, 600),
            "JPEG",
            note="HTML after EOI",
        )
    )
    # Multi-picture (MPO, as phones write for depth/stereo): the first picture is kept.
    first = with_marker(photo((1024, 768), seed=14))
    mpo = io.BytesIO()
    first.save(
        mpo, "MPO", quality=85, save_all=True, append_images=[Image.new("RGB", (640, 480), (0, 0, 255))]
    )
    cases.append(
        _ok(
            "mpo.jpg",
            mpo.getvalue(),
            (1024, 768),
            "JPEG",
            marker=marker_box((1024, 768)),
            note="MPO, 2 pictures",
        )
    )
    # PNGs.
    cases.append(_ok("screenshot.png", screenshot_png(), (1080, 1920), "PNG", note="phone screenshot, RGB"))
    shot = screenshot((1280, 800), seed=8).convert("RGBA")
    cases.append(_ok("screenshot-rgba.png", png(shot), (1280, 800), "PNG", note="RGBA, fully opaque"))
    rgba = Image.new("RGBA", (1024, 768), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle([200, 150, 824, 618], fill=(30, 60, 160, 255))
    ImageDraw.Draw(rgba).rectangle([0, 0, 1023, 100], fill=(30, 60, 160, 128))
    rgba.paste((*RED, 255), (0, 0, *marker_box((1024, 768))[2:]))
    cases.append(
        _ok(
            "transparent.png",
            png(rgba),
            (1024, 768),
            "PNG",
            marker=marker_box((1024, 768)),
            note="RGBA with transparency, flattened on white",
        )
    )
    pal = with_marker(photo((800, 600), seed=15, grain=0)).quantize(64)
    pal.paste(0, (300, 200, 500, 400))
    pal_bytes = png(pal, transparency=0)
    cases.append(_ok("palette.png", pal_bytes, (800, 600), "PNG", note="palette with transparency"))
    grad = Image.linear_gradient("L").resize((640, 480)).convert("I")
    i16 = grad.point(lambda v: v * 257).convert("I;16")
    cases.append(_ok("16bit.png", png(i16), (640, 480), "PNG", note="16-bit greyscale (I;16)"))
    bilevel = photo((800, 600), seed=16, grain=0).convert("1")
    cases.append(_ok("bilevel.png", png(bilevel), (800, 600), "PNG", note="1-bit"))
    la = photo((600, 400), seed=17, grain=0).convert("LA")
    cases.append(_ok("grey-alpha.png", png(la), (600, 400), "PNG", note="LA"))
    return cases


def _bad_cases() -> list[Case]:
    rnd = random.Random(42)
    cases: list[Case] = []
    full = photo_jpeg((1600, 1200), seed=20)
    cases.append(Case("truncated.jpg", full[: len(full) * 6 // 10], "CORRUPT", note="upload cut at 60%"))
    full_png = png(photo((800, 600), seed=21))
    cases.append(Case("truncated.png", full_png[: len(full_png) // 2], "CORRUPT", note="PNG cut in IDAT"))
    cases.append(
        Case(
            "garbage.jpg",
            b"\xff\xd8\xff\xe0" + rnd.randbytes(5000),
            "CORRUPT",
            note="JPEG magic, then garbage",
        )
    )
    cases.append(
        Case(
            "garbage.png",
            b"\x89PNG\r\n\x1a\n" + rnd.randbytes(3000),
            "CORRUPT",
            note="PNG magic, then garbage",
        )
    )
    cases.append(
        Case("bomb.png", png_bomb(10000, 10000), "DIMENSIONS_TOO_LARGE", note="~12 KB claiming 10000x10000")
    )
    cases.append(
        Case("bomb-huge.png", png_bomb(40000, 40000, rows=64), "DIMENSIONS_TOO_LARGE", note="claims 1.6 Gpx")
    )
    small = jpeg(photo((640, 480), seed=22))
    cases.append(
        Case(
            "claims-20mpx.jpg",
            patch_sof_size(small, 5000, 4000),
            "DIMENSIONS_TOO_LARGE",
            note="header says 5000x4000",
        )
    )
    cases.append(
        Case(
            "too-wide.jpg",
            jpeg(Image.new("RGB", (9000, 400), (200, 200, 200))),
            "DIMENSIONS_TOO_LARGE",
            note="side over the cap",
        )
    )
    pic = photo((640, 480), seed=23, grain=0)
    for name, fmt, found, kw in (
        ("renamed-gif.jpg", "GIF", "GIF", {}),
        ("renamed-bmp.jpg", "BMP", "BMP", {}),
        ("renamed-tiff.jpg", "TIFF", "TIFF", {}),
        ("renamed-webp.jpg", "WEBP", "WEBP", {"quality": 80}),
    ):
        out = io.BytesIO()
        (pic.resize((256, 192)) if fmt in ("BMP", "TIFF") else pic).save(
            out, fmt, **kw
        )  # uncompressed: keep < 200 KB
        cases.append(Case(name, out.getvalue(), "UNSUPPORTED_FORMAT", found=found, note=f"{fmt} named .jpg"))
    heic = (
        struct.pack(">I", 24)
        + b"ftypheic"
        + b"\x00\x00\x00\x00"
        + b"mif1heic"
        + struct.pack(">I", 8)
        + b"meta"
        + rnd.randbytes(2000)
    )
    cases.append(
        Case("IMG_1234.HEIC.jpg", heic, "UNSUPPORTED_FORMAT", found="HEIC", note="iPhone HEIC header")
    )
    avif = struct.pack(">I", 28) + b"ftypavif" + b"\x00\x00\x00\x00" + b"avifmif1miaf" + rnd.randbytes(1000)
    cases.append(Case("photo.avif.png", avif, "UNSUPPORTED_FORMAT", found="AVIF", note="AVIF (HEIF family)"))
    cases.append(
        Case(
            "scan.pdf.jpg",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + rnd.randbytes(500),
            "UNSUPPORTED_FORMAT",
            found="PDF",
        )
    )
    svg = b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="red"/><script>alert(1)</script></svg>\n'
    cases.append(Case("drawing.svg.png", svg, "UNSUPPORTED_FORMAT", found="SVG"))
    html = "<!DOCTYPE html>\n<html><head><title>证件</title></head><body><img src='x.jpg'></body></html>\n".encode()
    cases.append(Case("page.html.jpg", html, "UNSUPPORTED_FORMAT", found="HTML"))
    cases.append(
        Case(
            "notes.txt.jpg",
            "姓名:张三\n证件号码见附件\nThis is not an image.\n".encode(),
            "UNSUPPORTED_FORMAT",
            found="TEXT",
        )
    )
    cases.append(
        Case(
            "notes-gbk.jpg",
            "医师资格考试报名材料说明\r\n".encode("gb18030") * 20,
            "UNSUPPORTED_FORMAT",
            found="TEXT",
        )
    )
    cases.append(Case("random.jpg", rnd.randbytes(50_000), "UNSUPPORTED_FORMAT", found="UNKNOWN"))
    cases.append(
        Case("archive.zip.png", b"PK\x03\x04" + rnd.randbytes(4000), "UNSUPPORTED_FORMAT", found="UNKNOWN")
    )
    cases.append(Case("empty.jpg", b"", "EMPTY"))
    cases.append(Case("tiny.jpg", jpeg(photo((200, 150), seed=24)), "TOO_SMALL", note="200x150"))
    cases.append(
        Case(
            "thin.png",
            png(Image.new("RGB", (1000, 299), (250, 250, 250))),
            "TOO_SMALL",
            note="short side 299",
        )
    )
    big = Image.merge("RGB", [_noise((800, 600), 30 + k) for k in range(3)])
    cases.append(Case("camera-original.jpg", jpeg(big, 100), "TOO_LARGE", note="noisy q100, > 200 KB (R8)"))
    return cases


@lru_cache(maxsize=1)
def _build() -> tuple[Case, ...]:
    cases = tuple(_good_cases() + _bad_cases())
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise AssertionError("duplicate case names")
    for c in cases:
        if c.expect not in ("EMPTY", "TOO_LARGE") and not 0 < len(c.data) <= MAX_BYTES:
            raise AssertionError(f"{c.name}: {len(c.data)} bytes would fail the size check first")
    return cases


def corpus() -> list[Case]:
    return list(_build())


if __name__ == "__main__":
    import sys

    for c in corpus():
        sys.stdout.write(f"{c.name:24} {len(c.data):>8} {c.expect:22} {c.found or ''} {c.note}\n")
