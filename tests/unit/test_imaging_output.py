"""process_image's output and thumbnail (R6, R7, R12): the quality chosen before the encode from the
upload's own quantisation tables (or, without tables, from a sample) meets the limits in one encode;
the thumbnail is made from the same decode, upright, within 320 px and 24 KB, and carries the
watermark at a size that can be read."""

from __future__ import annotations

import datetime
import io

import pytest
from PIL import Image, ImageChops, ImageStat

from process_image import encoding, imaging
from testkit.corpus import (
    colourful,
    corpus,
    exif_rotated_jpeg,
    grey_scan,
    jpeg,
    photo,
    png,
    screenshot,
)

DAY = datetime.date(2026, 11, 25)
GOOD = [c for c in corpus() if c.ok]


def run(data: bytes, reference: str = "AB12CD") -> imaging.Processed:
    return imaging.process(data, reference=reference, day=DAY)


def flat_tables(step: int) -> list[list[int]]:
    """Tables unlike libjpeg's scaled Annex K: nearly flat, as some phone encoders write."""
    table = [step + (i // 8 + i % 8) // 2 for i in range(64)]
    return [table, table]


def uploads() -> dict[str, bytes]:
    """The test corpus's JPEG uploads: the corpus files, a photo at every quality from 95 to 50, what
    the web client sends (photo.js: 0.85 down to 0.55), a grey scan, and a phone encoder's own tables."""
    files = {c.name: c.data for c in GOOD if c.source_format == "JPEG"}
    pic = photo((1280, 960), seed=61)
    files.update({f"photo q{q}": jpeg(pic, q) for q in range(95, 45, -5)})
    files.update({f"photo 1600x1200 q{q}": jpeg(photo((1600, 1200), seed=61), q) for q in (85, 75, 65)})
    doc = colourful(photo((1200, 1600), seed=62))
    files.update({f"web client {q / 100:.2f}": jpeg(doc, q) for q in (85, 75, 65, 55)})
    files.update({f"grey scan q{q}": jpeg(grey_scan(), q) for q in (85, 65)})
    files.update({f"phone tables {step}": jpeg(photo((1024, 768), seed=61), qtables=flat_tables(step)) for step in (3, 6, 10)})
    files["rotated q75"] = exif_rotated_jpeg(6, (900, 1200), seed=63)
    return {name: data for name, data in files.items() if len(data) <= imaging.MAX_BYTES}


UPLOADS = uploads()


@pytest.mark.parametrize("name", list(UPLOADS))
def test_the_quality_chosen_from_the_tables_meets_the_limits_in_one_encode(name):
    data = UPLOADS[name]
    got = run(data)
    assert got.encodes == 1, f"{name}: encoded {got.encodes} times"
    assert len(got.jpeg) <= encoding.MAX_OUTPUT_BYTES
    assert len(got.jpeg) <= encoding.MAX_GROWTH * len(data), (name, round(len(got.jpeg) / len(data), 3))
    out = Image.open(io.BytesIO(got.jpeg))
    assert encoding.input_quality(out) == got.quality  # the quality it says is the one it wrote
    assert encoding.MIN_JPEG_QUALITY <= got.quality <= encoding.JPEG_QUALITY


@pytest.mark.parametrize("quality", [92, 90, 85, 80, 75, 70, 65, 60, 55, 50])
def test_the_output_steps_are_twice_the_uploads(quality):
    """The rule itself: the highest quality whose low-frequency steps are twice the upload's (a q85
    photo at q69, q75 at q50, q55 at q27), capped at JPEG_QUALITY."""
    data = jpeg(photo((1280, 960), seed=61), quality)
    got = run(data)
    luma = Image.open(io.BytesIO(data)).quantization[0]
    assert encoding.step_ratio(got.quality, luma) >= encoding.STEP_RATIO
    if got.quality < encoding.JPEG_QUALITY:
        assert encoding.step_ratio(got.quality + 1, luma) < encoding.STEP_RATIO
    assert 1.9 < encoding.step_ratio(got.quality, luma) < 2.3 or got.quality == encoding.JPEG_QUALITY


def test_a_phone_encoders_flat_tables_are_read_on_the_low_frequencies():
    """A table's sum is mostly its high frequencies; a flat table with fine low-frequency steps would
    look coarse by its sum and its output grow. Compared where the bytes are, it is read right."""
    data = jpeg(photo((1024, 768), seed=61), qtables=flat_tables(4))
    luma = Image.open(io.BytesIO(data)).quantization[0]
    by_sum = min(range(1, 101), key=lambda q: abs(sum(encoding.luma_table(q)) - sum(luma)))
    got = run(data)
    assert got.quality < by_sum  # the sum would have said a finer quality
    assert got.encodes == 1 and len(got.jpeg) <= encoding.MAX_GROWTH * len(data)


@pytest.mark.parametrize("size", [(1080, 1920), (1170, 2532), (1440, 900)])
def test_a_screenshot_near_the_limit_is_encoded_once_within_200_kb(size):
    data = png(screenshot(size, seed=size[0] % 7))
    assert len(data) <= imaging.MAX_BYTES
    got = run(data)
    assert got.encodes == 1 and len(got.jpeg) <= encoding.MAX_OUTPUT_BYTES
    assert (got.width, got.height) == size


def test_a_sample_estimates_the_whole_pictures_bytes():
    for im in (photo((1600, 1200), seed=64), screenshot((1080, 1920), seed=3), grey_scan()):
        part, factor = encoding.sample(im)
        assert 10 < factor < 20  # about one tile in SAMPLE_EVERY
        for quality in (70, 40):
            whole = len(encoding.encode_jpeg(im, quality))
            assert abs(encoding.estimate(part, factor, quality) / whole - 1) < 0.12, (im.size, quality)


# --- the thumbnail ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def processed() -> dict[str, imaging.Processed]:
    return {c.name: run(c.data) for c in GOOD}


def thumb(got: imaging.Processed) -> Image.Image:
    im = Image.open(io.BytesIO(got.thumbnail))
    im.load()
    return im


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_the_thumbnail_is_a_clean_jpeg_within_320_px_and_24_kb(case, processed):
    got = processed[case.name]
    im = thumb(got)
    assert im.format == "JPEG" and im.mode in ("RGB", "L")
    assert len(got.thumbnail) <= encoding.THUMB_MAX_BYTES
    assert im.size == (got.thumbnail_width, got.thumbnail_height)
    long = max(got.width, got.height)
    assert max(im.size) == long if long <= encoding.THUMB_SIDE else 0.8 * encoding.THUMB_SIDE < max(im.size) <= encoding.THUMB_SIDE
    assert abs(im.width / im.height - got.width / got.height) < 0.02  # the picture's shape
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(im.info)
    assert got.thumbnail.endswith(b"\xff\xd9") and b"Exif" not in got.thumbnail
    if case.marker:  # upright: the red block top-left in the picture is top-left here too
        scale = im.width / case.width
        x0, y0, x1, y1 = (round(v * scale) for v in case.marker)
        r, g, b = ImageStat.Stat(im.convert("RGB").crop((x0 + 1, y0 + 1, x1 - 1, y1 - 1))).mean
        assert r > 150 and g < 110 and b < 110, (case.name, r, g, b)


def text_lines(im: Image.Image, grey: int = 128) -> list[int]:
    """Heights in pixels of the watermark's lines of text on a flat grey picture: the changed pixels
    turned so the text runs level, then the bands of rows with ink in them."""
    ink = ImageChops.difference(im.convert("L"), Image.new("L", im.size, grey)).point(lambda v: 255 if v > 12 else 0)
    level = ink.rotate(-imaging.WATERMARK_ANGLE, expand=True)
    rows = list(level.resize((1, level.height), Image.Resampling.BOX).get_flattened_data())
    top = max(rows)
    bands, run_ = [], 0
    for v in rows + [0]:
        if v > 0.15 * top:
            run_ += 1
        elif run_:
            bands.append(run_)
            run_ = 0
    return bands


@pytest.mark.parametrize("size", [(1600, 1200), (1080, 1920), (4000, 3000), (400, 300)])
def test_the_thumbnail_carries_the_watermark_at_a_size_that_reads(size):
    """Drawn at the thumbnail's own scale: its lines of text are ~16 px tall, where the full-size
    watermark shrunk to 320 px would be 3-9 px of grey."""
    got = run(jpeg(Image.new("L", size, 128), 90))
    small = thumb(got)
    lines = text_lines(small)
    assert len(lines) >= 2 and min(lines) >= 13, lines
    shrunk = Image.open(io.BytesIO(got.jpeg)).convert("L").resize(small.size, Image.Resampling.LANCZOS)
    if max(size) >= 1000:  # what the thumbnail would be without its own watermark: not readable
        assert sorted(text_lines(shrunk))[len(text_lines(shrunk)) // 2] < 10
    # and over the whole thumbnail: every ninth has some of it
    changed = ImageChops.difference(small.convert("L"), Image.new("L", small.size, 128)).point(
        lambda v: 255 if v > 12 else 0)
    w, h = small.size
    for gy in range(3):
        for gx in range(3):
            assert changed.crop((gx * w // 3, gy * h // 3, (gx + 1) * w // 3, (gy + 1) * h // 3)).getbbox()


def test_the_thumbnail_shows_the_images_own_reference_and_day():
    data = jpeg(photo((800, 600), seed=31))
    a = run(data).thumbnail
    assert run(data, reference="ZZ99").thumbnail != a
    assert imaging.process(data, reference="AB12CD", day=DAY + datetime.timedelta(days=1)).thumbnail != a


def test_the_upload_is_decoded_once_for_the_picture_and_its_thumbnail(monkeypatch):
    decoders: list[str] = []
    real = Image._getdecoder

    def counting(mode, decoder_name, *args, **kw):
        decoders.append(decoder_name)
        return real(mode, decoder_name, *args, **kw)

    monkeypatch.setattr(Image, "_getdecoder", counting)
    for data, kind in ((jpeg(photo((1600, 1200), seed=65)), "jpeg"), (png(screenshot((1080, 1920))), "zip")):
        decoders.clear()
        got = run(data)
        assert got.thumbnail and decoders == [kind]


def test_a_thumbnail_over_its_bytes_is_made_smaller(monkeypatch):
    monkeypatch.setattr(encoding, "THUMB_MAX_BYTES", 3000)
    small = encoding.thumbnail_of(photo((1600, 1200), seed=66))
    out = encoding.encode_thumbnail(small)
    assert len(out) <= 3000
    assert Image.open(io.BytesIO(out)).width < small.width
