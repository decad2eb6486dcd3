"""The pure image pipeline of process_image (issue 4; rules R5, R6, R7, R8, R12). No AWS here.

``process(data, reference=..., day=...)`` takes the raw bytes of an upload and returns a freshly
encoded, upright, metadata-free, watermarked JPEG, or raises ``InvalidImage(reason, found)`` with a
contract reason code (api-contract.md "Image status"; the human texts live in ``core.reasons``).

Checks run cheapest first: byte size, real format from the magic bytes, for JPEG the scan count and
the decoding work from the markers (``jpeg_layout``; a flood of scans is refused before it is
decoded), dimensions from the header (before any pixel is decoded; decompression bombs), minimum
size, then the full decode with truncated images refused (a JPEG that lacks only its end marker is
whole and accepted). Colours are converted to sRGB from an embedded ICC profile (``colour``), the
picture is turned upright by its EXIF orientation only, and the output is a JPEG at a quality chosen
before the encode from the upload's quantisation tables (or, for a PNG, a trial on a sample), never over
200 KB (``encoding``). A thumbnail (at most 320 px, 24 KB) is made from the same decoded, upright
picture before the full-size watermark goes on, and gets a watermark of its own drawn at its scale, so
the text stays legible at the size pages show it (R7, R12).

The watermark is a stamp rendered once per (text, size, mode) and cut into small pieces that hug the
ink, so applying it touches only the pixels near the text, through Pillow's C ``paste`` with a mask;
see ``_stamp`` and ``_apply_watermark``.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import io
import math
import string
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFile, ImageFont

from process_image import colour, encoding, jpeg_layout
from process_image.encoding import MAX_OUTPUT_BYTES, encode_jpeg, input_quality  # noqa: F401 - the module's API

MAX_BYTES = 204800  # R6: a single file at most 200 KB
MIN_SHORT_SIDE = 300  # below this a document is not readable: TOO_SMALL
MAX_SIDE = 8000  # longest side accepted
MAX_PIXELS = 4000 * 4000  # explicit pixel cap, well below Pillow's own bomb limit (~89 Mpx)
# Output (``encoding``): no bigger than an upload may be (R6), a JPEG upload's at most 1.15x its bytes,
# in one encode at a quality chosen from the upload's quantisation tables; a q85 photo comes out at q69
# and 0.91x its bytes, 39 dB PSNR against the watermarked picture.
JPEG_QUALITY = encoding.JPEG_QUALITY
# Slow decodes (R12: one upload must not hold up the others): cameras write one scan or, progressive,
# about ten; libjpeg visits every block of a scan's components however small the scan is.
MAX_SCANS = 100
MAX_SCAN_BLOCKS = 12_000_000  # block visits: ~3x a 10-scan progressive 4000x4000 4:4:4 JPEG, < 1 s

REASONS = ("EMPTY", "TOO_LARGE", "UNSUPPORTED_FORMAT", "CORRUPT", "DIMENSIONS_TOO_LARGE", "TOO_SMALL")
FOUND_FORMATS = ("HEIC", "AVIF", "WEBP", "GIF", "BMP", "TIFF", "SVG", "PDF", "HTML", "TEXT", "UNKNOWN")

WATERMARK_PREFIX = "仅用于医师资格考试"  # "for the physician qualification exam only" (R7)
WATERMARK_SEPARATOR = " · "
WATERMARK_CHARSET = WATERMARK_PREFIX + string.digits + string.ascii_letters + " -:/.#·"
REFERENCE_CHARSET = string.digits + string.ascii_letters + "-:/.#"
MAX_REFERENCE_LENGTH = 24

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Bold-watermark.otf"

# Watermark look: light fill, thin dark outline, both semi-transparent, so it reads on light and dark
# pictures while the document's own text stays readable through it.
WATERMARK_ANGLE = 30  # degrees, counter-clockwise: the text rises to the right
FILL_ALPHA = 110  # white glyph body, 0..255
OUTLINE_ALPHA = 80  # black outline
FONT_DIVISOR = 28  # text size = short side / FONT_DIVISOR (bucketed)
MIN_FONT_PX = 12
MAX_FONT_PX = 160
THUMB_FONT_PX = 16  # the thumbnail's text: legible at 320 px, where the full-size text shrunk would be ~8 px
LINE_SPACING = 6.5  # distance between parallel watermark lines, in text sizes
TEXT_GAP = 3.0  # gap between repeats along a line, in text sizes


class InvalidImage(Exception):
    """A permanent problem with the file: the image becomes INVALID with this reason."""

    def __init__(self, reason: str, found: str | None = None):
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        if found is not None and found not in FOUND_FORMATS:
            raise ValueError(f"unknown format {found!r}")
        super().__init__(reason if found is None else f"{reason} ({found})")
        self.reason = reason
        self.found = found


@dataclass(frozen=True)
class Processed:
    jpeg: bytes
    width: int
    height: int
    source_format: str  # "JPEG" or "PNG"
    sha256: str  # of ``jpeg``
    assessment: object | None = None  # what ``assess`` said of the upright picture, before the watermark
    thumbnail: bytes = b""  # watermarked JPEG, at most THUMB_SIDE px on its long side and THUMB_MAX_BYTES
    thumbnail_width: int = 0
    thumbnail_height: int = 0
    quality: int = 0  # the JPEG quality ``jpeg`` was encoded at
    encodes: int = 1  # full-size encodes it took: 1 unless the quality chosen beforehand missed a limit


def check_size(size: int) -> None:
    """The cheapest check, on the object size from S3 metadata before downloading (R6)."""
    if size <= 0:
        raise InvalidImage("EMPTY")
    if size > MAX_BYTES:
        raise InvalidImage("TOO_LARGE")


def watermark_text(reference: str, day: datetime.date) -> str:
    """E.g. ``仅用于医师资格考试 · 2026-11-25 · #AB12CD``; every character is in WATERMARK_CHARSET.

    ``reference`` is a short application reference (letters, digits, ``-:/.#``), ``day`` the date.
    """
    ref = reference.strip().lstrip("#")
    if not ref or len(ref) > MAX_REFERENCE_LENGTH or any(c not in REFERENCE_CHARSET for c in ref):
        raise ValueError(
            f"reference must be 1..{MAX_REFERENCE_LENGTH} of {REFERENCE_CHARSET!r}: {reference!r}"
        )
    if isinstance(day, datetime.datetime):
        day = day.date()
    return f"{WATERMARK_PREFIX}{WATERMARK_SEPARATOR}{day.isoformat()}{WATERMARK_SEPARATOR}#{ref}"


# --- format sniffing ---------------------------------------------------------------------------

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis", b"avio"}
_HEIF_BRANDS = {b"mif1", b"mif2", b"msf1"}  # the container alone: an iPhone's HEIC in practice
_HTML_STARTS = (
    "<!doctype html", "<html", "<head", "<body", "<script", "<meta", "<title", "<iframe", "<div",
    "<p>", "<a ", "<img", "<style", "<link", "<table", "<form",
)  # fmt: skip
_TEXT_CONTROL_OK = {"\t", "\n", "\r", "\f", "\x1b"}


def sniff(first_bytes: bytes) -> str | None:
    """The format the first bytes of a file name (``JPEG``, ``PNG``, or one of FOUND_FORMATS but
    UNKNOWN), or None. Pure: for a ranged GET of an object too large to download, e.g. to give an
    oversized HEIC photo the HEIC advice; 64 bytes name the image formats, 4 KB text and web pages."""
    fmt = sniff_format(first_bytes)
    return None if fmt == "UNKNOWN" else fmt


def sniff_format(data: bytes) -> str:
    """What the bytes really are: ``JPEG``, ``PNG``, or one of FOUND_FORMATS. Names and declared
    content types are never trusted (R6)."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[4:8] == b"ftyp":
        return _heif_kind(data)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if (
        head[:2] == b"BM"
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    ):
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if b"%PDF-" in data[:1024]:
        return "PDF"
    text = _as_text(data[:4096])
    if text is None:
        return "UNKNOWN"
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith(_HTML_STARTS) or "<html" in lowered:
        return "HTML"
    if "<svg" in lowered:
        return "SVG"
    return "TEXT"


def _heif_kind(data: bytes) -> str:
    """HEIC or AVIF from an ISO-BMFF ``ftyp`` box: the major brand first, then the compatible ones."""
    box_len = int.from_bytes(data[:4], "big")
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, min(max(box_len, 16), 64), 4)}
    for brands in ({major}, compatible):
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIC_BRANDS:
            return "HEIC"
    return "HEIC" if ({major} | compatible) & _HEIF_BRANDS else "UNKNOWN"


