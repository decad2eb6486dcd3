"""Colour: a picture tagged with an ICC profile is converted to sRGB before the profile is dropped, so
the stored picture shows the colours the candidate saw (R5: true and accurate). Every iPhone photo is
Display P3, many cameras write Adobe RGB, print workflows CMYK with a press profile; showing their
numbers as sRGB shifts every colour (a P3 red (255, 2, 2) came out (232, 54, 42)).

LittleCMS (Pillow's ImageCms) does the conversion. A transform is built once per profile (keyed by
the SHA-256 of its bytes) and cached; a profile that turns out to be sRGB already (most Android and
camera JPEGs embed one) is remembered as "nothing to do", so those pictures cost nothing here. A
profile LittleCMS cannot read, or one that does not fit the picture (a CMYK profile on an RGB
picture), is ignored, as browsers ignore it; untagged pictures are left alone (untagged means sRGB,
and untagged CMYK is shown with the plain conversion browsers use).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageCms

# What a profile describes (ICC colour space signature) -> the Pillow modes LittleCMS reads for it.
_SPACES = {"RGB ": "RGB", "CMYK": "CMYK", "GRAY": "L"}
_CACHE_SIZE = 32
_IDENTITY_TOLERANCE = 1  # levels: a profile within one level of sRGB everywhere is sRGB
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class _Conversion:
    space: str  # "RGB", "CMYK" or "L": the picture mode the profile is for
    transforms: dict[str, ImageCms.ImageCmsTransform]  # picture mode -> transform to sRGB; empty: identity


_cache: OrderedDict[bytes, _Conversion | None] = OrderedDict()
_lock = threading.Lock()


def profile_of(im: Image.Image) -> bytes | None:
    icc = im.info.get("icc_profile")
    return icc if isinstance(icc, bytes) and icc else None


def to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """``im`` (decoded, any mode) in sRGB: mode RGB, RGBA, L or LA when the profile applied, else
    ``im`` itself. Never raises for a bad profile; it is then ignored."""
    if not icc:
        return im
    conversion = _conversion(icc)
    if conversion is None:
        return im
    fitted = _fit(im, conversion.space)
    if fitted is None or not conversion.transforms:
        return im
    im = fitted
    if conversion.space == "L":
        alpha = im.getchannel("A") if im.mode == "LA" else None
        grey = _applied(im.convert("L") if alpha is not None else im, conversion.transforms["L"])
        out = grey.getchannel("G")  # the transform keeps greys neutral: any channel is the grey
        if alpha is not None:
            out = Image.merge("LA", (out, alpha))
        return out
    return _applied(im, conversion.transforms[im.mode])


def _fit(im: Image.Image, space: str) -> Image.Image | None:
    """The picture in a mode the profile's transform reads, or None if the profile is not for it."""
    mode = im.mode
    if space == "RGB":
        if mode in ("RGB", "RGBA"):
            return im
        if mode in ("P", "PA"):
            return im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
        return None
    if space == "CMYK":
        return im if mode == "CMYK" else None
    if mode in ("L", "LA"):
        return im
    if mode.startswith("I;16") or mode == "I":
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode == "1":
        return im.convert("L")
    return None


def _conversion(icc: bytes) -> _Conversion | None:
    key = hashlib.sha256(icc).digest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    conversion = _build(icc)
    with _lock:
        _cache[key] = conversion
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return conversion


def _build(icc: bytes) -> _Conversion | None:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = _SPACES.get(profile.profile.xcolor_space)
        if space is None:
            return None
        modes = {"RGB": ("RGB", "RGBA"), "CMYK": ("CMYK",), "L": ("L",)}[space]
        transforms = {
            mode: ImageCms.buildTransform(
                profile, _SRGB, mode, "RGBA" if mode == "RGBA" else "RGB", ImageCms.Intent.PERCEPTUAL
            )
            for mode in modes
        }
        if space != "CMYK" and _is_identity(transforms[modes[0]], space):
            transforms = {}
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return None
    return _Conversion(space=space, transforms=transforms)


def _applied(im: Image.Image, transform: ImageCms.ImageCmsTransform) -> Image.Image:
    """ImageCms.applyTransform, which answers None only when asked to work in place (never here)."""
    out = ImageCms.applyTransform(im, transform)
    if out is None:
        raise ImageCms.PyCMSError("the transform gave no picture")
    return out


def _probe(space: str) -> Image.Image:
    """Every 8-bit grey, and a 16-step cube of colours for RGB."""
    if space == "L":
        return Image.frombytes("L", (256, 1), bytes(range(256)))
    steps = [round(i * 255 / 15) for i in range(16)]
    cube = bytes(c for r in steps for g in steps for b in steps for c in (r, g, b))
    return Image.frombytes("RGB", (16**3, 1), cube)


def _is_identity(transform: ImageCms.ImageCmsTransform, space: str) -> bool:
    probe = _probe(space)
    out = _applied(probe, transform)
    if space == "L":
        out = out.getchannel("G")
    return max(abs(a - b) for a, b in zip(probe.tobytes(), out.tobytes(), strict=True)) <= _IDENTITY_TOLERANCE
