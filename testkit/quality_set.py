"""The labelled set for ``process_image.quality`` (issue 16): generated, seeded, all in memory.

Documents a candidate photographs (the two sides of an identity card, a diploma, a stamped certificate,
a page of text, the generic document photo of ``testkit/corpus.py``) are drawn flat, placed on a desk
(slightly turned, 55-85 % of the frame), lit (gain, a light gradient, a colour cast) and "taken"
(optical blur of a good phone camera, sensor grain, JPEG as uploaded, decoded again): that is a good
photo. Scans fill the frame with the page. Each degradation is one physical cause, with one label:

* ``BLURRY``   - out of focus (Gaussian, sigma 0.3-0.9 % of the long side) or camera shake (a streak
                 1-2 % of the long side); a good camera's own blur stays under 0.1 %;
* ``TOO_DARK`` - exposure x0.12-0.3, with the stronger grain a phone adds in the dark;
* ``OVEREXPOSED`` - exposure x2.2-3.5, clipped as a sensor clips;
* ``GLARE``    - a specular reflection: a saturated blob with a soft halo over the document;
* ``CUT_OFF``  - the document runs 8-35 % out of the frame on one or two sides, or the phone is so close
                 that it leaves the frame on every side.

The space between "good" and "degraded" (e.g. a blur of 0.1-0.3 %) is left out on purpose: a label
there would be a guess, and the thresholds are set from the clear cases (see
``tools/derive_quality_thresholds.py``).

Duplicates: an upload re-encoded (q 55-75), resized (50-80 %), cropped 2-5 % on one to four sides, or
all of it at once, is the same picture. Different pictures that look alike: the two sides of one card
taken on the same desk a moment apart (the classic mistake the hash must not call a duplicate), and the
same kind of document of two candidates.

``labelled_set(seed)`` gives the photos, ``duplicate_pairs(seed)`` the pairs; the test evaluates seed
``HELD_OUT`` with thresholds derived on the seeds ``TRAIN``.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from testkit.corpus import fit_jpeg, grey_scan, jpeg, photo

TRAIN = (1, 3)  # the seeds tools/derive_quality_thresholds.py derives the thresholds on
HELD_OUT = 2  # the seed the unit test judges them on
WARNINGS = ("BLURRY", "TOO_DARK", "OVEREXPOSED", "GLARE", "CUT_OFF")

FONT_FILE = Path(__file__).resolve().parent.parent / "functions/process_image/fonts/NotoSansCJKsc-Bold-watermark.otf"
HANZI = "仅用于医师资格考试"  # the glyphs the bundled (subset) font has: enough to look like Chinese text
DIGITS = "0123456789"


@dataclass(frozen=True)
class Sample:
    name: str
    image: Image.Image  # what process_image has after its decode: upright RGB or L
    warnings: frozenset[str]  # the truth
    kind: str  # "good" or the warning it was made with
    scene: str  # one photo taking; its duplicates share it


@dataclass(frozen=True)
class Pair:
    name: str
    a: Image.Image
    b: Image.Image
    same: bool  # the same picture (a duplicate), or two different pictures
    kind: str  # "reencode", "resize", "crop", "all", "card sides", "same template"


# --- drawing helpers ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), max(6, px), layout_engine=ImageFont.Layout.BASIC)


def _noise(size: tuple[int, int], rnd: random.Random) -> Image.Image:
    return Image.frombytes("L", size, rnd.randbytes(size[0] * size[1]))


def _words(rnd: random.Random, n: int, digits: float = 0.15) -> str:
    return "".join(rnd.choice(DIGITS if rnd.random() < digits else HANZI) for _ in range(n))


def _text(draw: ImageDraw.ImageDraw, xy, text: str, px: int, fill) -> None:
    draw.text(xy, text, font=_font(px), fill=fill)


def _seal(draw: ImageDraw.ImageDraw, centre, r: int, colour=(205, 35, 40)) -> None:
    """A round red stamp: two rings, a star, a band of characters."""
    cx, cy = centre
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=max(2, r // 12))
    draw.ellipse([cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8], outline=colour, width=max(1, r // 30))
    star = [
        (cx + r * 0.3 * (1 if k % 2 == 0 else 0.4) * math.sin(k * math.pi / 5),
         cy - r * 0.3 * (1 if k % 2 == 0 else 0.4) * math.cos(k * math.pi / 5))
        for k in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=colour)
    px = max(6, r // 4)
    for k in range(7):
        a = math.radians(-150 + k * 20)
        _text(draw, (cx + r * 0.62 * math.cos(a) - px / 2, cy + r * 0.62 * math.sin(a) - px / 2), HANZI[k], px,
              colour)  # fmt: skip


def _portrait(draw: ImageDraw.ImageDraw, box, rnd: random.Random) -> None:
    """An ID photo: pale backdrop, shoulders, face, hair."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    draw.rectangle(box, fill=(rnd.randrange(200, 235), rnd.randrange(215, 240), 245))
    dark = rnd.randrange(20, 60)
    draw.ellipse([x0 + w * 0.05, y0 + h * 0.68, x1 - w * 0.05, y1 + h * 0.5], fill=(dark, dark, dark + 10))
    skin = (rnd.randrange(200, 235), rnd.randrange(160, 195), rnd.randrange(130, 165))
    draw.ellipse([x0 + w * 0.27, y0 + h * 0.18, x1 - w * 0.27, y0 + h * 0.72], fill=skin)
    draw.chord([x0 + w * 0.24, y0 + h * 0.1, x1 - w * 0.24, y0 + h * 0.55], 180, 360, fill=(25, 20, 20))