def _as_text(chunk: bytes) -> str | None:
    """The chunk as text if it plausibly is text (UTF-8/UTF-16 with BOM/GB18030), else None."""
    if not chunk:
        return None
    candidates: list[str] = []
    if chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
        candidates.append("utf-16")
    candidates += ["utf-8", "gb18030"]
    for charset in candidates:
        try:
            text = codecs.getincrementaldecoder(charset)("strict").decode(chunk, final=False)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        controls = sum(1 for c in text if c < " " and c not in _TEXT_CONTROL_OK)
        return text if controls <= len(text) // 100 else None
    return None


# --- decode ------------------------------------------------------------------------------------

# EXIF orientation (tag 0x0112) -> what makes the stored picture upright (R5); as ImageOps.exif_transpose.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _open(data: bytes, fmt: str) -> Image.Image:
    """Open lazily (header only) and check the dimensions; nothing is decoded yet."""
    try:
        im = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage("DIMENSIONS_TOO_LARGE") from None
    except MemoryError:
        raise
    except Exception:  # hostile headers raise all sorts (SyntaxError, struct.error, ...)
        raise InvalidImage("CORRUPT") from None
    width, height = im.size
    if width <= 0 or height <= 0:
        raise InvalidImage("CORRUPT")
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise InvalidImage("DIMENSIONS_TOO_LARGE")
    if min(width, height) < MIN_SHORT_SIDE:  # invariant under rotation, so checked before decoding
        raise InvalidImage("TOO_SMALL")
    return im


