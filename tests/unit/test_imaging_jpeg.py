"""process_image on the JPEG structure: a scan flood is refused before it is decoded and the work of
one image is bounded (R12); a JPEG missing only its end marker is whole and accepted, a cut one stays
CORRUPT (R6); the marker walk itself."""

from __future__ import annotations

import datetime
import io

import pytest
from PIL import Image, ImageFile

from process_image import imaging, jpeg_layout
from process_image.imaging import InvalidImage
from testkit.corpus import (
    fit_jpeg,
    grey_scan,
    jpeg,
    jpeg_units,
    photo,
    photo_jpeg,
    scan_flood,
    without_eoi,
)

DAY = datetime.date(2026, 11, 25)


def run(data: bytes) -> imaging.Processed:
    return imaging.process(data, reference="AB12CD", day=DAY)


def reason(data: bytes) -> str:
    with pytest.raises(InvalidImage) as e:
        run(data)
    return e.value.reason


@pytest.fixture
def no_decoding(monkeypatch):
    """Any attempt to decode pixels fails the test: the verdict must come from the markers alone."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("the pipeline decoded the file")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# --- scan floods and the work bound ----------------------------------------------------------------


@pytest.mark.parametrize("size", [(1000, 1000), (2000, 2000), (4000, 4000)])
def test_a_scan_flood_is_refused_before_decoding(size, no_decoding):
    flood = scan_flood(size, scans=1800 if size[0] == 4000 else 3000)
    assert len(flood) <= imaging.MAX_BYTES
    layout = jpeg_layout.read(flood, max_scans=10**6)
    assert layout.scans > 1800 and layout.has_eoi and layout.progressive  # a valid file, just long
    assert reason(flood) == "CORRUPT"


def test_the_scan_limit_is_above_what_encoders_write():
    """libjpeg's progressive mode writes 10 scans (6 for grey); both decode as before."""
    for img in (photo((1600, 1200), seed=3), grey_scan((800, 1000))):
        data = fit_jpeg(img, progressive=True)
        layout = jpeg_layout.read(data, max_scans=imaging.MAX_SCANS)
        assert layout.scans in (6, 10) and layout.scans < imaging.MAX_SCANS // 5
        assert run(data).width == img.width


def test_the_work_bound_holds_below_the_scan_limit(no_decoding):
    """Fewer scans than the limit, but each a full pass over a 16-megapixel picture: refused."""
    heavy = scan_flood((4000, 4000), scans=imaging.MAX_SCANS - 15, mode="L")
    layout = jpeg_layout.read(heavy, max_scans=imaging.MAX_SCANS)
    assert layout.scans <= imaging.MAX_SCANS and layout.block_visits > imaging.MAX_SCAN_BLOCKS
    assert reason(heavy) == "CORRUPT"


def test_the_largest_allowed_progressive_photo_is_within_the_work_bound():
    """A 4000x4000 progressive JPEG with no chroma subsampling (the most blocks a picture here has)."""
    data = jpeg(Image.new("RGB", (4000, 4000), (200, 190, 170)), 90, progressive=True, subsampling=0)
    layout = jpeg_layout.read(data, max_scans=imaging.MAX_SCANS)
    assert 0 < layout.block_visits <= imaging.MAX_SCAN_BLOCKS / 3
    assert run(data).width >= 2000  # accepted (made smaller to fit 200 KB with its watermark)


def test_an_oversized_header_is_still_dimensions_too_large():
    """The work bound comes after the dimension checks, so an oversized header keeps its reason."""
    head, units, tail = jpeg_units(scan_flood((1000, 1000), scans=50))
    data = head.replace(b"\x03\xe8\x03\xe8", b"\x1f\x40\x1f\x40", 1) + b"".join(units) + tail  # 8000x8000
    assert reason(data) == "DIMENSIONS_TOO_LARGE"


@pytest.mark.parametrize("progressive", [False, True])
def test_a_small_file_declaring_a_large_picture_is_refused_before_decoding(progressive, no_decoding):
    """libjpeg fills a scan that ends early in grey and goes on: 15 KB declaring 4000x4000 would cost
    a 16-megapixel decode, conversion and encode of nothing. Every block of a sequential scan needs 2
    bits, of a progressive DC scan 1: fewer bytes than that is a cut scan (LJT-01-004)."""
    head, units, tail = jpeg_units(jpeg(photo((640, 480), seed=57), 80, progressive=progressive))
    data = head.replace(b"\x01\xe0\x02\x80", b"\x0f\xa0\x0f\xa0", 1) + b"".join(units) + tail  # 4000x4000
    layout = jpeg_layout.read(data, max_scans=100)
    assert layout.has_eoi and layout.short_scans >= 1
    assert reason(data) == "CORRUPT"


