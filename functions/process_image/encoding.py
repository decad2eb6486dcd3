"""The output of process_image: the JPEG quality chosen before anything is encoded, so that one encode
makes a stored picture within its limits (R6: at most 200 KB; a JPEG upload's output at most 1.15x its
bytes), and the thumbnail the pages show. Pure Pillow, no AWS.

Why the upload's own quantisation tables say which quality to use: re-encoding a decoded JPEG with
steps up to twice the upload's keeps nearly every coefficient the upload had (a level of +-1 stays +-1)
and adds the watermark's and the re-encode's noise on top, so the output comes out 1.0-1.5x the upload.
From steps of twice the upload's the +-1 levels round to zero and the bytes drop to 0.6-1.1x
(``tools/encode_model.py`` measures it on generated uploads). So the output's steps are twice the
upload's (``STEP_RATIO``), compared coefficient by coefficient on the low frequencies, where the bytes
are (a phone's tables need not be libjpeg's scaled Annex K table); and a little coarser where the
watermark weighs more than usual (a mostly blank page) or where 1.1x would pass 200 KB. An upload
without tables (PNG) gets ``JPEG_QUALITY``, or lower where a trial encode of a 1/16 sample of the
picture says the whole would not fit. Should the first encode still miss a limit, the picture is
encoded again, lower (``encode`` counts the encodes; bench row 1 reports how often it happens).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

MAX_OUTPUT_BYTES = 204800  # R6: the stored picture is no bigger than an upload may be
MAX_GROWTH = 1.15  # a JPEG upload's output at most this many times its bytes
JPEG_QUALITY = 70  # the most the output gets, and what a PNG gets when it fits
MIN_JPEG_QUALITY = 25  # twice q50's steps: what a q50 upload gets; text stays readable (R5 "true, complete")
STEP_RATIO = 2.0  # the output's quantisation steps : the upload's, summed over the low frequencies
STEP_RATIO_COARSE = 2.5  # ... where the watermark weighs more than usual, or the 200 KB limit is near
SPARSE_BITS_PER_PIXEL = 0.5  # below this the upload is mostly blank paper: the watermark's edges weigh more
SPARSE_STEP_RATIOS = (STEP_RATIO, STEP_RATIO_COARSE, 3.0, 4.0)  # ... and a sample picks one of these
GROWTH_AT_STEP_RATIO = 1.10  # the most an output grew at STEP_RATIO (upload >= SPARSE_BITS_PER_PIXEL)
LOW_FREQUENCIES = tuple(i for i in range(64) if i // 8 + i % 8 <= 4)  # natural order; u + v <= 4
# No tables (PNG), or a mostly blank page: trial encodes of a sample of 32x32 tiles, one in SAMPLE_EVERY,
# at falling quality until the estimate fits with PREDICTION_MARGIN to spare (within +-10% from 100 KB up).
PNG_QUALITIES = (JPEG_QUALITY, 60, 50, 40)
SAMPLE_TILE = 32  # a multiple of the 16x16 MCU, so tiles code as they do in place
SAMPLE_EVERY = 16
SAMPLE_MIN_TILES = 24  # fewer than this: the picture is small and is encoded whole
PREDICTION_MARGIN = 1.12
HEADER_BYTES = 600  # a JPEG's headers with optimised Huffman tables: counted once, not per sample
# A second encode (rare) after a miss of the growth goal: this much lower quality.
GROWTH_STEP = 8
FALLBACK_QUALITY = 40  # an output still over MAX_OUTPUT_BYTES: this, then smaller
_FALLBACK_SHARE = 0.75  # measured: q40 makes 0.6-0.7x the bytes of q70 (photos, line art)

# The thumbnail (pages and queues show it; the full picture loads only when opened).
THUMB_SIDE = 320  # long side, pixels
REDUCE_FROM = 4  # from this many times THUMB_SIDE up, a whole-factor reduce alone (80-100% of THUMB_SIDE)
THUMB_MAX_BYTES = 24 * 1024
THUMB_QUALITIES = (70, 55, 40)  # falling until it fits; a 320 px JPEG takes ~0.3 ms to encode


@dataclass(frozen=True)
class Plan:
    """How the output will be encoded, decided before the encode."""

    quality: int
    budget: int  # bytes the output may have: MAX_OUTPUT_BYTES, for a JPEG upload also MAX_GROWTH x its bytes
    scale: float = 1.0  # < 1: the picture is made smaller first (dense line art that fits no quality)


# --- quality from the upload's tables -------------------------------------------------------------

# libjpeg's luminance table (the JPEG standard's Annex K example) and its quality scaling.
_ANNEX_K_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip


@lru_cache(maxsize=128)
def luma_table(quality: int) -> tuple[int, ...]:
    """The luminance table libjpeg (and so Pillow) writes at ``quality``, natural order."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(255, max(1, (v * scale + 50) // 100)) for v in _ANNEX_K_LUMA)