def _load(im: Image.Image) -> None:
    """Full decode of the first frame; truncated or broken data -> CORRUPT."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone flipped the global; decoding now would accept half images. Refuse loudly.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must be False")
    try:
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage("DIMENSIONS_TOO_LARGE") from None
    except MemoryError:
        raise
    except Exception:  # OSError (truncated), SyntaxError, ValueError, struct.error, EOFError, ...
        raise InvalidImage("CORRUPT") from None


def _orientation(im: Image.Image) -> int:
    """EXIF orientation (JPEG APP1, PNG eXIf) only: browsers and phone galleries ignore an
    orientation in XMP, so following it would turn the picture away from what the candidate saw
    (R5). Pillow's ``getexif`` falls back to XMP, hence reading the EXIF block by hand."""
    raw = im.info.get("exif")
    if not isinstance(raw, bytes) or not raw.startswith(b"Exif\x00\x00"):
        return 1
    try:
        exif = Image.Exif()
        exif.load(raw)
        value = exif.get(0x0112, 1)
    except Exception:  # a broken EXIF block is not a broken picture; it just has no orientation
        return 1
    return value if isinstance(value, int) else 1


# --- JPEG structure ------------------------------------------------------------------------------

_EOI = b"\xff\xd9"
# Entropy-coded filler (no 0xFF, so no marker) put where a JPEG without an end marker stops: if the
# decoder needed bits past the end, these change the picture, so a cut file shows itself.
_FILLER = bytes((i * 151 + 89) % 255 for i in range(64))


@dataclass(frozen=True)
class _JpegPlan:
    layout: jpeg_layout.Layout
    data: bytes  # what to decode: the upload, or the upload with its end marker put back
    check: bytes | None  # without an end marker: the same with filler before it, to compare


def _plan_jpeg(data: bytes) -> _JpegPlan:
    """The scan count and the end marker, from the markers alone, before anything is decoded."""
    try:
        layout = jpeg_layout.read(data, max_scans=MAX_SCANS)
    except jpeg_layout.Unreadable:
        raise InvalidImage("CORRUPT") from None
    if layout.scans > MAX_SCANS:  # a scan flood (LJT-01-003): refused in a millisecond
        raise InvalidImage("CORRUPT")
    if layout.has_eoi:
        return _JpegPlan(layout, data, None)
    # Only the 2-byte end marker missing (some apps and cameras write such files, every viewer shows
    # them): whole if every component and coefficient has its scan and the last scan's data ends
    # where the decoder stops reading; a cut file is not.
    if not layout.complete:
        raise InvalidImage("CORRUPT")
    body = data[: layout.end]
    return _JpegPlan(layout, body + _EOI, body + _FILLER + _EOI)