def test_a_large_flat_picture_is_not_short():
    """The floor is the least a real encoder writes: a flat 4000x3000 baseline JPEG is above it."""
    data = jpeg(Image.new("L", (4000, 3000), 200), 90)
    layout = jpeg_layout.read(data, max_scans=100)
    assert layout.short_scans == 0 and len(data) <= imaging.MAX_BYTES
    assert run(data).height >= 2000


# --- the end marker --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    ["baseline", "progressive", "grey", "restart-markers"],
)
def test_a_jpeg_missing_only_its_end_marker_is_accepted(kind):
    img = photo((800, 600), seed=51) if kind != "grey" else grey_scan((600, 800))
    kw = {"progressive": True} if kind == "progressive" else {"restart_marker_blocks": 4} if kind == "restart-markers" else {}
    data = fit_jpeg(img, **kw)
    cut = without_eoi(data)
    assert reason_or_none(cut) is None
    assert run(cut) == run(data)  # every pixel decoded, so the very same output


def reason_or_none(data: bytes) -> str | None:
    try:
        run(data)
    except InvalidImage as e:
        return e.reason
    return None


def test_garbage_after_the_last_scan_instead_of_an_end_marker_is_accepted():
    data = photo_jpeg((640, 480), seed=52)
    assert run(without_eoi(data) + b"\x00" * 100) == run(data)


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("missing", [16, 100, 1000, 5000])
def test_a_cut_jpeg_stays_corrupt(progressive, missing):
    data = fit_jpeg(photo((800, 600), seed=53), progressive=progressive)
    assert reason(data[: len(data) - 2 - missing]) == "CORRUPT"


def test_a_progressive_jpeg_cut_between_scans_stays_corrupt():
    """The scans that are there are whole, but the last ones (the finest bits) are missing."""
    head, units, _ = jpeg_units(fit_jpeg(photo((800, 600), seed=54), progressive=True))
    for kept in (1, 5, len(units) - 1):
        data = head + b"".join(units[:kept])
        assert not jpeg_layout.read(data, max_scans=100).complete
        assert reason(data) == "CORRUPT"


def test_a_cut_jpeg_stays_corrupt_even_when_the_decoder_would_fill_it_in(monkeypatch):
    """The end marker put back must never hide a cut: refused before Pillow's truncation flag matters."""
    data = photo_jpeg((640, 480), seed=55)
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):  # the pipeline refuses to decode at all with the flag flipped
        run(data[: len(data) // 2])


# --- the marker walk -------------------------------------------------------------------------------


def test_the_walk_counts_scans_and_blocks():
    data = jpeg(Image.new("RGB", (160, 80), (1, 2, 3)), 90)  # 4:2:0: Y 20x10 blocks, Cb and Cr 10x5
    layout = jpeg_layout.read(data, max_scans=100)
    assert (layout.scans, layout.block_visits, layout.has_eoi, layout.end) == (1, 300, True, len(data))
    assert layout.complete and not layout.progressive
    flood = scan_flood((160, 80), scans=500)
    assert jpeg_layout.read(flood, max_scans=100).scans == 101  # stops counting past the limit


def test_the_walk_sees_scans_behind_markers_libjpeg_skips():
    """A reserved marker (0x02..0xBF) has no length for libjpeg while it looks for a restart marker: a
    'segment' after one must not hide the scans in it."""
    head, units, tail = jpeg_units(scan_flood((320, 240), scans=0))
    hidden = b"\xff\x02\x7f\xff" + b"".join(units[-1:]) * 200  # 0xFF02, then a 'length' of 32767
    layout = jpeg_layout.read(head + b"".join(units) + hidden + tail, max_scans=100)
    assert layout.scans == 101


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", b"\xff\xd9", b"\xff\xd8\xff\xd8\xff\xd9"],
    ids=["scan-before-frame", "no-SOI", "second-SOI"],
)
def test_structure_libjpeg_refuses_is_unreadable(data):
    with pytest.raises(jpeg_layout.Unreadable):
        jpeg_layout.read(data, max_scans=100)


def test_a_file_cut_inside_a_segment_ends_at_the_last_whole_one():
    data = photo_jpeg((640, 480), seed=56)
    head, _, _ = jpeg_units(data)
    layout = jpeg_layout.read(head[:-3], max_scans=100)
    assert not layout.has_eoi and not layout.complete and layout.end < len(head)
    with pytest.raises(InvalidImage):
        run(head[:-3])
    assert Image.open(io.BytesIO(data)).size == (640, 480)
