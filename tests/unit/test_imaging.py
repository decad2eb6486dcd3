"""process_image.imaging: every corpus file ends as expected; accepted ones come out upright, clean,
re-encoded and watermarked (issue 4; R5, R6, R7, R8, R12)."""

from __future__ import annotations

import datetime
import hashlib
import io
import random
import struct

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFile, ImageFont, ImageOps, ImageStat

from core import reasons
from process_image import imaging
from process_image.imaging import InvalidImage, process
from testkit.corpus import (
    Case,
    corpus,
    marker_box,
    photo_jpeg,
    screenshot_png,
    xmp_oriented_jpeg,
)

DAY = datetime.date(2026, 11, 25)
REF = "AB12CD"
CASES = corpus()
GOOD = [c for c in CASES if c.ok]
BAD = [c for c in CASES if not c.ok]


def run(data: bytes, reference: str = REF, day: datetime.date = DAY) -> imaging.Processed:
    return process(data, reference=reference, day=day)


def jpeg_bytes(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def jpeg_segments(data: bytes) -> tuple[list[int], int]:
    """The marker bytes of a baseline JPEG's segments, and the offset just past its EOI."""
    assert data[:2] == b"\xff\xd8", "no SOI"
    markers, i = [], 2
    while True:
        assert data[i] == 0xFF, f"no marker at {i}"
        marker = data[i + 1]
        markers.append(marker)
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        i += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            break
    while True:
        i = data.index(b"\xff", i)
        nxt = data[i + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:  # stuffed byte or restart marker
            i += 2
            continue
        assert nxt == 0xD9, f"unexpected marker {nxt:#x} after the scan"
        markers.append(nxt)
        return markers, i + 2


def normalised_reference(data: bytes) -> Image.Image:
    """The upload made upright and browser-ready with plain Pillow, independently of imaging."""
    im = Image.open(io.BytesIO(data))
    im.load()
    im = ImageOps.exif_transpose(im)
    if im.mode.startswith("I"):
        im = im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if im.mode == "1":
        im = im.convert("L")
    if im.mode in ("P", "PA", "LA", "RGBA") or "transparency" in im.info:
        grey = im.mode in ("L", "LA")
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), rgba)
        im = im.convert("L" if grey else "RGB")
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    return im