def _check_work(plan: _JpegPlan) -> None:
    """Bound one image's decoding work whatever its scans look like, and refuse scans too short for
    their blocks, which libjpeg would fill in grey at full cost (after the dimension checks, so an
    oversized header is still DIMENSIONS_TOO_LARGE)."""
    if plan.layout.block_visits > MAX_SCAN_BLOCKS or plan.layout.short_scans:
        raise InvalidImage("CORRUPT")


def _check_whole(decoded: Image.Image, plan: _JpegPlan) -> None:
    """A JPEG that lacked its end marker decodes to the same pixels with filler before the marker."""
    if plan.check is None:
        return
    try:
        other = Image.open(io.BytesIO(plan.check), formats=["JPEG"])
        other.load()
        same = other.size == decoded.size and other.mode == decoded.mode
        same = same and ImageChops.difference(other, decoded).getbbox() is None
    except MemoryError:
        raise
    except Exception:
        same = False
    if not same:
        raise InvalidImage("CORRUPT")


def _flatten(im: Image.Image) -> Image.Image:
    """Alpha (RGBA/LA, or palette/colour-key transparency) -> opaque on white."""
    grey = im.mode in ("LA", "La", "L")
    if im.mode != ("LA" if grey else "RGBA"):
        im = im.convert("LA" if grey else "RGBA")
    alpha = im.getchannel("A")
    target = "L" if grey else "RGB"
    if alpha.getextrema()[0] == 255:  # fully opaque (most screenshots): just drop the channel
        return im.convert(target)
    base = Image.new(target, im.size, 255 if grey else (255, 255, 255))
    base.paste(im.convert(target), (0, 0), alpha)
    return base


def _normalise_mode(im: Image.Image) -> Image.Image:
    """To 'RGB' or 'L' (8-bit), something every browser shows; colours already in sRGB."""
    mode = im.mode
    if mode in ("RGB", "L"):
        return _flatten(im) if "transparency" in im.info else im
    if mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        return _flatten(im)
    if mode == "P":
        return _flatten(im) if "transparency" in im.info else im.convert("RGB")
    if mode == "1":
        return im.convert("L")
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey: scale 0..65535 to 0..255 (a plain convert would clip at 255).
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    return im.convert("RGB")  # CMYK (Pillow undoes Adobe's inverted CMYK), YCbCr, LAB, ...


# --- watermark ---------------------------------------------------------------------------------
#
# Cost model: the JPEG decode and encode are fixed; what the watermark adds is (a) building its
# pixels and (b) blending them in. (a) is cached: the text is cut into runs at the separators
# ("仅用于医师资格考试 · " is the same for everyone, "2026-11-25 · " for a whole day) and the
# per-application "#AB12CD" into single characters; each run is rendered and rotated once per size
# bucket, so a new application's first image renders nothing it has not seen before. (b) is one C
# paste-with-mask per small piece, each piece a strip of a rotated run cropped to its ink, so only
# pixels near the text are touched (~15% of the image), never a full-image RGBA composite.

# Text sizes, ~10% apart: the size follows the short side but lands on a few values, so cached runs
# are reused across images of similar size.
_FONT_LADDER = tuple(
    sorted({round(MIN_FONT_PX * 1.1**k) for k in range(40)} & set(range(MIN_FONT_PX, MAX_FONT_PX + 1)))
)


def _font_px(short_side: int) -> int:
    """Text size proportional to the short side, snapped down to the ladder."""
    want = short_side / FONT_DIVISOR
    return max([MIN_FONT_PX] + [px for px in _FONT_LADDER if px <= want])


@lru_cache(maxsize=16)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), px, layout_engine=ImageFont.Layout.BASIC)