def _luma(im: Image.Image) -> list[int] | None:
    tables = getattr(im, "quantization", None)
    luma = tables.get(0) if isinstance(tables, dict) else None
    return list(luma) if luma and len(luma) == 64 and min(luma) > 0 else None


def input_quality(im: Image.Image) -> int | None:
    """The libjpeg quality a decoded JPEG was saved at (the nearest by the table's sum), or None if it
    is not a JPEG."""
    luma = _luma(im)
    if luma is None:
        return None
    total = sum(luma)
    return min(range(1, 101), key=lambda q: (abs(sum(luma_table(q)) - total), -q))


def step_ratio(quality: int, luma: list[int]) -> float:
    """How much coarser libjpeg's steps at ``quality`` are than ``luma``'s, over the low frequencies
    (summed: one small step rounded up or down does not decide)."""
    table = luma_table(quality)
    return sum(table[i] for i in LOW_FREQUENCIES) / sum(luma[i] for i in LOW_FREQUENCIES)


def plan(src: Image.Image, image: Image.Image, upload_bytes: int, coded_bytes: int | None = None) -> Plan:
    """How to encode ``image`` (the watermarked picture) made from ``src`` (the decoded upload, with
    its tables if it is a JPEG) of ``upload_bytes``; ``coded_bytes``: a JPEG's scan data without
    metadata (jpeg_layout), for its bits per pixel."""
    luma = _luma(src)
    if luma is None:  # PNG: no tables, the content says
        return sampled_plan(image, PNG_QUALITIES, MAX_OUTPUT_BYTES)
    budget = min(MAX_OUTPUT_BYTES, int(MAX_GROWTH * upload_bytes))
    coded = coded_bytes or upload_bytes
    if coded * 8 < SPARSE_BITS_PER_PIXEL * src.width * src.height:
        # Mostly blank paper: how much the watermark adds depends on the page, so a sample says.
        ladder = sorted({quality_for(luma, ratio) for ratio in SPARSE_STEP_RATIOS}, reverse=True)
        return sampled_plan(image, tuple(ladder), budget)
    near_limit = GROWTH_AT_STEP_RATIO * coded + HEADER_BYTES > budget
    return Plan(quality_for(luma, STEP_RATIO_COARSE if near_limit else STEP_RATIO), budget)


def quality_for(luma: list[int], ratio: float) -> int:
    """The highest quality up to JPEG_QUALITY whose steps are at least ``ratio`` times ``luma``'s."""
    return next((q for q in range(JPEG_QUALITY, MIN_JPEG_QUALITY - 1, -1) if step_ratio(q, luma) >= ratio),
                MIN_JPEG_QUALITY)


# --- quality from a sample -------------------------------------------------------------------------


