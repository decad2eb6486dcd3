"""process_image keeps the colours the candidate saw (R5): a picture tagged with an ICC profile is
converted to sRGB before the profile is dropped; untagged pictures are left as they are.

The profiles are written by testkit/icc.py (Display P3, Adobe RGB, a gamma-1.8 RGB and grey, a CMYK
press), plus whatever profiles the OS provides under /usr/share/color/icc. The expected colours of the
matrix profiles come from the textbook maths, not from LittleCMS."""

from __future__ import annotations

import datetime
import io

import pytest
from PIL import Image, ImageCms, ImageDraw, ImageStat

from process_image import colour, imaging
from testkit import icc
from testkit.corpus import colourful, jpeg, photo, png, screenshot, tagged_jpeg

DAY = datetime.date(2026, 11, 25)
GOAL_DELTA_E = 4.0  # mean CIE76 against the colour-managed rendering of the upload (issue's goal)

RGB_SPACES = {"display-p3": icc.DISPLAY_P3, "adobe-rgb": icc.ADOBE_RGB, "gamma-1.8": icc.GAMMA18_RGB}
OS_PROFILES = icc.os_profiles()


def run(data: bytes) -> Image.Image:
    got = imaging.process(data, reference="AB12CD", day=DAY)
    return Image.open(io.BytesIO(got.jpeg))


def tagged_pictures() -> dict[str, bytes]:
    """One photo per profile kind, its pixel numbers as they are, tagged with the profile."""
    pic = colourful(photo((800, 600), seed=71))
    files = {name: tagged_jpeg(pic, icc.rgb_profile(space)) for name, space in RGB_SPACES.items()}
    files["cmyk-press"] = tagged_jpeg(pic.convert("CMYK"), icc.cmyk_profile())
    files["grey-gamma-1.8"] = tagged_jpeg(pic.convert("L"), icc.grey_profile(1.8))
    files["display-p3.png"] = png(colourful(screenshot((600, 800))), icc_profile=icc.rgb_profile(icc.DISPLAY_P3))
    small = colourful(photo((300, 300), seed=71))
    for name, profile in OS_PROFILES.items():  # e.g. Debian's icc-profiles-free, Ghostscript's
        space = ImageCms.ImageCmsProfile(io.BytesIO(profile)).profile.xcolor_space
        mode = {"RGB ": "RGB", "CMYK": "CMYK", "GRAY": "L"}[space]
        big = len(profile) > imaging.MAX_BYTES // 3  # e.g. a 187 KB press profile: a small picture beside it
        files[f"os:{name}"] = tagged_jpeg((small if big else pic).convert(mode), profile, 50 if big else 85)
    assert all(len(f) <= imaging.MAX_BYTES for f in files.values())
    return files


TAGGED = tagged_pictures()


@pytest.mark.parametrize("name", sorted(TAGGED))
def test_a_tagged_picture_keeps_its_colours(name):
    data = TAGGED[name]
    upload = Image.open(io.BytesIO(data))
    managed = icc.managed_srgb(upload)  # what a colour-managed viewer shows
    out = run(data)
    assert not out.info.get("icc_profile")  # the output is plain sRGB, no profile rides along
    shown = icc.mean_delta_e(out.convert("RGB"), managed, step=2)
    assert shown <= GOAL_DELTA_E, f"{name}: mean ΔE {shown:.2f} against the colour-managed upload"