# A piece: (dx, dy, width, height, colour core, alpha core), offsets from its run's rotated canvas.
_Piece = tuple[int, int, int, int, object, object]


@dataclass(frozen=True)
class _Run:
    """One run of text, rendered and rotated: ``anchor`` is where its pen origin (left end of the
    line, at the ascender) lands in the rotated canvas; ``advance`` its unrotated width."""

    anchor: tuple[float, float]
    advance: float
    pieces: tuple[_Piece, ...]
    keep: tuple[Image.Image, ...]  # the images the cores in ``pieces`` belong to


@dataclass(frozen=True)
class _Stamp:
    """The whole text: its runs placed around the stamp's centre, and the lattice steps."""

    # (offset x, offset y, the pieces' bounding box, pieces as (x0, y0, x1, y1, colour, alpha) from the offset)
    runs: tuple[tuple[float, float, tuple[int, int, int, int], tuple[tuple[int, int, int, int, object, object], ...]], ...]
    extent: tuple[float, float, float, float]  # bounding box of all pieces around the centre
    along: float  # distance between repeats along a line, pixels
    across: float  # distance between parallel lines, pixels


def _split_runs(text: str) -> list[str]:
    """Cut at the separators (each keeps its trailing separator); the last part, the per-application
    reference, goes character by character so a new reference renders nothing new."""
    parts = text.split(WATERMARK_SEPARATOR)
    return [p + WATERMARK_SEPARATOR for p in parts[:-1]] + list(parts[-1])


