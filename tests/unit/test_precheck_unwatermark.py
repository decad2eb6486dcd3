"""precheck.unwatermark: the document under process_image's watermark, in memory, for the OCR."""

from __future__ import annotations

import datetime
import io

import numpy as np
from PIL import Image

from precheck import unwatermark
from process_image import imaging
from testkit.corpus import fit_jpeg, photo

DAY = datetime.date(2026, 2, 3)
REFERENCE = "AB12CD34EF"


def stored(seed: int = 4) -> tuple[Image.Image, bytes]:
    """An upload and what process_image stored of it (watermarked, re-encoded)."""
    upload = photo((1280, 960), seed=seed)
    data = fit_jpeg(upload)
    original = Image.open(io.BytesIO(data)).convert("RGB")
    return original, imaging.process(data, reference=REFERENCE, day=DAY).jpeg


def error(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32)).mean())


def test_the_right_text_takes_the_watermark_out():
    original, jpeg = stored()
    picture = unwatermark.decode(jpeg)
    text = imaging.watermark_text(REFERENCE, DAY)
    lifted, used = unwatermark.lift(picture, [text])
    assert used == text
    # The watermarked picture is far from the upload; with the watermark out it is close (JPEG noise)
    assert error(lifted, original) < 0.5 * error(picture, original)
    assert error(lifted, original) < 3.0


def test_a_wrong_text_or_no_watermark_leaves_the_picture_as_it_is():
    original, jpeg = stored()
    picture = unwatermark.decode(jpeg)
    assert unwatermark.lift(picture, [imaging.watermark_text("ZZ99YY88XX", DAY)]) == (picture, None)
    assert unwatermark.lift(original, [imaging.watermark_text(REFERENCE, DAY)]) == (original, None)


def test_of_two_days_the_one_stamped_fits_best():
    _, jpeg = stored()
    picture = unwatermark.decode(jpeg)
    right = imaging.watermark_text(REFERENCE, DAY)
    for day in (DAY - datetime.timedelta(days=1), DAY + datetime.timedelta(days=1)):
        assert unwatermark.lift(picture, [imaging.watermark_text(REFERENCE, day), right])[1] == right
        assert unwatermark.lift(picture, [right, imaging.watermark_text(REFERENCE, day)])[1] == right


def test_texts_for_an_image_record_use_the_china_day_and_the_day_before_just_after_midnight():
    assert unwatermark.texts_for(REFERENCE, "2026-02-03T10:00:00Z") == [imaging.watermark_text(REFERENCE, DAY)]
    # 16:00:30 UTC is 00:00:30 on 4 February in China: process_image may have stamped the 3rd
    assert unwatermark.texts_for(REFERENCE, "2026-02-03T16:00:30+00:00") == [
        imaging.watermark_text(REFERENCE, DAY + datetime.timedelta(days=1)), imaging.watermark_text(REFERENCE, DAY)]


def test_the_layer_is_what_process_image_draws():
    # Each stored pixel is original * gain + offset with imaging.watermark_layer's gain and offset
    grey = Image.new("L", (640, 480), 137)
    text = imaging.watermark_text(REFERENCE, DAY)
    drawn = grey.copy()
    imaging._apply_watermark(drawn, text)
    black, white = imaging.watermark_layer(grey.size, text)
    offset = np.asarray(black, dtype=np.float32)
    gain = (np.asarray(white, dtype=np.float32) - offset) / 255
    predicted = 137 * gain + offset
    assert np.abs(predicted - np.asarray(drawn, dtype=np.float32)).max() <= 1.5
    assert (gain < 0.97).mean() > 0.02  # the watermark is there