def reencode(im: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def tile_diffs(a: Image.Image, b: Image.Image, tile: int) -> dict[tuple[int, int], float]:
    """Mean absolute difference of two same-size greyscale images per tile, keyed by tile origin."""
    diff = ImageChops.difference(a, b)
    return {
        (x, y): ImageStat.Stat(diff.crop((x, y, min(x + tile, a.width), min(y + tile, a.height)))).mean[0]
        for y in range(0, a.height, tile)
        for x in range(0, a.width, tile)
    }


@pytest.fixture(scope="module")
def results() -> dict[str, imaging.Processed | InvalidImage]:
    out: dict[str, imaging.Processed | InvalidImage] = {}
    for case in CASES:
        try:
            out[case.name] = run(case.data)
        except InvalidImage as exc:
            out[case.name] = exc
    return out


# --- the corpus itself -------------------------------------------------------------------------


def test_corpus_covers_every_kind():
    assert len(CASES) >= 25
    assert len(GOOD) >= 10
    assert {c.expect for c in BAD} == set(imaging.REASONS)
    found = {c.found for c in BAD if c.expect == "UNSUPPORTED_FORMAT"}
    assert {"HEIC", "WEBP", "GIF", "BMP", "TIFF", "SVG", "PDF", "HTML", "TEXT", "UNKNOWN"} <= found
    assert all(c.width and c.height and c.source_format for c in GOOD)
    # the extension never decides: plenty of the files lie about what they are
    assert sum(1 for c in BAD if c.name.endswith((".jpg", ".png")) and c.expect == "UNSUPPORTED_FORMAT") >= 8


def test_reason_codes_match_the_contract_texts():
    assert set(imaging.REASONS) == set(reasons.INVALID_REASONS)
    assert set(imaging.FOUND_FORMATS) == set(reasons.FORMAT_FIXES)
    with pytest.raises(ValueError):
        InvalidImage("NOT_A_REASON")
    with pytest.raises(ValueError):
        InvalidImage("UNSUPPORTED_FORMAT", "EXE")


# --- every corpus file -------------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_invalid_file_gets_its_reason(case: Case, results):
    got = results[case.name]
    assert isinstance(got, InvalidImage), f"{case.name} was accepted"
    assert (got.reason, got.found) == (case.expect, case.found)
    text = reasons.invalid_message(got.reason, got.found)
    assert text.message and text.message_zh
    if got.found:
        assert reasons.FORMAT_FIXES[got.found].message in text.message


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_accepted_file_is_upright_clean_jpeg(case: Case, results):
    got = results[case.name]
    assert isinstance(got, imaging.Processed), f"{case.name}: {got!r}"
    assert (got.width, got.height) == (case.width, case.height)
    assert got.source_format == case.source_format
    assert got.sha256 == hashlib.sha256(got.jpeg).hexdigest()

    out = Image.open(io.BytesIO(got.jpeg))
    assert out.format == "JPEG"
    assert out.size == (case.width, case.height)
    assert out.mode in ("RGB", "L")
    # no metadata at all: no EXIF (so no GPS, no orientation), no comment, no ICC profile
    assert len(out.getexif()) == 0
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(out.info)
    assert b"Exif" not in got.jpeg
    markers, end = jpeg_segments(got.jpeg)
    assert not {0xE1, 0xE2, 0xFE} & set(markers), [hex(m) for m in markers]  # APP1, APP2, COM
    # nothing after the end-of-image marker: no zip, HTML or second picture rides along
    assert end == len(got.jpeg)
    assert b"PK\x03\x04" not in got.jpeg and b"<html" not in got.jpeg and b"secret" not in got.jpeg
    out.load()
    if case.marker:  # the red block that is top-left in the upright picture is top-left here too
        r, g, b = ImageStat.Stat(out.convert("RGB").crop(case.marker)).mean
        assert r > 150 and g < 110 and b < 110, (r, g, b)


def watermark_footprint(size: tuple[int, int]) -> Image.Image:
    """Where the watermark draws on a picture of this size: '1' where a flat grey picture changed."""
    flat = Image.new("L", size, 128)
    out = Image.open(io.BytesIO(run(jpeg_bytes(flat)).jpeg)).convert("L")
    return ImageChops.difference(out, flat).point(lambda v: 255 if v > 10 else 0).convert("1")


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_accepted_file_is_watermarked_all_over(case: Case, results):
    """Against a plain re-encode of the same upright picture, the output differs exactly in the
    watermark's tiles, which are spread over the whole image; every other tile is as it was (so the
    orientation, colours and flattening match a plain conversion too)."""
    got = results[case.name]
    out = Image.open(io.BytesIO(got.jpeg))
    quality = imaging.input_quality(out)  # what the pipeline chose, read back from the output's tables
    out = out.convert("L")
    ref = reencode(normalised_reference(case.data), quality)
    assert ref.size == out.size
    footprint = watermark_footprint(out.size)
    tile = max(16, min(out.size) // 12)
    diffs = tile_diffs(out, ref, tile)
    inked, clean = set(), set()
    for x, y in diffs:
        box = (x, y, min(x + tile, out.width), min(y + tile, out.height))
        covered = ImageStat.Stat(footprint.crop(box)).mean[0] / 255
        if covered > 0.05:
            inked.add((x, y))
        else:
            # no watermark pixel in the 16x16 JPEG blocks the tile touches (+2 px of chroma smoothing)
            blocks = (
                x // 16 * 16 - 2,
                y // 16 * 16 - 2,
                -(-box[2] // 16) * 16 + 2,
                -(-box[3] // 16) * 16 + 2,
            )
            if footprint.crop(blocks).getbbox() is None:
                clean.add((x, y))
    assert len(inked) >= 0.2 * len(diffs) and len(clean) >= 0.05 * len(diffs), (len(inked), len(clean))
    weak = [k for k in inked if diffs[k] <= 1.0]
    assert len(weak) <= 0.1 * len(inked), f"{len(weak)}/{len(inked)} watermark tiles barely differ"
    dirty = {k: round(diffs[k], 2) for k in clean if diffs[k] >= 0.5}
    assert not dirty, f"tiles away from the watermark differ: {dirty}"
    # spread: every ninth of the picture has watermark in it
    w, h = out.size
    for gy in range(3):
        for gx in range(3):
            region = {
                k
                for k in diffs
                if gx * w // 3 <= k[0] < (gx + 1) * w // 3 and gy * h // 3 <= k[1] < (gy + 1) * h // 3
            }
            assert region & inked, f"no watermark in region {gx},{gy}"


# --- the watermark -----------------------------------------------------------------------------


def test_font_has_a_glyph_for_every_watermark_character():
    font = TTFont(imaging.FONT_FILE)
    cmap = font.getBestCmap()
    missing = [c for c in imaging.WATERMARK_CHARSET if ord(c) not in cmap]
    assert not missing
    assert all(cmap[ord(c)] != ".notdef" for c in imaging.WATERMARK_CHARSET)
    glyphs = font.getGlyphSet()
    for c in imaging.WATERMARK_CHARSET.replace(" ", ""):  # drawn characters have outlines
        pen = BoundsPen(glyphs)
        glyphs[cmap[ord(c)]].draw(pen)
        assert pen.bounds is not None, f"empty glyph for {c!r}"
    assert imaging.FONT_FILE.stat().st_size < 16_000  # a subset, a few KB
    licence = (imaging.FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence


def test_watermark_text_reads_exam_date_and_reference():
    text = imaging.watermark_text("AB12CD", datetime.date(2026, 11, 25))
    assert "仅用于医师资格考试" in text
    assert "2026-11-25" in text
    assert "#AB12CD" in text
    assert set(text) <= set(imaging.WATERMARK_CHARSET)
    assert imaging.watermark_text("#AB12CD", datetime.date(2026, 11, 25)) == text
    for bad in ("", "  ", "AB CD", "张三", "A" * 40, "<script>"):
        with pytest.raises(ValueError):
            imaging.watermark_text(bad, DAY)


def test_watermark_shows_on_light_and_dark_pictures_without_covering_them():
    for colour in (255, 0, 128):
        blank = Image.new("RGB", (1200, 900), (colour,) * 3)
        out = Image.open(io.BytesIO(run(jpeg_bytes(blank)).jpeg)).convert("L")
        hist = out.histogram()
        changed = sum(n for v, n in enumerate(hist) if abs(v - colour) > 12) / (1200 * 900)
        assert 0.03 < changed < 0.30, (colour, changed)  # visible, yet most of the picture untouched
        darkest, lightest = out.getextrema()
        if colour > 0:
            assert darkest < colour - 40  # the dark outline shows on light paper
        if colour < 255:
            assert lightest > colour + 40  # the light body shows on dark backgrounds
        # semi-transparent: never solid white or black on mid grey
        if colour == 128:
            assert darkest > 20 and lightest < 235


def test_watermark_text_size_follows_the_short_side():
    sizes = [imaging._font_px(side) for side in (300, 600, 1200, 2400, 4000)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    for side in (600, 1200, 2400, 4000):
        assert 0.85 < imaging._font_px(side) * imaging.FONT_DIVISOR / side <= 1.0


def test_output_depends_on_reference_and_day():
    data = photo_jpeg((800, 600), seed=31)
    a = run(data).jpeg
    assert run(data, reference="ZZ99").jpeg != a
    assert run(data, day=DAY + datetime.timedelta(days=1)).jpeg != a


def test_same_input_same_output():
    for data in (photo_jpeg(), screenshot_png()):
        first = run(data)
        imaging._run.cache_clear()
        imaging._stamp.cache_clear()
        imaging._font.cache_clear()
        second = run(data)
        assert first == second
        assert first.sha256 == second.sha256


# --- validation details ------------------------------------------------------------------------


def test_check_size_boundaries():
    with pytest.raises(InvalidImage) as e:
        imaging.check_size(0)
    assert e.value.reason == "EMPTY"
    imaging.check_size(1)
    imaging.check_size(204800)
    with pytest.raises(InvalidImage) as e:
        imaging.check_size(204801)
    assert e.value.reason == "TOO_LARGE"


def test_min_short_side_boundary():
    ok = run(jpeg_bytes(Image.new("RGB", (500, 300), (90, 120, 200))))
    assert (ok.width, ok.height) == (500, 300)
    with pytest.raises(InvalidImage) as e:
        run(jpeg_bytes(Image.new("RGB", (500, 299), (90, 120, 200))))
    assert e.value.reason == "TOO_SMALL"


def test_bomb_warning_is_an_error(monkeypatch):
    # Pillow's own limit lowered below a normal photo: its warning must stop us, not just print
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(InvalidImage) as e:
        run(photo_jpeg())
    assert e.value.reason == "DIMENSIONS_TOO_LARGE"


def test_pixel_cap_does_not_rely_on_pillows_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    bomb = next(c for c in CASES if c.name == "bomb.png")
    with pytest.raises(InvalidImage) as e:
        run(bomb.data)
    assert e.value.reason == "DIMENSIONS_TOO_LARGE"


def test_truncated_images_stay_refused_even_if_someone_flips_the_flag(monkeypatch):
    truncated = next(c for c in CASES if c.name == "truncated.jpg")
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        run(truncated.data)


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_every_truncation_is_corrupt(kind):
    data = photo_jpeg((640, 480), seed=41) if kind == "jpeg" else screenshot_png((480, 640))
    for cut in range(len(data) // 10, len(data) - 2000, len(data) // 10):
        with pytest.raises(InvalidImage) as e:
            run(data[:cut])
        assert e.value.reason == "CORRUPT", cut


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_damaged_files_never_crash(kind):
    """Random byte damage: the result is a picture or a reason, never another exception."""
    data = photo_jpeg((640, 480), seed=42) if kind == "jpeg" else screenshot_png((480, 640))
    rnd = random.Random(kind)
    outcomes = set()
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(rnd.randrange(1, 12)):
            pos = rnd.randrange(8, min(len(data), 2000) if rnd.random() < 0.5 else len(data))
            damaged[pos] = rnd.randrange(256)
        try:
            got = run(bytes(damaged))
        except InvalidImage as exc:
            outcomes.add(exc.reason)
        else:
            outcomes.add("ok")
            assert Image.open(io.BytesIO(got.jpeg)).size == (got.width, got.height)
    assert outcomes <= {"ok", "CORRUPT", "DIMENSIONS_TOO_LARGE", "TOO_SMALL"}


def test_sniffing_ignores_names_and_reads_bytes():
    assert imaging.sniff_format(b"\xff\xd8\xff\xdb" + b"\x00" * 10) == "JPEG"
    assert imaging.sniff_format(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10) == "PNG"
    assert imaging.sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "HEIC"
    assert imaging.sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "HEIC"
    assert imaging.sniff_format(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2") == "UNKNOWN"  # a video
    assert imaging.sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert imaging.sniff_format(b"RIFF\x00\x00\x00\x00AVI LIST") == "UNKNOWN"
    assert imaging.sniff_format(b"MM\x00*\x00\x00\x00\x08") == "TIFF"
    assert imaging.sniff_format("\ufeff<svg xmlns='http://www.w3.org/2000/svg'/>".encode()) == "SVG"
    assert imaging.sniff_format(b"  \n<HTML><body>x</body></HTML>") == "HTML"
    assert imaging.sniff_format(b"BM is my initials, not a bitmap") == "TEXT"
    assert imaging.sniff_format(bytes(range(256)) * 4) == "UNKNOWN"


# --- orientation: EXIF only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xmp", "exif", "upright"),
    [(6, None, False), (8, 1, False), (1, 6, True), (6, 6, True)],
    ids=["xmp-only", "xmp-6-exif-1", "exif-6-xmp-1", "both-6"],
)
def test_orientation_comes_from_exif_never_from_xmp(xmp, exif, upright):
    """Browsers and phone galleries ignore an XMP orientation; the output shows what they show (R5)."""
    data = xmp_oriented_jpeg(xmp, exif)
    assert Image.open(io.BytesIO(data)).getexif().get(0x0112) == (exif or xmp)  # Pillow would turn it
    got = run(data)
    out = Image.open(io.BytesIO(got.jpeg)).convert("RGB")
    if upright:  # EXIF 6 turns the stored 800x600 a quarter clockwise: the red block goes top-right
        assert (got.width, got.height) == (600, 800)
        box = marker_box((800, 600))
        red = (600 - box[3], box[0], 600 - box[1], box[2])
    else:
        assert (got.width, got.height) == (800, 600)
        red = marker_box((800, 600))
    r, g, b = ImageStat.Stat(out.crop(red)).mean
    assert r > 150 and g < 110 and b < 110, (r, g, b)


# --- formats and messages ------------------------------------------------------------------------


def test_avif_is_named_avif_and_heic_heic():
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
    avif_by_compat = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf"
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    heif = b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1"
    assert [imaging.sniff_format(x) for x in (avif, avif_by_compat, heic, heif)] == ["AVIF", "AVIF", "HEIC", "HEIC"]
    with pytest.raises(InvalidImage) as e:
        run(avif + bytes(500))
    assert (e.value.reason, e.value.found) == ("UNSUPPORTED_FORMAT", "AVIF")
    text = reasons.invalid_message("UNSUPPORTED_FORMAT", "AVIF")
    assert "AVIF" in text.message and "AVIF" in text.message_zh
    assert "HEIC" not in text.message + text.message_zh and "iPhone" not in text.message


def test_sniff_names_a_format_from_the_first_bytes_alone():
    """For a ranged GET of an object too large to download: the first bytes are enough."""
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40)
    assert imaging.sniff(heic[:64]) == "HEIC"
    assert imaging.sniff(photo_jpeg((640, 480))[:64]) == "JPEG"
    assert imaging.sniff(screenshot_png((300, 400))[:64]) == "PNG"
    assert imaging.sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(50)) == "WEBP"
    assert imaging.sniff(bytes(range(64))) is None
    assert imaging.sniff(b"") is None


def test_dimensions_text_states_the_real_limits():
    text = reasons.INVALID_REASONS["DIMENSIONS_TOO_LARGE"]
    megapixels = imaging.MAX_PIXELS // 1_000_000
    assert f"{megapixels} megapixels" in text.message and f"{imaging.MAX_SIDE} pixels" in text.message
    assert f"{megapixels // 100 * 100 if megapixels >= 100 else megapixels * 100} 万像素" in text.message_zh
    assert f"{imaging.MAX_SIDE} 像素" in text.message_zh
    for example in ("4000x4000", "4600x3450"):  # every example given is accepted
        w, h = map(int, example.split("x"))
        assert w * h <= imaging.MAX_PIXELS and max(w, h) <= imaging.MAX_SIDE
        assert example in text.message and example.replace("x", "×") in text.message_zh
    wide = jpeg_bytes(Image.new("RGB", (imaging.MAX_SIDE, 400), (200, 200, 200)))
    assert run(wide).width == imaging.MAX_SIDE  # the side limit is what the text says
    with pytest.raises(InvalidImage) as e:
        run(jpeg_bytes(Image.new("RGB", (imaging.MAX_SIDE + 1, 400), (200, 200, 200))))
    assert e.value.reason == "DIMENSIONS_TOO_LARGE"


# --- output size ---------------------------------------------------------------------------------


def test_every_accepted_corpus_output_fits_200_kb(results):
    for case in GOOD:
        got = results[case.name]
        assert len(got.jpeg) <= imaging.MAX_OUTPUT_BYTES, case.name


def test_dense_line_art_is_made_to_fit_200_kb():
    """A 1-bit text page saved as PNG is tiny, its JPEG at any quality is not: the output is made
    smaller (same shape, still readable) until it fits, never refused or stored over the limit."""
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    rnd = random.Random(5)
    font = ImageFont.load_default(size=18)
    for y in range(60, 1700, 27):
        words = " ".join("".join(rnd.choice("abcdefghij") for _ in range(rnd.randrange(2, 9))) for _ in range(20))
        draw.text((60, y), words, fill=0, font=font)
    data = png_bytes(page.convert("1"))
    assert len(data) <= imaging.MAX_BYTES
    got = run(data)
    assert len(got.jpeg) <= imaging.MAX_OUTPUT_BYTES
    assert got.encodes == 1  # the smaller size was planned from a sample, not found by trying
    assert got.width < 1240 and got.width >= 600 and abs(got.height / got.width - 1754 / 1240) < 0.01
    assert Image.open(io.BytesIO(got.jpeg)).size == (got.width, got.height)


def png_bytes(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()
