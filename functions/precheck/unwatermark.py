"""The document under the watermark, in memory, for the OCR to read.

The stored picture carries the watermark process_image tiled over it (R7): light letters with a dark
outline at 30 degrees, every few centimetres. Where it crosses the document's own text the detector
loses lines (on a generated card front it found 姓, 名 and 份号码 and not the name or the number). The
watermark is known exactly: its text (the image's reference and the day it was processed) and how
``process_image.imaging`` draws it, so each stored pixel is ``original * gain + offset`` with the
gain and offset of ``imaging.watermark_layer``; solving for the original gives the document back
(JPEG noise under the letters grows by at most 1/gain, ~1.8x). The picture this makes is never
stored or sent anywhere: it lives in this function's memory while the OCR reads it.

The text is checked, not trusted: taken out, the watermark must leave at most ``unwatermark.fit``
(thresholds.json) of the edges its letters made (their mean gradient over the letters' pixels). The
right text leaves 0.51-0.84 of them on the generated set, a wrong reference 0.92 or more (ghost
letters); of two days the stamped one always leaves fewer. A picture the pipeline had to shrink after
watermarking (too detailed for 200 KB) fits no text, and then the stored picture is read as it is.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from precheck import thresholds
from process_image import imaging

CHINA = datetime.timezone(datetime.timedelta(hours=8))  # the watermark's day is the candidate's (process_image)
MIN_GAIN = 0.2  # the watermark's darkest pixel keeps ~0.55 of the original; below this is not ours


def decode(picture: bytes) -> Image.Image:
    with Image.open(io.BytesIO(picture)) as im:
        return im.convert("RGB")


def edges_left(picture: Image.Image, text: str) -> float:
    """The share of the watermark's edges that taking ``text`` out leaves (below 1: it fits)."""
    grey = np.asarray(picture.convert("L"), dtype=np.float32)
    offset, gain = _layer(picture.size, text)
    ys, xs = np.nonzero(gain[:-1, :-1] < 0.97)
    return _edges(np.clip((grey - offset) / gain, 0, 255), ys, xs) / max(_edges(grey, ys, xs), 1e-6)


def _layer(size: tuple[int, int], text: str) -> tuple[np.ndarray, np.ndarray]:
    black, white = imaging.watermark_layer(size, text)
    offset = np.asarray(black, dtype=np.float32)
    return offset, np.maximum((np.asarray(white, dtype=np.float32) - offset) / 255.0, MIN_GAIN)


def _edges(grey: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> float:
    """Mean gradient magnitude at the given pixels (the watermark's letters)."""
    here = grey[ys, xs]
    return float((np.abs(grey[ys, xs + 1] - here) + np.abs(grey[ys + 1, xs] - here)).mean())


def lift(picture: Image.Image, texts: Sequence[str]) -> tuple[Image.Image, str | None]:
    """The picture without its watermark, and the text that was taken out (None: none fitted, the
    picture is returned as it is). The fit is judged on the grey picture (the watermark is grey, so
    it acts on each channel alike); only the chosen text is taken out of the colours."""
    grey = np.asarray(picture.convert("L"), dtype=np.float32)
    best: tuple[float, np.ndarray | None, np.ndarray | None, str | None] = (thresholds.get("unwatermark", "fit"), None, None, None)
    for text in texts:
        offset, gain = _layer(picture.size, text)
        ys, xs = np.nonzero(gain[:-1, :-1] < 0.97)
        if not len(ys):
            continue
        before = _edges(grey, ys, xs)
        left = _edges(np.clip((grey - offset) / gain, 0, 255), ys, xs) / max(before, 1e-6)
        if left < best[0]:
            best = (left, offset, gain, text)
    _, best_offset, best_gain, found = best
    if best_offset is None or best_gain is None:
        return picture, None
    restored = (np.asarray(picture, dtype=np.float32) - best_offset[..., None]) / best_gain[..., None]
    return Image.fromarray(np.clip(restored, 0, 255).astype(np.uint8), "RGB"), found


def texts_for(reference: str, processed_at: str) -> list[str]:
    """The texts an image's watermark may have, from its record: its reference and the candidate's
    calendar day (China time) it was processed. process_image stamps the day a moment before it
    records ``processed_at``, so within a minute after midnight the day before is tried too."""
    at = datetime.datetime.fromisoformat(processed_at.replace("Z", "+00:00")).astimezone(CHINA)
    days = [at.date()]
    if at.hour == 0 and at.minute == 0:
        days.append(at.date() - datetime.timedelta(days=1))
    return [imaging.watermark_text(reference, day) for day in days]
