"""Instant quality feedback on an upload (api-contract.md "Instant quality feedback"). Pure: no AWS.

``assess(img)`` looks at the upright, decoded picture process_image already holds and says, in about a
millisecond, what a reviewer would otherwise say days later (R12, R16): blurred, too dark, blown out,
a glare over the text, or the document cut off by the frame. It also returns two 64-bit perceptual
hashes, of the whole picture (the scene) and of the document cropped out of it, so the same picture is
recognised in another slot (``DUPLICATE``) or in another application (``duplicateOf``, through
``band_keys``/``probe_keys`` and an index, never a Scan). A warning never refuses an image: the
candidate decides.

Everything is measured on small copies taken by nearest-neighbour sampling (256 px and 128 px on the
long side): sampling reads ~1/40 of the pixels, where an averaging reduce of a 2 Mpx photo alone would
cost more than the whole assessment may (<= 10 % of the pipeline; ``make bench`` row 7). Sampling also
makes the measures scale-free: neighbouring samples are 1/256 of the picture apart whatever its size.

The measures (their thresholds are data: quality_thresholds.json, re-derived from the labelled set by
tools/derive_quality_thresholds.py):

* ``sharpness`` - how steep the steepest edges are: the 99.5th percentile of the difference between
  neighbouring samples, horizontally and vertically (the smaller of the two, so camera shake along one
  axis counts), over the picture's contrast (99th - 1st percentile). A sharp edge of text jumps most of
  the contrast in one step; blur spreads it over several. Dividing by contrast keeps dim or pale
  documents from looking blurred; the high percentile ignores the flat paper and is not raised by grain
  the way the variance of the Laplacian is.
* ``brightness`` - the 95th percentile of grey: the paper. ``saturated`` - the share at >= 250 grey.
  ``ink`` - the darkest 1 %; ``midtones`` - the lower quartile of what is not clipped (desk, shadows).
  Blown out is a clipped picture whose ink and mid-tones are both lifted: a white page photographed
  on a desk clips as much but keeps a normal desk; an app-whitened scan keeps black ink.
* ``glare`` - the share of the picture covered by saturated, featureless blobs (at least 3x3 samples of
  >= 250 grey), judged with ``glare_surround``, the median grey around them: a reflection sits on a lit
  document (light, not white). Around a white page's clipped paper is more white paper; around its
  clipped margin, the dark desk; a blob over half the picture is exposure, not a reflection.
* ``cut`` - how much of the outermost band of samples on any side is the document (close to the paper
  colour measured in the middle). A photo with the whole document on a desk has none on every side; a
  scan is the document on every side (then what counts is ink touching the frame edge).
* ``flat`` - the share of neighbouring samples of exactly one grey (the smaller of horizontal and
  vertical), and ``aspect`` - the long side over the short. A screenshot of a phone screen is a tall
  frame (16:9 to 21:9; a camera's default is 4:3) of noise-free flat colour (sensor grain makes a
  photo's neighbours differ). It has no camera, so nothing to blow out, reflect or leave the frame: a
  viewer shows a page fit to the screen's width, touching both sides, which ``cut`` would call cut
  off, and white app pages clip as an overexposed photo does. Only blur is judged on it.

The same picture (``core.likeness``): its scene hash and its document hash both within their derived
bounds. Every document a candidate photographs in one sitting lies on the same desk in the same place:
the scene hashes of different documents are as close as those of one picture re-encoded, and only the
document's hash tells them apart (tests/same_desk.py). The document is the box where the picture has
the paper's colour, the same samples ``cut`` reads.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple, cast

from PIL import Image, ImageChops, ImageFilter, ImageMath, ImageStat

from core.likeness import BAND_BITS, BANDS, Bounds, alike, as_text, band_key, band_keys, hamming  # noqa: F401
from core.reasons import QUALITY_WARNINGS

WARNINGS = ("BLURRY", "TOO_DARK", "OVEREXPOSED", "GLARE", "CUT_OFF")
DUPLICATE = "DUPLICATE"
THRESHOLDS_FILE = Path(__file__).resolve().parent / "quality_thresholds.json"

def message(code: str) -> dict[str, str]:
    """``{code, message, messageZh}`` as the contract shows a warning."""
    text = QUALITY_WARNINGS[code]
    return {"code": code, "message": text.message, "messageZh": text.message_zh}


@dataclass(frozen=True)
class Assessment:
    warnings: tuple[str, ...]  # in WARNINGS order; empty when fine
    phash: int  # 64-bit perceptual hash of the whole picture (unsigned): the scene
    measures: dict[str, float] = field(default_factory=dict)
    probe_keys: tuple[str, ...] = ()  # band keys to Query for near duplicates (see probe_keys)
    document: int = 0  # 64-bit perceptual hash of the document cropped out of the picture

    @property
    def signature(self) -> str:
        """Both hashes as the image record and the likeness index keep them (core.likeness)."""
        return as_text(self.phash, self.document)


def values(data: dict) -> dict:
    """A thresholds document without its comments."""
    return {name: {k: v for k, v in entry.items() if k != "comment"} for name, entry in data.items()
            if not name.startswith("_")}  # fmt: skip


@lru_cache(maxsize=1)
def thresholds() -> dict:
    """The thresholds file, values only (the comments are for people)."""
    return values(json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8")))


# --- small copies --------------------------------------------------------------------------------

WORK_SIDE = 256  # long side of the grey copy: sharpness, exposure, hash
COARSE_SIDE = 128  # long side of the colour copy: glare, cut-off


def _sampled(img: Image.Image, side: int) -> Image.Image:
    w, h = img.size
    k = side / max(w, h)
    if k >= 1:
        return img
    return img.resize((max(2, round(w * k)), max(2, round(h * k))), Image.Resampling.NEAREST)


def _percentile(hist: list[int], q: float) -> int:
    """The smallest value with at least q of the samples at or below it."""
    cumulative = list(accumulate(hist))
    return min(bisect_left(cumulative, q * cumulative[-1]), len(hist) - 1)


def _mapped(img: Image.Image, table: list[int]) -> Image.Image:
    """``img.point(table)`` without Image.point re-rounding all 256-768 entries in Python (a quarter
    of what a threshold costs on these small copies); the tables here are already ints."""
    return img._new(img.im.point(table, None))


def _band(centre: int, half: int) -> list[int]:
    """A lookup table: 255 within ``half`` of ``centre``, else 0."""
    lo, hi = max(0, centre - half), min(255, centre + half)
    return [0] * lo + [255] * (hi - lo + 1) + [0] * (255 - hi)


# --- measures ------------------------------------------------------------------------------------


def _sharpness(grey: Image.Image, hist: list[int]) -> tuple[float, int, float]:
    """(sharpness, contrast, flat) from the differences between neighbouring samples."""
    w, h = grey.size
    dx = ImageChops.difference(grey.crop((1, 0, w, h)), grey.crop((0, 0, w - 1, h))).histogram()
    dy = ImageChops.difference(grey.crop((0, 1, w, h)), grey.crop((0, 0, w, h - 1))).histogram()
    contrast = max(1, _percentile(hist, 0.99) - _percentile(hist, 0.01))
    steepest = min(_percentile(dx, 0.995), _percentile(dy, 0.995))
    flat = min(dx[0] / max(1, sum(dx)), dy[0] / max(1, sum(dy)))
    return steepest / contrast, contrast, flat


_SATURATED = [0] * 250 + [255] * 6  # >= 250 grey: clipped, or as good as
_ALL_ON = [0] * 255 + [255]  # after a box blur: every sample around was on (erosion)
_ANY_ON = [0] + [255] * 255  # after a box blur: some sample around was on (dilation)


def _grow(mask: Image.Image, radius: int) -> Image.Image:
    return _mapped(mask.filter(ImageFilter.BoxBlur(radius)), _ANY_ON)


def _glare(grey: Image.Image, saturated_share: float) -> tuple[float, int]:
    """(area share of featureless saturated blobs, the median grey around them). Around a reflection
    is the document, lit: light but not white. Around the clipped margin of a white page lies the desk
    (dark); around an app-whitened scan's paper, the text; a white page's clipped paper is white all round.

    Morphology on the 128 px mask with box blurs (a rank filter costs 10x more): an opening keeps the
    blobs at least 3x3 samples wide, so text on a white page (ink every few samples) drops out."""
    if not saturated_share:
        return 0.0, 255
    core = _mapped(_mapped(grey, _SATURATED).filter(ImageFilter.BoxBlur(1)), _ALL_ON)
    core = _grow(core, 1)
    area = core.histogram()[255] / (grey.width * grey.height)
    if not area:
        return 0.0, 255
    ring = ImageChops.subtract(_grow(core, 4), core)
    surround = grey.histogram(mask=ring)
    return area, (_percentile(surround, 0.5) if sum(surround) else 255)


# Structure, not thresholds: a side's outermost samples are "document" within PAPER_DELTA (max over
# R, G, B) of the paper colour measured in the middle - wide enough for a light falling off by ~15 %
# across the page, narrow enough to tell a light card from a grey desk; a picture whose four sides
# are each at least FULL_FRAME document is a scan (or a document filling the frame), judged by ink.
PAPER_DELTA = 36
FULL_FRAME = 0.9


def _paper(colour: Image.Image, grey: Image.Image) -> tuple[int, Image.Image]:
    """(the paper's grey, a mask of the samples of the paper's colour). ``colour`` is the RGB (or, for
    a grey picture, L) sample, ``grey`` its grey."""
    w, h = colour.size
    middle = (w * 3 // 10, h * 3 // 10, w * 7 // 10, h * 7 // 10)
    centre = grey.crop(middle)
    paper_grey = _percentile(centre.histogram(), 0.75)  # paper: the bright bulk of the middle
    like_paper = _mapped(centre, _band(paper_grey, 12))
    paper = [round(c) for c in ImageStat.Stat(colour.crop(middle), like_paper).mean]
    # Each channel 255 where within PAPER_DELTA of the paper's; the grey of that is 255 only where all are.
    near = _mapped(colour, [v for c in paper for v in _band(c, PAPER_DELTA)])
    return paper_grey, near if near.mode == "L" else near.convert("L")


def _cut(grey: Image.Image, paper_grey: int, near: Image.Image) -> dict:
    """How far the document reaches into the outermost samples (2 of 128) of each side."""
    w, h = near.size
    sides = ((0, 0, 2, h), (w - 2, 0, w, h), (0, 0, w, 2), (0, h - 2, w, h))
    reach = [near.crop(box).histogram()[255] / ((box[2] - box[0]) * (box[3] - box[1])) for box in sides]
    if min(reach) >= FULL_FRAME:
        # The document is the frame (a scan): cut only if its content runs into the edge.
        dark = math.ceil(paper_grey * 0.6)
        ink = _mapped(grey, [255] * dark + [0] * (256 - dark))
        return {"cut": max(ink.crop(box).histogram()[255] / ((box[2] - box[0]) * (box[3] - box[1])) for box in sides),
                "full_frame": 1.0}  # fmt: skip
    return {"cut": max(reach), "full_frame": 0.0}


# Structure, not thresholds: the document's box spans the rows (columns) holding at least half as many
# paper samples as the fullest one (a turned document's slanted edges count half), located to a
# fraction of a sample; DOCUMENT_INSET of it is left out on each side, so the desk in a turned
# document's corners and its uneven edge weigh little. A box under DOCUMENT_MIN of the frame either
# way is no document found: the document's hash is then the scene's.
DOCUMENT_INSET = 0.04
DOCUMENT_MIN = 0.15


def _extent(profile: Sequence[float]) -> tuple[float, float] | None:
    """Where a profile first rises to and last falls below half its peak, in samples (sample i spans
    [i, i + 1); the crossing is interpolated between neighbouring centres)."""
    half = max(profile) / 2
    if not half:
        return None
    inside = [i for i, v in enumerate(profile) if v >= half]
    i, j = inside[0], inside[-1]
    lo = i - 0.5 + (half - profile[i - 1]) / (profile[i] - profile[i - 1]) if i else 0.0
    hi = j + 0.5 + (profile[j] - half) / (profile[j] - profile[j + 1]) if j + 1 < len(profile) else float(len(profile))
    return lo, hi


def _span(near: Image.Image, across: bool, within: tuple[float, float] | None = None) -> tuple[float, float] | None:
    """The document's extent across (or down) the mask, counted ``within`` the other way's extent."""
    w, h = near.size
    if within:
        lo, hi = int(within[0]), math.ceil(within[1])
        near = near.crop((0, lo, w, hi) if across else (lo, 0, hi, h))
    profile = cast(Sequence[float], near.resize((w, 1) if across else (1, h), Image.Resampling.BOX).get_flattened_data())
    return _extent(profile)


def _document_box(near: Image.Image) -> tuple[float, float, float, float] | None:
    """The document's box (left, top, right, bottom) as fractions of the picture, or None. The rows
    first, then the columns within those rows, then the rows within those columns: a patch of light
    desk beside the document counts little in a profile taken across the document."""
    w, h = near.size
    down = _span(near, across=False)
    across = _span(near, across=True, within=down) if down else None
    down = _span(near, across=False, within=across) if across else None
    if not down or not across or across[1] - across[0] < DOCUMENT_MIN * w or down[1] - down[0] < DOCUMENT_MIN * h:
        return None
    dx, dy = (across[1] - across[0]) * DOCUMENT_INSET, (down[1] - down[0]) * DOCUMENT_INSET
    return (across[0] + dx) / w, (down[0] + dy) / h, (across[1] - dx) / w, (down[1] - dy) / h


# --- perceptual hash -----------------------------------------------------------------------------

_HASH_SIDE = 32
# The 64 lowest DCT frequencies of a 32x32 grey thumbnail: the 8x8 block without the DC term (the mean
# brightness, always above the median: a wasted bit), plus (8, 0).
_FREQS = [(u, v) for v in range(8) for u in range(8)][1:] + [(8, 0)]
_U = 9  # horizontal frequencies used (0..8)


def _weights(size: tuple[int, int], weight) -> Image.Image:
    im = Image.new("F", size)
    im.putdata([weight(x, y) for y in range(size[1]) for x in range(size[0])])
    return im


def _cos(u: int, x: int) -> float:
    return math.cos(math.pi * (2 * x + 1) * u / (2 * _HASH_SIDE))


# The separable DCT-II as two multiply-and-average passes in Pillow's C code (float images): the
# thumbnail tiled 9 times across, times each frequency's cosines, averaged along x; then that tiled 8
# times down, times the vertical cosines, averaged along y. 4x faster than the same sums in Python.
@lru_cache(maxsize=1)
def _cosines() -> tuple[Image.Image, Image.Image]:
    """The DCT's cosine tables as images, made on the first hash rather than at import (cold start)."""
    return (_weights((_U * _HASH_SIDE, _HASH_SIDE), lambda x, y: _cos(x // _HASH_SIDE, x % _HASH_SIDE)),
            _weights((_U, 8 * _HASH_SIDE), lambda x, y: _cos(y // _HASH_SIDE, y % _HASH_SIDE)))


def _product(a: Image.Image, b: Image.Image) -> Image.Image:
    return ImageMath.lambda_eval(lambda args: args["a"] * args["b"], a=a, b=b)


def _phash(grey: Image.Image, box: tuple[float, float, float, float] | None = None) -> tuple[int, list[float]]:
    """(hash, each bit's margin from the median) of ``grey`` or of its ``box`` (fractions): pHash,
    chosen over dHash and aHash by measurement (tools/derive_quality_thresholds.py): as robust to
    re-encoding, resizing and a few % of crop, and ~3x further apart on the two sides of one card."""
    n = _HASH_SIDE
    w, h = grey.size
    region = (box[0] * w, box[1] * h, box[2] * w, box[3] * h) if box else None
    raw = grey.resize((n, n), Image.Resampling.BOX, box=region).convert("F").tobytes()
    row_bytes = 4 * n  # float32
    tiled = Image.frombytes("F", (_U * n, n), b"".join(raw[i : i + row_bytes] * _U for i in range(0, len(raw), row_bytes)))
    rows = _product(tiled, _cosines()[0]).resize((_U, n), Image.Resampling.BOX)  # [y][u]
    stacked = Image.frombytes("F", (_U, 8 * n), rows.tobytes() * 8)
    # [v][u]; mode "F": one float per pixel
    dct = cast(Sequence[float], _product(stacked, _cosines()[1]).resize((_U, 8), Image.Resampling.BOX).get_flattened_data())
    coef = [dct[v * _U + u] for u, v in _FREQS]
    median = sorted(coef)[32]
    bits = 0
    for i, c in enumerate(coef):
        if c > median:
            bits |= 1 << i
    return bits, [abs(c - median) for c in coef]


def bounds() -> Bounds:
    """The derived bounds of the same picture (re-encoded, resized, a few % cropped, turned, taken again)."""
    t = thresholds()["DUPLICATE"]
    return Bounds(t["scene_max"], t["document_max"])


def same_picture(a: Assessment, b: Assessment) -> bool:
    """The same picture: the scene and the document both within their bounds."""
    return alike(a.signature, b.signature, bounds())


def _probe(phash: int, margins: list[float], flips: int) -> tuple[str, ...]:
    """The band keys of the hash and of the hash with the least certain bits of each band flipped (one
    at a time, and the two weakest together): re-encoding or cropping flips exactly those bits first."""
    keys = band_keys(phash)
    for i in range(BANDS):
        weakest = sorted(range(BAND_BITS * i, BAND_BITS * (i + 1)), key=margins.__getitem__)[:flips]
        variants = [1 << b for b in weakest] + ([(1 << weakest[0]) | (1 << weakest[1])] if flips >= 2 else [])
        keys += [band_key(phash ^ v, i) for v in variants]
    return tuple(dict.fromkeys(keys))


# --- the assessment ------------------------------------------------------------------------------


class Measured(NamedTuple):
    measures: dict[str, float]
    phash: int  # the scene's hash
    margins: list[float]  # each of its bits' margin from the median
    document: int  # the document's hash


def measure(img: Image.Image) -> Measured:
    """All measures, the hashes and the scene hash's bit margins: what ``judge`` and the derivation
    script read. No threshold is used here, so the thresholds can be derived from these numbers."""
    small = _sampled(img, WORK_SIDE)
    colour = _sampled(small, COARSE_SIDE)
    if colour.mode not in ("RGB", "L"):
        colour = colour.convert("RGB")
    grey = small.convert("L")
    hist = grey.histogram()
    sharpness, contrast, flat = _sharpness(grey, hist)
    coarse_grey = colour.convert("L") if colour.mode != "L" else colour
    coarse_hist = coarse_grey.histogram()
    saturated = sum(coarse_hist[250:]) / sum(coarse_hist)
    glare, surround = _glare(coarse_grey, saturated)
    paper_grey, near = _paper(colour, coarse_grey)
    cut = _cut(coarse_grey, paper_grey, near)
    phash, margins = _phash(grey)
    document = _phash(grey, _document_box(near))[0]
    measures = {
        "sharpness": round(sharpness, 4),
        "contrast": contrast,
        "brightness": _percentile(hist, 0.95),
        "ink": _percentile(hist, 0.01),
        "midtones": _percentile(hist[:250], 0.25) if any(hist[:250]) else 255,  # all clipped: all lifted
        "saturated": round(saturated, 4),
        "glare": round(glare, 4),
        "glare_surround": surround,
        "cut": round(cut["cut"], 4),
        "full_frame": cut["full_frame"],
        "flat": round(flat, 4),
        "aspect": round(max(img.size) / max(1, min(img.size)), 3),
    }
    return Measured(measures, phash, margins, document)


def screenshot(m: dict[str, float], limits: dict | None = None) -> bool:
    """A phone screen's capture, not a photo: a screen's tall frame of noise-free flat colour."""
    t = (limits or thresholds())["SCREENSHOT"]
    return m["aspect"] >= t["aspect_min"] and m["flat"] >= t["flat_min"]


def judge(m: dict[str, float], limits: dict | None = None) -> tuple[str, ...]:
    """The warnings the measures call for. Exposure first: on a dark or blown-out picture the other
    measures read the exposure, not the document, so only the exposure is named (and it is what to fix
    first). Glare is not judged on a blurred picture: blur makes text as featureless as a glare.
    ``limits``: thresholds other than the file's (the derivation script)."""
    t = limits or thresholds()
    if screenshot(m, t):
        return ("BLURRY",) if m["sharpness"] < t["BLURRY"]["sharpness_below"] else ()
    dark = m["brightness"] < t["TOO_DARK"]["brightness_below"]
    over = t["OVEREXPOSED"]
    blown = (m["saturated"] >= over["saturated_min"] and m["ink"] > over["ink_above"]
             and m["midtones"] > over["midtones_above"])  # fmt: skip
    if dark or blown:
        return ("TOO_DARK",) if dark else ("OVEREXPOSED",)
    out = []
    if m["sharpness"] < t["BLURRY"]["sharpness_below"]:
        out.append("BLURRY")
    elif (t["GLARE"]["area_above"] < m["glare"] <= t["GLARE"]["area_max"]
          and t["GLARE"]["surround_min"] <= m["glare_surround"] <= t["GLARE"]["surround_max"]):
        out.append("GLARE")
    if m["cut"] > t["CUT_OFF"]["cut_above"]:
        out.append("CUT_OFF")
    return tuple(out)


def assess(img: Image.Image) -> Assessment:
    """The warnings and the hashes of one decoded, upright picture (RGB or L)."""
    m, phash, margins, document = measure(img)
    return Assessment(judge(m), phash, m, _probe(phash, margins, thresholds()["DUPLICATE"]["probe_flips"]), document)