@lru_cache(maxsize=512)
def _run(run: str, px: int, mode: str) -> _Run:
    font = _font(px)
    stroke = max(1, round(px / 16))
    left, top, right, bottom = font.getbbox(run, stroke_width=stroke)
    pad = 2
    size = (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad)  # a FreeType box is whole pixels
    origin = (pad - left, pad - top)
    outer = Image.new("L", size, 0)  # glyphs + outline
    ImageDraw.Draw(outer).text(origin, run, fill=255, font=font, stroke_width=stroke, stroke_fill=255)
    inner = Image.new("L", size, 0)  # glyphs only
    ImageDraw.Draw(inner).text(origin, run, fill=255, font=font)
    # alpha: OUTLINE_ALPHA on the outline, FILL_ALPHA in the body. colour: white body, black outline.
    alpha = ImageChops.add(
        outer.point(lambda v: v * OUTLINE_ALPHA // 255),
        inner.point(lambda v: v * max(0, FILL_ALPHA - OUTLINE_ALPHA) // 255),
    )
    if OUTLINE_ALPHA > FILL_ALPHA:
        alpha = ImageChops.subtract(alpha, inner.point(lambda v: v * (OUTLINE_ALPHA - FILL_ALPHA) // 255))
    alpha = alpha.rotate(WATERMARK_ANGLE, resample=Image.Resampling.BICUBIC, expand=True)
    alpha = alpha.point(lambda v: 0 if v < 3 else v)  # bicubic dust would only widen the pieces
    colour = inner.rotate(WATERMARK_ANGLE, resample=Image.Resampling.BICUBIC, expand=True)
    # Premultiplied by its alpha (RGBa), the colour is added to the picture scaled by 1 - alpha: one
    # multiply a byte in Pillow's paste, where an L mask takes two. On a colour picture the RGBa piece is
    # its own mask; on a grey one the piece is one premultiplied band of it, the RGBa its mask (the only
    # premultiplied mask Pillow's paste takes).
    mask = Image.merge("RGBA", (colour, colour, colour, alpha)).convert("RGBa")
    colour = mask.getchannel("R") if mode == "L" else mask
    # Where the pen origin went: rotate (origin - centre) by the angle, around the new centre.
    theta = math.radians(WATERMARK_ANGLE)
    vx, vy = origin[0] - size[0] / 2, origin[1] - size[1] / 2
    anchor = (
        alpha.width / 2 + vx * math.cos(theta) + vy * math.sin(theta),
        alpha.height / 2 - vx * math.sin(theta) + vy * math.cos(theta),
    )
    strip = max(6, px // 3)
    pieces: list[_Piece] = []
    keep: list[Image.Image] = []
    for y in range(0, alpha.height, strip):
        bbox = alpha.crop((0, y, alpha.width, min(alpha.height, y + strip))).getbbox()
        if bbox is None:
            continue
        box = (bbox[0], y + bbox[1], bbox[2], y + bbox[3])
        c = colour.crop(box)
        a = mask.crop(box) if mode == "L" else c
        c.load()
        a.load()
        keep += [c, a]
        pieces.append((box[0], box[1], c.width, c.height, c.im, a.im))
    return _Run(anchor=anchor, advance=font.getlength(run), pieces=tuple(pieces), keep=tuple(keep))


@lru_cache(maxsize=128)
def _stamp(text: str, px: int, mode: str) -> _Stamp:
    theta = math.radians(WATERMARK_ANGLE)
    cos, sin = math.cos(theta), math.sin(theta)
    runs = [_run(r, px, mode) for r in _split_runs(text)]
    ascent, descent = _font(px).getmetrics()
    y = -(ascent + descent) / 2  # the line's vertical middle sits on the stamp's centre
    x = -sum(r.advance for r in runs) / 2
    placed = []
    xs: list[float] = []
    ys: list[float] = []
    for r in runs:
        # the run's pen origin, rotated into image coordinates, minus its anchor in the canvas
        ox = x * cos + y * sin - r.anchor[0]
        oy = -x * sin + y * cos - r.anchor[1]
        boxes = tuple((dx, dy, dx + w, dy + h, tint, alpha) for dx, dy, w, h, tint, alpha in r.pieces)
        if boxes:
            bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                    max(b[3] for b in boxes))
            placed.append((ox, oy, bbox, boxes))
            xs += [ox + bbox[0], ox + bbox[2]]
            ys += [oy + bbox[1], oy + bbox[3]]
        x += r.advance
    return _Stamp(
        runs=tuple(placed),
        extent=(min(xs), min(ys), max(xs), max(ys)),
        along=2 * x + TEXT_GAP * px,  # x is now half the line length
        across=LINE_SPACING * px,
    )


def _apply_watermark(im: Image.Image, text: str, px: int | None = None) -> None:
    """Tile the stamp diagonally over the whole image, in place (R7); ``px``: the text size, else one
    that follows the short side.

    Stamps sit on a lattice centred on the image: along the text direction every ``along`` pixels,
    lines ``across`` pixels apart, alternate lines shifted by half a repeat.
    """
    if im.readonly:  # pragma: no cover - decoded images are writable; keep the C paste below safe
        raise ValueError("image is read-only")
    im.load()
    width, height = im.size
    stamp = _stamp(text, px or _font_px(min(width, height)), im.mode)
    theta = math.radians(WATERMARK_ANGLE)
    ax, ay = math.cos(theta), -math.sin(theta)  # along the text
    nx, ny = math.sin(theta), math.cos(theta)  # across the lines
    cx, cy = width / 2, height / 2
    reach_along = (width * abs(ax) + height * abs(ay)) / 2 + stamp.along
    reach_across = (width * abs(nx) + height * abs(ny)) / 2 + stamp.across
    jn = math.ceil(reach_across / stamp.across)
    i_n = math.ceil(reach_along / stamp.along) + 1
    x0, y0, x1, y1 = stamp.extent
    paste = im.im.paste  # the C paste: Image.paste's Python checks cost more than small pieces do
    for j in range(-jn, jn + 1):
        shift = 0.5 * (j % 2)
        for i in range(-i_n, i_n + 1):
            t = (i + shift) * stamp.along
            s = j * stamp.across
            sx = cx + t * ax + s * nx
            sy = cy + t * ay + s * ny
            if sx + x0 >= width or sy + y0 >= height or sx + x1 <= 0 or sy + y1 <= 0:
                continue
            # A stamp is a long diagonal: most cross an edge, and half of their pieces fall outside.
            # Runs are tested whole; only a run on the edge has its pieces tested one by one.
            for ox, oy, (bx0, by0, bx1, by1), pieces in stamp.runs:
                left, top = round(sx + ox), round(sy + oy)
                if left + bx0 >= width or top + by0 >= height or left + bx1 <= 0 or top + by1 <= 0:
                    continue
                if left + bx0 >= 0 and top + by0 >= 0 and left + bx1 <= width and top + by1 <= height:
                    for a, b, c, d, tint, alpha in pieces:
                        paste(tint, (left + a, top + b, left + c, top + d), alpha)
                    continue
                for a, b, c, d, tint, alpha in pieces:
                    if left + a < width and top + b < height and left + c > 0 and top + d > 0:
                        paste(tint, (left + a, top + b, left + c, top + d), alpha)


def watermark_layer(size: tuple[int, int], text: str) -> tuple[Image.Image, Image.Image]:
    """The watermark alone, as ``_apply_watermark`` draws it on a black and on a white greyscale
    picture of ``size``: each stored pixel is ``original * (white - black) / 255 + black``. The
    pre-checks (functions/precheck) use it to read the document under the watermark, in memory; the
    stored picture keeps its watermark (R7)."""
    black, white = Image.new("L", size, 0), Image.new("L", size, 255)
    _apply_watermark(black, text)
    _apply_watermark(white, text)
    return black, white


# --- the pipeline ------------------------------------------------------------------------------


def process(data: bytes, *, reference: str, day: datetime.date,
            assess: Callable[[Image.Image], object] | None = None) -> Processed:
    """Validate, normalise and watermark one upload. Raises InvalidImage (a permanent verdict).
    ``assess``: looks at the upright picture the candidate took, before the watermark covers it
    (instant quality feedback; its answer comes back as ``Processed.assessment``)."""
    text = watermark_text(reference, day)  # a bad reference is the caller's bug: ValueError first
    found: list = []
    done = _render(data, text, (lambda picture: found.append(assess(picture))) if assess else None)
    im, jpeg, quality, encodes = encoding.encode(done.image, done.plan)
    return Processed(
        jpeg=jpeg,
        width=im.width,
        height=im.height,
        source_format=done.source_format,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        assessment=found[0] if found else None,
        thumbnail=encoding.encode_thumbnail(done.thumbnail),
        thumbnail_width=done.thumbnail.width,
        thumbnail_height=done.thumbnail.height,
        quality=quality,
        encodes=encodes,
    )


@dataclass(frozen=True)
class Rendered:
    image: Image.Image  # upright, sRGB, opaque, watermarked
    thumbnail: Image.Image  # the same picture at thumbnail size, watermarked at its own scale
    source_format: str
    plan: encoding.Plan  # how ``image`` is to be encoded, decided before the encode


def _render(data: bytes, text: str, look: Callable[[Image.Image], None] | None = None) -> Rendered:
    """The upright, sRGB, opaque, watermarked picture and its thumbnail, from one decode."""
    check_size(len(data))
    fmt = sniff_format(data)
    if fmt not in ("JPEG", "PNG"):
        raise InvalidImage("UNSUPPORTED_FORMAT", fmt)
    plan_jpeg = _plan_jpeg(data) if fmt == "JPEG" else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)  # Pillow on broken EXIF/ICC: the verdict says it
        src = _open(plan_jpeg.data if plan_jpeg else data, fmt)
        if plan_jpeg:
            _check_work(plan_jpeg)
        _load(src)
        if plan_jpeg:
            _check_whole(src, plan_jpeg)
        orientation = _orientation(src)
        try:
            im = _normalise_mode(colour.to_srgb(src, colour.profile_of(src)))
        except MemoryError:
            raise
        except Exception:
            raise InvalidImage("CORRUPT") from None
    method = _ORIENTATION.get(orientation)
    if method is not None:
        im = im.transpose(method)
    if look is not None:
        look(im)
    # From the clean picture: the full-size watermark shrunk to 320 px would be an unreadable grey.
    thumb = encoding.thumbnail_of(im)
    _apply_watermark(thumb, text, THUMB_FONT_PX)
    _apply_watermark(im, text)  # in place, on the decoded picture itself where nothing converted it
    im.info = {}  # Pillow's JPEG writer would carry a source comment over; nothing goes along
    thumb.info = {}
    plan = encoding.plan(src, im, len(data), plan_jpeg.layout.coded_bytes if plan_jpeg else None)
    return Rendered(im, thumb, fmt, plan)