def sample(im: Image.Image) -> tuple[Image.Image, float] | None:
    """One in SAMPLE_EVERY of the picture's 32x32 tiles, on a lattice that visits every row and column
    band, packed into one small picture; and how many times larger the whole is. None when small."""
    tile = SAMPLE_TILE
    cols, rows = im.width // tile, im.height // tile
    picks = [(c, r) for r in range(rows) for c in range(cols) if (3 * c + r) % SAMPLE_EVERY == 0]
    if len(picks) < SAMPLE_MIN_TILES:
        return None
    across = math.isqrt(len(picks))
    out = Image.new(im.mode, (across * tile, -(-len(picks) // across) * tile))
    for i, (c, r) in enumerate(picks):
        out.paste(im.crop((c * tile, r * tile, (c + 1) * tile, (r + 1) * tile)),
                  ((i % across) * tile, (i // across) * tile))
    return out, im.width * im.height / (len(picks) * tile * tile)


def estimate(part: Image.Image, factor: float, quality: int) -> float:
    """The whole picture's JPEG bytes at ``quality``, from its sample's."""
    return (len(encode_jpeg(part, quality)) - HEADER_BYTES) * factor + HEADER_BYTES


def sampled_plan(image: Image.Image, qualities: tuple[int, ...], budget: int) -> Plan:
    """The highest of ``qualities`` (falling) whose estimate fits ``budget`` with PREDICTION_MARGIN to
    spare. If none does, the lowest, with only 200 KB as its budget (a page so blank that the watermark
    is most of its bytes: no quality meets the growth goal, so no second encode tries), on a picture
    made smaller if it would not fit that (dense line art)."""
    found = sample(image)
    if found is None:
        return Plan(qualities[0], budget)
    part, factor = found
    size = 0.0
    for quality in qualities:
        size = estimate(part, factor, quality)
        if size * PREDICTION_MARGIN <= budget:
            return Plan(quality, budget)
    scale = min(1.0, math.sqrt(MAX_OUTPUT_BYTES / (size * PREDICTION_MARGIN)))
    return Plan(qualities[-1], MAX_OUTPUT_BYTES, scale=scale)


# --- encoding --------------------------------------------------------------------------------------


def encode_jpeg(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _smaller(im: Image.Image, scale: float) -> Image.Image:
    return im.resize((max(1, int(im.width * scale)), max(1, int(im.height * scale))), Image.Resampling.HAMMING)


def encode(im: Image.Image, plan: Plan) -> tuple[Image.Image, bytes, int, int]:
    """The picture as stored, its JPEG, the quality and how many full-size encodes it took (1 unless the
    plan missed). Never over MAX_OUTPUT_BYTES: a picture too detailed for that at any quality (dense
    line art) is made smaller until it fits. A JPEG upload's output over its budget is encoded once
    more, GROWTH_STEP lower, as is any output over 200 KB before the fallback below."""
    quality = plan.quality
    if plan.scale < 1:
        im = _smaller(im, plan.scale)
    jpeg, encodes = encode_jpeg(im, quality), 1
    if len(jpeg) > plan.budget and quality > MIN_JPEG_QUALITY:
        quality = max(MIN_JPEG_QUALITY, quality - GROWTH_STEP)
        jpeg, encodes = encode_jpeg(im, quality), encodes + 1
    if len(jpeg) <= MAX_OUTPUT_BYTES:
        return im, jpeg, quality, encodes
    size = len(jpeg) * _FALLBACK_SHARE  # about what FALLBACK_QUALITY makes of it
    if quality > FALLBACK_QUALITY and size <= MAX_OUTPUT_BYTES:
        jpeg, encodes = encode_jpeg(im, FALLBACK_QUALITY), encodes + 1
        size = len(jpeg)
    quality = min(quality, FALLBACK_QUALITY)
    while size > MAX_OUTPUT_BYTES:  # bytes go with the area: shrink by the square root, and a bit
        im = _smaller(im, 0.9 * math.sqrt(MAX_OUTPUT_BYTES / size))
        jpeg, encodes = encode_jpeg(im, quality), encodes + 1
        size = len(jpeg)
    return im, jpeg, quality, encodes


# --- the thumbnail ---------------------------------------------------------------------------------


def thumbnail_of(im: Image.Image) -> Image.Image:
    """At most THUMB_SIDE on the long side, never enlarged. A picture from twice THUMB_SIDE up is
    point-sampled to twice the thumbnail's size, then each 2x2 averaged: it reads one pixel in six of
    a 1600x1200 photo, 0.4 ms where averaging every pixel (Pillow's reduce) takes 1.3 ms, a tenth of
    the whole pipeline's floor, and Lanczos on a 1024 px CMYK photo 2.7 ms; at 320 px the two look
    alike (no text is read at that size). From REDUCE_FROM times THUMB_SIDE the size is a whole
    factor of the picture's, 80-100% of THUMB_SIDE (1600 px -> 320, 1754 -> 292); below that, exactly
    THUMB_SIDE. A smaller picture is resized with Lanczos (cheap at that size)."""
    long = max(im.size)
    if long <= THUMB_SIDE:
        return im.copy()
    if long <= 2 * THUMB_SIDE:
        scale = THUMB_SIDE / long
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    if long >= REDUCE_FROM * THUMB_SIDE:
        k = -(-long // THUMB_SIDE)
        width, height = im.width // k, im.height // k
    else:
        width, height = (max(1, round(side * THUMB_SIDE / long)) for side in im.size)
    return im.resize((width * 2, height * 2), Image.Resampling.NEAREST).reduce(2)


def encode_thumbnail(thumb: Image.Image) -> bytes:
    """At most THUMB_MAX_BYTES: the first of THUMB_QUALITIES that fits, then smaller."""
    for quality in THUMB_QUALITIES:
        jpeg = encode_jpeg(thumb, quality)
        if len(jpeg) <= THUMB_MAX_BYTES:
            return jpeg
    while len(jpeg) > THUMB_MAX_BYTES:  # 320 px at q40 stays far below 24 KB: a guard, tested
        thumb = _smaller(thumb, 0.9 * math.sqrt(THUMB_MAX_BYTES / len(jpeg)))
        jpeg = encode_jpeg(thumb, THUMB_QUALITIES[-1])
    return jpeg