# --- documents (flat, upright) -----------------------------------------------------------------


def card_face(side: str, width: int, seed: int) -> tuple[Image.Image, Image.Image]:
    """One side ("front": emblem and issuing authority, "back": photo, name, address, number) of a
    resident identity card, 85.6 x 54 mm; the same seed is the same card. Returns (picture, mask)."""
    rnd = random.Random(seed)
    h = round(width / 1.585)
    tint = (rnd.randrange(200, 225), rnd.randrange(222, 238), rnd.randrange(225, 242))
    img = Image.linear_gradient("L").resize((width, h)).point(lambda v: 255 - v // 10)
    img = ImageChops.multiply(Image.merge("RGB", (img, img, img)), Image.new("RGB", (width, h), tint))
    img = ImageChops.add(img, Image.new("RGB", (width, h), (18, 18, 18)))
    draw = ImageDraw.Draw(img)
    wave = (tint[0] - 25, tint[1] - 20, tint[2] - 15)
    for k in range(9):  # guilloche: faint sine lines across the card
        phase, y = rnd.random() * 6.28, h * (0.1 + 0.1 * k)
        pts = [(x, y + h * 0.03 * math.sin(x / width * 12 + phase)) for x in range(0, width + 8, 8)]
        draw.line(pts, fill=wave, width=max(1, width // 400))
    person = random.Random(seed * 7 + 1)
    if side == "front":
        r = h * 0.16
        cx, cy = width * 0.17, h * 0.26
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(200, 30, 30))
        draw.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], fill=(235, 190, 60))
        _seal(draw, (cx, cy), int(r * 0.6), colour=(200, 30, 30))
        _text(draw, (width * 0.36, h * 0.14), _words(person, 7, 0), int(h * 0.09), (40, 40, 40))
        _text(draw, (width * 0.3, h * 0.34), _words(person, 5, 0), int(h * 0.14), (40, 40, 40))
        px = int(h * 0.055)
        _text(draw, (width * 0.22, h * 0.7), _words(person, 4, 0) + "  " + _words(person, 9, 0.1), px, (30, 30, 30))
        _text(draw, (width * 0.22, h * 0.8), _words(person, 4, 0) + "  " + _words(person, 16, 0.9), px,
              (30, 30, 30))  # fmt: skip
    else:
        _portrait(draw, (int(width * 0.64), int(h * 0.12), int(width * 0.93), int(h * 0.7)), person)
        px = int(h * 0.055)
        y = h * 0.1
        for n in (3, 6, 9, 14, 14):
            _text(draw, (width * 0.06, y), _words(person, 2, 0) + "  " + _words(person, n), px, (30, 30, 30))
            y += h * 0.12
        _text(draw, (width * 0.06, h * 0.8), _words(person, 6, 0) + "  " + _words(person, 18, 1.0),
              int(h * 0.065), (20, 20, 20))  # fmt: skip
    mask = Image.new("L", (width, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, width - 1, h - 1], radius=h // 16, fill=255)
    return img, mask


def diploma(width: int, seed: int, landscape: bool = True) -> tuple[Image.Image, Image.Image]:
    """A graduation certificate: cream paper, a red double border, a title, a photo, lines, a seal."""
    rnd = random.Random(seed)
    w, h = (width, round(width * 0.7)) if landscape else (width, round(width * 1.41))
    img = Image.new("RGB", (w, h), (rnd.randrange(238, 250), rnd.randrange(230, 242), rnd.randrange(205, 225)))
    draw = ImageDraw.Draw(img)
    m = w // 22
    draw.rectangle([m, m, w - m, h - m], outline=(170, 40, 40), width=max(2, w // 150))
    draw.rectangle([m * 1.4, m * 1.4, w - m * 1.4, h - m * 1.4], outline=(190, 150, 60), width=max(1, w // 400))
    tp = int(min(w, h) * 0.085)
    _text(draw, (w / 2 - tp * 2, m * 2), _words(rnd, 4, 0), tp, (150, 30, 30))
    _portrait(draw, (int(m * 2.2), int(h * 0.3), int(m * 2.2 + w * 0.14), int(h * 0.3 + w * 0.19)), rnd)
    px = max(8, int(min(w, h) * 0.035))
    y = h * 0.3
    while y < h * 0.78:
        _text(draw, (m * 2.6 + w * 0.15, y), _words(rnd, rnd.randrange(8, 22), 0.2), px, (35, 35, 35))
        y += px * 1.9
    _seal(draw, (w * 0.72, h * 0.74), int(min(w, h) * 0.11))
    _text(draw, (w * 0.62, h * 0.86), _words(rnd, 10, 0.7), px, (35, 35, 35))
    return img, Image.new("L", (w, h), 255)


def certificate(width: int, seed: int) -> tuple[Image.Image, Image.Image]:
    """A stamped certificate on white A4: title, a ruled table of fields, a red stamp over the text."""
    rnd = random.Random(seed)
    w, h = width, round(width * 1.414)
    img = Image.new("RGB", (w, h), (rnd.randrange(244, 252),) * 3)
    draw = ImageDraw.Draw(img)
    m = w // 12
    tp = int(w * 0.06)
    _text(draw, (w / 2 - tp * 3, m), _words(rnd, 6, 0), tp, (20, 20, 20))
    rows, top, bottom = 9, h * 0.2, h * 0.72
    step = (bottom - top) / rows
    px = max(8, int(step * 0.35))
    for i in range(rows + 1):
        draw.line([m, top + i * step, w - m, top + i * step], fill=(60, 60, 60), width=max(1, w // 500))
    for x in (m, w * 0.35, w - m):
        draw.line([x, top, x, bottom], fill=(60, 60, 60), width=max(1, w // 500))
    for i in range(rows):
        y = top + i * step + step * 0.3
        _text(draw, (m + px, y), _words(rnd, 3, 0), px, (30, 30, 30))
        _text(draw, (w * 0.35 + px, y), _words(rnd, rnd.randrange(4, 16), 0.3), px, (30, 30, 30))
    y = h * 0.76
    for _ in range(3):
        _text(draw, (m, y), _words(rnd, rnd.randrange(14, 24), 0.1), px, (30, 30, 30))
        y += px * 1.8
    _seal(draw, (w * 0.68, h * 0.84), int(w * 0.12))
    return img, Image.new("L", (w, h), 255)


def text_page(width: int, seed: int) -> tuple[Image.Image, Image.Image]:
    """A page of running text (a work certificate, a letter): many small lines, paragraphs."""
    rnd = random.Random(seed)
    w, h = width, round(width * 1.414)
    img = Image.new("RGB", (w, h), (250, 250, 248))
    draw = ImageDraw.Draw(img)
    m = w // 10
    px = max(8, w // 40)
    _text(draw, (w / 2 - px * 4, m), _words(rnd, 5, 0), px * 2, (15, 15, 15))
    y = m + px * 4
    while y < h - m * 1.5:
        indent = px * 2 if rnd.random() < 0.2 else 0
        n = (w - 2 * m - indent) // px - (rnd.randrange(0, 12) if rnd.random() < 0.25 else 0)
        _text(draw, (m + indent, y), _words(rnd, max(1, n)), px, (25, 25, 25))
        y += px * 1.7
    _seal(draw, (w * 0.7, h - m * 1.6), int(w * 0.1))
    return img, Image.new("L", (w, h), 255)


def residence_permit(width: int, seed: int) -> tuple[Image.Image, Image.Image]:
    """A residence permit (居住证), card-sized: a pale green card, a title band, the photo on the left,
    the holder's fields on the right, the number along the bottom."""
    rnd = random.Random(seed)
    h = round(width / 1.585)
    img = Image.new("RGB", (width, h), (rnd.randrange(214, 230), rnd.randrange(232, 244), rnd.randrange(205, 222)))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, width, int(h * 0.2)], fill=(rnd.randrange(60, 90), rnd.randrange(130, 160), 110))
    _text(draw, (width * 0.28, h * 0.04), _words(rnd, 6, 0), int(h * 0.11), (245, 245, 240))
    _portrait(draw, (int(width * 0.05), int(h * 0.28), int(width * 0.32), int(h * 0.82)), rnd)
    px = int(h * 0.06)
    y = h * 0.3
    for n in (3, 2, 8, 12, 12):
        _text(draw, (width * 0.37, y), _words(rnd, 2, 0) + "  " + _words(rnd, n, 0.2), px, (30, 30, 30))
        y += h * 0.105
    _text(draw, (width * 0.05, h * 0.87), _words(rnd, 18, 1.0), int(h * 0.07), (20, 20, 20))
    mask = Image.new("L", (width, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, width - 1, h - 1], radius=h // 16, fill=255)
    return img, mask


DOCUMENTS = ("card front", "card back", "diploma", "diploma portrait", "certificate", "text page")


def document(kind: str, width: int, seed: int) -> tuple[Image.Image, Image.Image]:
    if kind == "residence permit":
        return residence_permit(width, seed)
    if kind.startswith("card"):
        return card_face(kind.split()[1], width, seed)
    if kind.startswith("diploma"):
        return diploma(width, seed, landscape=kind == "diploma")
    if kind == "certificate":
        return certificate(width, seed)
    return text_page(width, seed)


# --- scenes and the camera ---------------------------------------------------------------------


DESKS = ((120, 80, 50), (90, 60, 40), (150, 150, 150), (60, 62, 70), (170, 160, 140), (40, 90, 70))


def desk(size: tuple[int, int], rnd: random.Random) -> Image.Image:
    """A table top (dark wood to light grey, soft blotches, maybe grain), shifted at random."""
    img = _desk(size, rnd.randrange(len(DESKS)), rnd.random() < 0.5)
    return ImageChops.offset(img, rnd.randrange(size[0]), rnd.randrange(size[1]))


@lru_cache(maxsize=32)
def _desk(size: tuple[int, int], style: int, wood: bool) -> Image.Image:
    w, h = size
    rnd = random.Random(f"desk {size} {style} {wood}")
    small = (w // 96 + 2, h // 96 + 2)
    tone = _noise(small, rnd).point(lambda v: v // 6)  # mostly brightness, a little colour
    blotch = Image.merge("RGB", [ImageChops.add(tone, _noise(small, rnd).point(lambda v: v // 24)) for _ in range(3)])
    img = blotch.resize(size, Image.Resampling.BICUBIC)
    img = ImageChops.add(img, Image.new("RGB", size, DESKS[style]), offset=-26)
    if wood:  # streaks along x
        streak = _noise((max(2, w // 40), h // 2 + 1), rnd).point(lambda v: 128 + (v - 128) // 10)
        streak = streak.resize(size, Image.Resampling.BILINEAR)
        img = ImageChops.add(img, Image.merge("RGB", (streak,) * 3), offset=-128)
    return img


@dataclass(frozen=True)
class Shot:
    """How one picture is taken: placement of the document and the camera's settings."""

    frame: tuple[int, int]
    fill: float = 0.75  # document size / frame, in the limiting dimension
    angle: float = 0.0
    centre: tuple[float, float] = (0.5, 0.5)  # of the document, as fractions of the frame
    gain: float = 1.0
    light: float = 0.12  # strength of a linear light gradient
    light_dir: float = 0.0  # radians
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)
    blur: float = 0.0008  # optical blur sigma / long side
    motion: float = 0.0  # camera-shake streak length / long side
    grain: float = 3.0  # sensor noise, grey levels (sd)
    glare: tuple[float, float, float, float] | None = None  # (cx, cy, radius, elongation), frame fractions
    quality: int = 85


def compose(doc: Image.Image, mask: Image.Image, background: Image.Image, shot: Shot) -> Image.Image:
    doc = doc.copy()
    doc.putalpha(mask)
    if shot.angle:
        doc = doc.rotate(shot.angle, Image.Resampling.BILINEAR, expand=True)
    img = background.copy()
    w, h = shot.frame
    img.paste(doc, (round(shot.centre[0] * w - doc.width / 2), round(shot.centre[1] * h - doc.height / 2)), doc)
    return img


def _gradient(shot: Shot) -> Image.Image:
    w, h = shot.frame
    grad = Image.linear_gradient("L").rotate(math.degrees(shot.light_dir), Image.Resampling.BILINEAR)
    grad = grad.crop((48, 48, 208, 208)).resize((w, h), Image.Resampling.BILINEAR)
    low = 255 - int(255 * shot.light)
    return grad.point(lambda v: low + (255 - low) * v // 255)


def _glare_blob(shot: Shot) -> Image.Image:
    """A specular reflection: saturating core, soft halo (added to the lit scene)."""
    w, h = shot.frame
    cx, cy, r, elong = shot.glare
    rad = Image.radial_gradient("L")  # 0 at the centre, 255 at radius 128 (corner ~181)
    blob = rad.point(lambda v: max(0, min(255, int(620 * (1 - v / 140) ** 1.6))) if v < 140 else 0)
    rx, ry = int(r * min(w, h) * elong), int(r * min(w, h))
    blob = blob.resize((max(4, 2 * rx), max(4, 2 * ry)), Image.Resampling.BILINEAR).rotate(
        (cx * 997) % 180, Image.Resampling.BILINEAR, expand=True
    )
    layer = Image.new("L", (w, h), 0)
    layer.paste(blob, (int(cx * w - blob.width / 2), int(cy * h - blob.height / 2)))
    return layer


def camera(scene: Image.Image, shot: Shot, rnd: random.Random) -> Image.Image:
    """Light, optics, sensor, JPEG: the decoded upload."""
    img = scene
    if shot.light:  # light falls off across the desk, before the sensor
        img = ImageChops.multiply(img, Image.merge("RGB", (_gradient(shot),) * 3))
    if shot.gain != 1.0 or shot.cast != (1.0, 1.0, 1.0):  # exposure and white balance, clipped as a sensor clips
        img = img.point([min(255, int(v * shot.gain * k)) for k in shot.cast for v in range(256)])
    if shot.glare:
        blob = _glare_blob(shot)
        img = ImageChops.add(img, Image.merge("RGB", (blob, blob, blob)))
    long_side = max(shot.frame)
    if shot.motion:
        n = max(2, round(shot.motion * long_side))
        angle = rnd.uniform(0, math.pi)
        step = 1
        while step < n:  # averaging with a shifted copy, doubling: a straight streak of ~n pixels
            shifted = ImageChops.offset(img, round(step * math.cos(angle)), round(step * math.sin(angle)))
            img = Image.blend(img, shifted, 0.5)
            step *= 2
    sigma = shot.blur * long_side
    if sigma >= 2:
        img = img.filter(ImageFilter.GaussianBlur(sigma))
    elif sigma:  # a good lens: one box pass of the same spread is as good a model and 5x cheaper
        img = img.filter(ImageFilter.BoxBlur(max(0.0, (math.sqrt(12 * sigma**2 + 1) - 1) / 2)))
    if shot.grain:
        n = _grain(shot.frame, round(shot.grain * 2) / 2)
        n = ImageChops.offset(n, rnd.randrange(n.width), rnd.randrange(n.height))
        img = ImageChops.add(img, Image.merge("RGB", (n, n, n)), offset=-128)
    return decode(jpeg(img, shot.quality))


@lru_cache(maxsize=64)
def _grain(size: tuple[int, int], sd: float) -> Image.Image:
    """Sensor noise around 128 (shifted at random per picture: generating it is the slow part)."""
    n = _noise(size, random.Random(f"{size} {sd}")).filter(ImageFilter.BoxBlur(0.5))
    k = sd / 40  # box-blurred uniform noise has sd ~ 40 grey levels
    return n.point(lambda v: max(0, min(255, round(128 + (v - 128) * k))))


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


# --- the set -----------------------------------------------------------------------------------

# What a <= 200 KB upload usually is: a phone photo shrunk to 0.5-2 Mpx.
FRAMES = ((1600, 1200), (1200, 1600), (1280, 960), (1024, 768), (960, 1280), (1024, 768), (800, 600))


def _shot(rnd: random.Random, frame: tuple[int, int], **kw) -> Shot:
    base = dict(
        frame=frame,
        fill=rnd.uniform(0.55, 0.85),
        angle=rnd.uniform(-5, 5),
        centre=(0.5 + rnd.uniform(-0.04, 0.04), 0.5 + rnd.uniform(-0.04, 0.04)),
        gain=rnd.uniform(0.8, 1.12),
        light=rnd.uniform(0.0, 0.2),
        light_dir=rnd.uniform(0, 6.28),
        cast=rnd.choice([(1.0, 1.0, 1.0), (1.05, 1.0, 0.88), (0.92, 0.98, 1.05), (1.0, 0.97, 0.9)]),
        blur=rnd.uniform(0.0003, 0.0008),
        grain=rnd.uniform(1.5, 4.0),
        quality=rnd.randrange(78, 93),
    )
    base.update(kw)
    return Shot(**base)


def _doc_width(kind: str, shot: Shot, doc_aspect: float) -> int:
    """The document's pixel width so that it fills ``shot.fill`` of the frame."""
    w, h = shot.frame
    return max(60, int(min(w * shot.fill, h * shot.fill / doc_aspect)))


ASPECT = {"card front": 1 / 1.585, "card back": 1 / 1.585, "diploma": 0.7, "diploma portrait": 1.41,
          "certificate": 1.414, "text page": 1.414, "residence permit": 1 / 1.585}  # fmt: skip


def take(kind: str, doc_seed: int, shot: Shot, rnd: random.Random, background: Image.Image | None = None):
    width = _doc_width(kind, shot, ASPECT[kind])
    doc, mask = document(kind, width, doc_seed)
    bg = background if background is not None else desk(shot.frame, rnd)
    return camera(compose(doc, mask, bg, shot), shot, rnd)


def scan(kind: str, doc_seed: int, width: int, rnd: random.Random, grey: bool = False, white: bool = False):
    """A flatbed or app scan: the page is the frame (its own margins are the border). ``white``: as a
    scanner app "enhances" it, paper pushed to pure white, ink deepened."""
    doc, _ = document(kind, width, doc_seed)
    if kind.startswith("card"):  # a card is scanned on the white bed with room around it
        bed = Image.new("RGB", (int(width * 1.3), int(doc.height * 1.5)), (250, 250, 250))
        bed.paste(doc, (int(width * 0.1), int(doc.height * 0.15)))
        doc = bed
    shot = Shot(frame=doc.size, light=0.0, blur=0.0004, grain=1.0, quality=rnd.randrange(80, 92))
    if white:
        doc = doc.point(lambda v: max(0, min(255, (v - 40) * 255 // 190)))
    img = camera(doc, shot, rnd)
    return img.convert("L") if grey else img


def _cut_shot(rnd: random.Random, frame: tuple[int, int], kind: str) -> Shot:
    """A document that leaves the frame: shifted out on one or two sides, or too close."""
    mode = rnd.choice(["one side", "two sides", "too close", "one side"])
    if mode == "too close":
        return _shot(rnd, frame, fill=rnd.uniform(1.1, 1.35))
    fill = rnd.uniform(0.65, 0.85)
    aspect = ASPECT[kind]
    w, h = frame
    dw = min(w * fill, h * fill / aspect) / w  # document width, fraction of the frame
    dh = dw * w * aspect / h
    out = rnd.uniform(0.08, 0.35)  # the part of the document outside
    cx, cy = 0.5, 0.5
    sides = rnd.sample(["left", "right", "top", "bottom"], 1 if mode == "one side" else 2)
    if "left" in sides or "right" in sides:
        s = -1 if "left" in sides else 1
        cx = 0.5 + s * (0.5 - dw / 2 + dw * out)
    if "top" in sides or "bottom" in sides:
        s = -1 if "top" in sides else 1
        cy = 0.5 + s * (0.5 - dh / 2 + dh * out)
    return _shot(rnd, frame, fill=fill, centre=(cx, cy), angle=rnd.uniform(-3, 3))


def _glare_shot(rnd: random.Random, frame: tuple[int, int], kind: str) -> Shot:
    shot = _shot(rnd, frame, fill=rnd.uniform(0.65, 0.85))
    w, h = frame
    aspect = ASPECT[kind]
    dw = min(w * shot.fill, h * shot.fill / aspect) / w
    dh = dw * w * aspect / h
    cx = 0.5 + rnd.uniform(-0.3, 0.3) * dw
    cy = 0.5 + rnd.uniform(-0.3, 0.3) * dh
    return Shot(**{**shot.__dict__, "glare": (cx, cy, rnd.uniform(0.08, 0.17), rnd.uniform(1.0, 2.2))})


def _degraded(warning: str, rnd: random.Random, frame: tuple[int, int], kind: str) -> Shot:
    if warning == "BLURRY":
        if rnd.random() < 0.3:
            return _shot(rnd, frame, motion=rnd.uniform(0.01, 0.02))
        return _shot(rnd, frame, blur=rnd.choice([0.003, 0.004, 0.006, 0.009]))
    if warning == "TOO_DARK":
        return _shot(rnd, frame, gain=rnd.uniform(0.12, 0.3), grain=rnd.uniform(3.0, 6.0))
    if warning == "OVEREXPOSED":
        return _shot(rnd, frame, gain=rnd.uniform(2.2, 3.5))
    if warning == "GLARE":
        return _glare_shot(rnd, frame, kind)
    if warning == "CUT_OFF":
        return _cut_shot(rnd, frame, kind)
    raise ValueError(warning)


def _small(frame: tuple[int, int], k: float) -> tuple[int, int]:
    return (round(frame[0] * k), round(frame[1] * k))


@lru_cache(maxsize=4)
def labelled_set(seed: int = HELD_OUT, scale: float = 1.0) -> tuple[Sample, ...]:
    """~190 photos: 70 good (48 photos of six document kinds, 10 of the corpus' generic document photo,
    12 scans) and 24 of each warning. ``scale`` shrinks every frame (for a quick look)."""
    rnd = random.Random(seed * 1000 + 16)
    out: list[Sample] = []

    def add(name, image, warnings, kind, scene):
        out.append(Sample(name, image, frozenset(warnings), kind, scene))

    for i in range(48):
        kind = DOCUMENTS[i % len(DOCUMENTS)]
        frame = _small(rnd.choice(FRAMES), scale)
        scene = f"s{seed}-good-{i}"
        add(f"{scene} {kind}", take(kind, seed * 100 + i, _shot(rnd, frame), rnd), (), "good", scene)
    for i in range(10):
        frame = _small(rnd.choice(FRAMES), scale)
        img = photo(frame, seed=seed * 100 + 60 + i)  # testkit/corpus.py's document on a desk
        shot = _shot(rnd, frame, light=0.0, blur=0.0, grain=0.0)
        scene = f"s{seed}-corpus-{i}"
        add(f"{scene} corpus photo", camera(img, shot, rnd), (), "good", scene)
    for i in range(12):
        kind = ("text page", "certificate", "diploma portrait", "card front")[i % 4]
        width = round(rnd.choice((1240, 1000, 850)) * scale)
        scene = f"s{seed}-scan-{i}"
        if i == 11:
            img = grey_scan((round(1240 * scale), round(1754 * scale)), seed=seed * 100 + 90)
            add(f"{scene} corpus grey scan", decode(fit_jpeg(img)), (), "good", scene)
        else:
            img = scan(kind, seed * 100 + 70 + i, width, rnd, grey=i % 3 == 0, white=i % 2 == 1)
            add(f"{scene} {kind} scan{' (app-whitened)' * (i % 2)}", img, (), "good", scene)
    for n, warning in enumerate(WARNINGS):
        for i in range(24):
            kind = DOCUMENTS[(i + n) % len(DOCUMENTS)]
            frame = _small(rnd.choice(FRAMES), scale)
            scene = f"s{seed}-{warning.lower()}-{i}"
            shot = _degraded(warning, rnd, frame, kind)
            add(f"{scene} {kind}", take(kind, seed * 100 + 200 + n * 24 + i, shot, rnd), (warning,), warning, scene)
    return tuple(out)


# --- screens -----------------------------------------------------------------------------------
# A screenshot of a phone screen is no photo: there is no exposure, reflection or frame the document
# could leave (a viewer shows a page fit to the screen's width, touching both sides). What tells it from
# a photo is the screen's tall shape (16:9 to 21:9) with flat, noise-free colours; a phone camera also
# takes tall frames (16:9, 20:9 "full screen" modes), and those must still be judged as photos.

SCREENS = ((1080, 2340), (1170, 2532), (720, 1600), (1080, 2400), (750, 1334), (2340, 1080))
TALL_FRAMES = ((720, 1600), (1600, 720), (900, 1600), (1080, 1920))
SCREEN_INKS = ((22, 119, 255), (7, 193, 96), (230, 67, 64), (40, 40, 48))


def _status_bar(draw: ImageDraw.ImageDraw, w: int, bar: int, ink) -> None:
    """The time on the left; signal, Wi-Fi and battery on the right."""
    _text(draw, (w * 0.06, bar * 0.22), "9:41", max(8, int(bar * 0.45)), ink)
    for k in range(3):
        x = w * (0.8 + k * 0.045)
        draw.rectangle([x, bar * 0.35, x + w * 0.03, bar * 0.62], fill=ink)


def _fit(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    k = min(box[0] / img.width, box[1] / img.height)
    return img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.Resampling.LANCZOS)


def _document_picture(kind: str, seed: int, width: int, rnd: random.Random, photographed: bool) -> Image.Image:
    """What a candidate has on the phone: the document as a file (flat) or a photo of it on a desk."""
    if photographed:
        frame = (1200, 900) if ASPECT[kind] < 1 else (900, 1200)
        return take(kind, seed, _shot(rnd, frame), rnd)
    doc, mask = document(kind, width, seed)
    flat = Image.new("RGB", doc.size, (250, 250, 250))
    flat.paste(doc, (0, 0), mask)
    return flat


def viewer_screen(kind: str, seed: int, size: tuple[int, int], rnd: random.Random, photographed: bool) -> Image.Image:
    """The phone's picture viewer: black, the picture fit to the screen between the bars."""
    w, h = size
    bar = round(min(w, h) * 0.075)
    img = Image.new("RGB", size, (0, 0, 0))
    _status_bar(ImageDraw.Draw(img), w, bar, (255, 255, 255))
    picture = _fit(_document_picture(kind, seed, w, rnd, photographed), (w, h - 2 * bar))
    img.paste(picture, ((w - picture.width) // 2, (h - picture.height) // 2))
    return img


def chat_screen(kind: str, seed: int, size: tuple[int, int], rnd: random.Random, photographed: bool) -> Image.Image:
    """A chat: grey, the title bar, messages, the document sent as a picture, the input bar."""
    w, h = size
    bar = round(min(w, h) * 0.075)
    img = Image.new("RGB", size, (237, 237, 237))
    draw = ImageDraw.Draw(img)
    _status_bar(draw, w, bar, (0, 0, 0))
    _text(draw, (w * 0.4, bar * 1.2), _words(rnd, 4, 0), int(bar * 0.5), (0, 0, 0))
    draw.line([0, bar * 2.2, w, bar * 2.2], fill=(218, 218, 218), width=2)
    y = bar * 2.6
    for _ in range(2):
        draw.rectangle([w * 0.04, y, w * 0.04 + bar, y + bar], fill=rnd.choice(SCREEN_INKS))
        draw.rounded_rectangle([w * 0.06 + bar, y, w * 0.8, y + bar * 1.1], radius=bar // 6, fill=(255, 255, 255))
        _text(draw, (w * 0.08 + bar, y + bar * 0.3), _words(rnd, 9), int(bar * 0.4), (25, 25, 25))
        y += bar * 1.5
    picture = _fit(_document_picture(kind, seed, w, rnd, photographed), (int(w * 0.6), int(h * 0.45)))
    draw.rectangle([w * 0.04, y, w * 0.04 + bar, y + bar], fill=rnd.choice(SCREEN_INKS))
    img.paste(picture, (int(w * 0.06 + bar), int(y)))
    draw.rectangle([0, h - bar * 1.6, w, h], fill=(247, 247, 247))
    draw.rounded_rectangle([w * 0.12, h - bar * 1.35, w * 0.8, h - bar * 0.35], radius=bar // 8, fill=(255, 255, 255))
    return img


def page_screen(kind: str, seed: int, size: tuple[int, int], rnd: random.Random, photographed: bool) -> Image.Image:
    """An electronic certificate in an app or a web page: a coloured title bar, the document across
    the width, text under it, a button."""
    w, h = size
    bar = round(min(w, h) * 0.075)
    ink = rnd.choice(SCREEN_INKS)
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, w, bar * 2.2], fill=ink)
    _status_bar(draw, w, bar, (255, 255, 255))
    _text(draw, (w * 0.35, bar * 1.2), _words(rnd, 6, 0), int(bar * 0.5), (255, 255, 255))
    picture = _fit(_document_picture(kind, seed, w, rnd, photographed), (int(w * 0.92), int(h * 0.5)))
    img.paste(picture, ((w - picture.width) // 2, int(bar * 2.6)))
    px = max(8, int(bar * 0.4))
    y = bar * 3 + picture.height
    while y < h - bar * 2.5:
        _text(draw, (w * 0.05, y), _words(rnd, int(w * 0.88 / px) - rnd.randrange(0, 6), 0.3), px, (50, 50, 50))
        y += px * 1.9
    draw.rounded_rectangle([w * 0.08, h - bar * 2, w * 0.92, h - bar * 1.1], radius=bar // 3, fill=ink)
    return img


SCREENSHOTS = (viewer_screen, chat_screen, page_screen)


def _as_uploaded(img: Image.Image, rnd: random.Random) -> Image.Image:
    """A PNG as the phone saved it, or the JPEG the web client compressed it to (quality 0.55-0.85)."""
    if rnd.random() < 0.25:
        buf = io.BytesIO()
        img.save(buf, "PNG")
        return decode(buf.getvalue()).convert("RGB")
    return decode(jpeg(img, rnd.choice((55, 65, 75, 85))))


@lru_cache(maxsize=4)
def screen_set(seed: int = HELD_OUT) -> tuple[Sample, ...]:
    """24 phone screenshots of documents (kind "screenshot", no warning: a viewer, a chat, an app's page;
    the document as a file or as a photo) and 24 photos in a phone camera's tall frames (12 good, 12 cut
    off)."""
    rnd = random.Random(seed * 1000 + 27)
    out: list[Sample] = []
    for i in range(24):
        kind = DOCUMENTS[i % len(DOCUMENTS)]
        make = SCREENSHOTS[i % len(SCREENSHOTS)]
        size = rnd.choice(SCREENS)
        photographed = i % 4 == 3
        img = _as_uploaded(make(kind, seed * 100 + 600 + i, size, rnd, photographed), rnd)
        scene = f"s{seed}-screenshot-{i}"
        out.append(Sample(f"{scene} {make.__name__} {kind}{' photo' * photographed} {size[0]}x{size[1]}", img,
                          frozenset(), "screenshot", scene))
    for i in range(24):
        kind = DOCUMENTS[i % len(DOCUMENTS)]
        frame = TALL_FRAMES[i % len(TALL_FRAMES)]
        cut = i % 2 == 1
        shot = _cut_shot(rnd, frame, kind) if cut else _shot(rnd, frame)
        scene = f"s{seed}-tall-{i}"
        out.append(Sample(f"{scene} {kind} {frame[0]}x{frame[1]}", take(kind, seed * 100 + 650 + i, shot, rnd),
                          frozenset({"CUT_OFF"} if cut else ()), "CUT_OFF" if cut else "good", scene))
    return tuple(out)


# --- duplicates --------------------------------------------------------------------------------


def _reencode(img: Image.Image, quality: int) -> Image.Image:
    return decode(jpeg(img, quality))


def _crop(img: Image.Image, rnd: random.Random, total: float) -> Image.Image:
    """Cut ``total`` of the width and of the height away, split at random between the sides."""
    w, h = img.size
    left = rnd.uniform(0, 1) * total
    top = rnd.uniform(0, 1) * total
    return img.crop((round(left * w), round(top * h), round(w * (1 - (total - left))), round(h * (1 - (total - top)))))


def variant(img: Image.Image, how: str, rnd: random.Random) -> Image.Image:
    if how == "reencode":
        return _reencode(img, rnd.randrange(55, 76))
    if how == "resize":
        k = rnd.uniform(0.5, 0.8)
        return _reencode(img.resize(_small(img.size, k), Image.Resampling.LANCZOS), 85)
    if how == "crop":
        return _reencode(_crop(img, rnd, rnd.uniform(0.02, 0.05)), 85)
    if how == "all":
        k = rnd.uniform(0.5, 0.8)
        small = _crop(img, rnd, rnd.uniform(0.02, 0.05)).resize(_small(img.size, k), Image.Resampling.LANCZOS)
        return _reencode(small, rnd.randrange(55, 76))
    raise ValueError(how)


VARIANTS = ("reencode", "resize", "crop", "all")


@lru_cache(maxsize=4)
def duplicate_pairs(seed: int = HELD_OUT) -> tuple[Pair, ...]:
    """4 variants of 30 uploads (the same picture); 20 cards photographed front and back on one desk a
    moment apart, and every pair of good photos of the same kind of document of two candidates
    (different pictures that look alike)."""
    rnd = random.Random(seed * 1000 + 61)
    pairs: list[Pair] = []
    originals = [s for s in labelled_set(seed) if s.kind == "good"][:30]
    for s in originals:
        for how in VARIANTS:
            pairs.append(Pair(f"{s.name} / {how}", s.image, variant(s.image, how, rnd), True, how))
    for i in range(20):
        frame = rnd.choice(FRAMES[:5])
        shot = _shot(rnd, frame, fill=rnd.uniform(0.6, 0.8))
        bg = desk(frame, rnd)
        card = seed * 100 + 500 + i
        front = take("card front", card, shot, rnd, bg)
        moved = Shot(**{**shot.__dict__,
                        "angle": shot.angle + rnd.uniform(-1.5, 1.5) * (i % 4 != 0),
                        "centre": (shot.centre[0] + rnd.uniform(-0.02, 0.02) * (i % 4 != 0),
                                   shot.centre[1] + rnd.uniform(-0.02, 0.02) * (i % 4 != 0))})  # fmt: skip
        back = take("card back", card, moved, rnd, bg)
        pairs.append(Pair(f"card {card} front / back", front, back, False, "card sides"))
    good = [s for s in labelled_set(seed) if s.kind == "good" and "scan" not in s.name]
    for i, a in enumerate(good):  # two candidates' documents of one kind, each on its own desk
        for b in good[i + 1 :]:
            if a.name.split(" ", 1)[1] == b.name.split(" ", 1)[1]:
                pairs.append(Pair(f"{a.name} / {b.name}", a.image, b.image, False, "same template"))
    return tuple(pairs)


# --- reporting (the unit test and tools/derive_quality_thresholds.py) ----------------------------

ROWS = ("good",) + WARNINGS


def confusion(samples, judged: list[tuple[str, ...]]) -> dict[str, dict[str, int]]:
    """rows: what the photo is (good or its one warning); columns: warnings given, and "none"."""
    table = {r: {c: 0 for c in (*WARNINGS, "none", "photos")} for r in ROWS}
    for s, got in zip(samples, judged, strict=True):
        row = s.kind
        table[row]["photos"] += 1
        for w in got:
            table[row][w] += 1
        if not got:
            table[row]["none"] += 1
    return table


def format_confusion(table) -> str:
    """One row per kind of photo; a photo given two warnings counts in both columns."""
    cols = (*WARNINGS, "none")
    lines = [f"{'photo / warned':14}" + "".join(f"{c:>13}" for c in cols) + f"{'photos':>8}"]
    for r in ROWS:
        lines.append(f"{r:14}" + "".join(f"{table[r][c]:>13}" for c in cols) + f"{table[r]['photos']:>8}")
    return "\n".join(lines)


def scores(samples, judged) -> dict[str, tuple[float, float, int, int, int]]:
    """Per warning: (precision, recall, true positives, false positives, false negatives)."""
    out = {}
    for w in WARNINGS:
        tp = sum(1 for s, g in zip(samples, judged, strict=True) if w in g and w in s.warnings)
        fp = sum(1 for s, g in zip(samples, judged, strict=True) if w in g and w not in s.warnings)
        fn = sum(1 for s, g in zip(samples, judged, strict=True) if w not in g and w in s.warnings)
        out[w] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)
    return out