@pytest.mark.parametrize(
    "name", ["display-p3", "adobe-rgb", "gamma-1.8", "cmyk-press", "grey-gamma-1.8", "display-p3.png"]
)
def test_without_the_conversion_the_colours_would_be_off(name):
    """The test above can fail: on the colour bars, the upload's numbers read as sRGB (what the
    pipeline did before) are well away from what the candidate saw, the output is close to it."""
    upload = Image.open(io.BytesIO(TAGGED[name]))
    band = (0, upload.height // 3 + 4, upload.width, 2 * upload.height // 3 - 4)
    managed = icc.managed_srgb(upload).crop(band)
    unmanaged = icc.mean_delta_e(upload.convert("RGB").crop(band), managed, step=2)
    shown = icc.mean_delta_e(run(TAGGED[name]).convert("RGB").crop(band), managed, step=2)
    assert unmanaged > 6 and shown < unmanaged / 1.5, (unmanaged, shown)


def swatches(colours: list[tuple[int, int, int]], side: int = 120) -> Image.Image:
    """Solid squares side by side, big enough that the watermark leaves most of each alone."""
    im = Image.new("RGB", (max(300, side * len(colours)), 300), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    for i, c in enumerate(colours):
        draw.rectangle([i * side, 0, (i + 1) * side - 1, im.height - 1], fill=c)
    return im


def swatch_colours(out: Image.Image, n: int, side: int = 120) -> list[tuple[int, ...]]:
    """The median of each square's middle (the watermark touches few of its pixels)."""
    rgb = out.convert("RGB")
    return [
        tuple(round(v) for v in ImageStat.Stat(rgb.crop((i * side + 20, 40, (i + 1) * side - 20, rgb.height - 40))).median)
        for i in range(n)
    ]


@pytest.mark.parametrize("space", list(RGB_SPACES.values()), ids=list(RGB_SPACES))
def test_solid_colours_match_the_textbook_conversion(space):
    """Each square stores the numbers that mean the wanted sRGB colour in ``space``; the output shows
    the wanted colour (computed without LittleCMS), not the stored numbers."""
    wanted = [(210, 60, 50), (60, 170, 70), (50, 70, 190), (200, 120, 60), (128, 128, 128), (240, 230, 200)]
    numbers = [icc.srgb_to_space(space, c) for c in wanted]  # what the file stores for those colours
    expected = [icc.matrix_profile_to_srgb(space, n) for n in numbers]  # independent of LittleCMS
    for e, w in zip(expected, wanted, strict=True):
        assert max(abs(a - b) for a, b in zip(e, w, strict=True)) <= 3  # in gamut: the maths round-trips
    data = tagged_jpeg(swatches(numbers), icc.rgb_profile(space), quality=95)
    got = swatch_colours(run(data), len(wanted))
    moved = 0
    for g, e, n in zip(got, expected, numbers, strict=True):
        de = icc.delta_e(icc.srgb_lab(g), icc.srgb_lab(e))
        assert de <= GOAL_DELTA_E, (space.name, n, e, g, de)
        moved += icc.delta_e(icc.srgb_lab(n), icc.srgb_lab(e)) > GOAL_DELTA_E
    assert moved >= 3  # the stored numbers themselves would be far off for most squares


def test_display_p3_red_is_srgb_red():
    p3_red = icc.srgb_to_space(icc.DISPLAY_P3, (255, 2, 2))
    assert p3_red[0] < 240 and p3_red[1] > 40  # stored as a duller red: P3's red is redder than sRGB's
    got = swatch_colours(run(tagged_jpeg(swatches([p3_red]), icc.rgb_profile(icc.DISPLAY_P3), 95)), 1)[0]
    assert got[0] >= 245 and got[1] <= 15 and got[2] <= 15, got


def test_a_transparent_tagged_png_is_converted_then_flattened_on_white():
    body = icc.srgb_to_space(icc.DISPLAY_P3, (20, 80, 200))
    rgba = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle([0, 0, 299, 399], fill=(*body, 255))
    out = run(png(rgba, icc_profile=icc.rgb_profile(icc.DISPLAY_P3))).convert("RGB")
    left = tuple(round(v) for v in ImageStat.Stat(out.crop((40, 60, 260, 340))).median)
    right = tuple(round(v) for v in ImageStat.Stat(out.crop((340, 60, 560, 340))).median)
    assert icc.delta_e(icc.srgb_lab(left), icc.srgb_lab((20, 80, 200))) <= GOAL_DELTA_E, left
    assert min(right) >= 250, right  # transparent: white, as the page shows it


def test_untagged_and_srgb_tagged_pictures_are_left_alone(monkeypatch):
    """No conversion for untagged files (they are sRGB) nor for an sRGB profile (a no-op, found once)."""
    pic = photo((800, 600), seed=72)
    untagged = run(jpeg(pic))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    applied = []
    real = ImageCms.applyTransform

    def counting(im, transform, *args, **kwargs):
        applied.append(im.size)
        return real(im, transform, *args, **kwargs)

    monkeypatch.setattr(ImageCms, "applyTransform", counting)
    tagged = run(tagged_jpeg(pic, srgb))
    assert tagged.tobytes() == untagged.tobytes()
    assert (800, 600) not in applied  # only the small probe that found it is sRGB
    run(jpeg(pic))
    assert (800, 600) not in applied


@pytest.mark.parametrize(
    "profile",
    [b"not a profile at all" * 20, icc.cmyk_profile(), icc.rgb_profile(icc.DISPLAY_P3)[:200]],
    ids=["garbage", "cmyk-profile-on-rgb", "cut-profile"],
)
def test_a_profile_that_does_not_fit_is_ignored_as_browsers_do(profile):
    pic = photo((640, 480), seed=73)
    assert run(tagged_jpeg(pic, profile)).tobytes() == run(jpeg(pic)).tobytes()


def test_one_transform_per_profile(monkeypatch):
    built = []
    real = ImageCms.buildTransform

    def counting(*args, **kwargs):
        built.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(ImageCms, "buildTransform", counting)
    monkeypatch.setattr(colour, "_cache", type(colour._cache)())
    pic = photo((640, 480), seed=74)
    for seed in range(3):
        run(tagged_jpeg(photo((640, 480), seed=seed), icc.rgb_profile(icc.ADOBE_RGB)))
    run(tagged_jpeg(pic.convert("CMYK"), icc.cmyk_profile()))
    assert sorted(built) == ["CMYK", "RGB", "RGBA"]  # Adobe RGB's pair once for three pictures, CMYK once
