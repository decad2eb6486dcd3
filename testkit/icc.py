"""Small ICC v2 profiles written here, byte by byte, for the colour tests and the bench: the wide-gamut
and odd-gamma spaces phones, cameras and old Macs tag their files with (Display P3, Adobe RGB, a
gamma-1.8 RGB, a gamma-1.8 grey), and a CMYK print profile (a 4-D lookup table to Lab). No profile is
copied from anywhere; the numbers are the published primaries and transfer curves.

Also the colour maths the tests check against, independent of LittleCMS: ``matrix_profile_to_srgb``
converts one colour of a matrix/TRC space to sRGB with nothing but the primaries and the curves.
"""

from __future__ import annotations

import glob
import io
import math
import struct
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms

D50 = (0.9642, 1.0, 0.8249)  # the profile connection space's white
D65_XY = (0.3127, 0.3290)


@dataclass(frozen=True)
class RGBSpace:
    name: str
    primaries: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]  # xy of R, G, B
    white: tuple[float, float]
    curve: str  # "srgb" or "gamma:<value>"


SRGB = RGBSpace("sRGB", ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06)), D65_XY, "srgb")
DISPLAY_P3 = RGBSpace("Display P3", ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)), D65_XY, "srgb")
ADOBE_RGB = RGBSpace("Adobe RGB (1998)", ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06)), D65_XY, "gamma:2.19921875")
# Apple RGB: the Trinitron primaries of the old Macs, gamma 1.8.
GAMMA18_RGB = RGBSpace("Apple RGB gamma 1.8", ((0.625, 0.340), (0.280, 0.595), (0.155, 0.070)), D65_XY,
                       "gamma:1.80078125")


# --- linear algebra ----------------------------------------------------------------------------

Matrix = tuple[tuple[float, float, float], ...]


def _mul(a: Matrix, b: Matrix) -> Matrix:
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3))


def _apply(m: Matrix, v: tuple[float, float, float]) -> tuple[float, float, float]:
    return tuple(sum(m[i][k] * v[k] for k in range(3)) for i in range(3))  # type: ignore[return-value]


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )


def _xyz(xy: tuple[float, float]) -> tuple[float, float, float]:
    x, y = xy
    return (x / y, 1.0, (1 - x - y) / y)


def rgb_to_xyz(space: RGBSpace) -> Matrix:
    """Linear RGB -> XYZ under the space's own white (the usual derivation from xy primaries)."""
    cols = [_xyz(p) for p in space.primaries]
    p = tuple(tuple(cols[j][i] for j in range(3)) for i in range(3))
    s = _apply(_inverse(p), _xyz(space.white))
    return tuple(tuple(p[i][j] * s[j] for j in range(3)) for i in range(3))


_BRADFORD = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))


def _adapt(src_white: tuple[float, float, float], dst_white: tuple[float, float, float]) -> Matrix:
    s, d = _apply(_BRADFORD, src_white), _apply(_BRADFORD, dst_white)
    scale = ((d[0] / s[0], 0, 0), (0, d[1] / s[1], 0), (0, 0, d[2] / s[2]))
    return _mul(_inverse(_BRADFORD), _mul(scale, _BRADFORD))


def to_linear(v: float, curve: str) -> float:
    if curve == "srgb":
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    return v ** float(curve.split(":")[1])


def from_linear_srgb(v: float) -> float:
    v = min(1.0, max(0.0, v))
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def matrix_profile_to_srgb(space: RGBSpace, rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """One 8-bit colour of ``space`` as sRGB (relative colorimetric, clipped), by the textbook maths."""
    lin = tuple(to_linear(c / 255, space.curve) for c in rgb)
    xyz = _apply(rgb_to_xyz(space), lin)  # type: ignore[arg-type]
    xyz = _apply(_adapt(_xyz(space.white), _xyz(SRGB.white)), xyz)
    out = _apply(_inverse(rgb_to_xyz(SRGB)), xyz)
    return tuple(round(255 * from_linear_srgb(c)) for c in out)  # type: ignore[return-value]


def srgb_to_space(space: RGBSpace, rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """The 8-bit colour of ``space`` that shows as this sRGB colour (in gamut for the wide spaces)."""
    lin = tuple(to_linear(c / 255, "srgb") for c in rgb)
    xyz = _apply(rgb_to_xyz(SRGB), lin)  # type: ignore[arg-type]
    xyz = _apply(_adapt(_xyz(SRGB.white), _xyz(space.white)), xyz)
    out = _apply(_inverse(rgb_to_xyz(space)), xyz)
    if space.curve == "srgb":
        enc = [from_linear_srgb(c) for c in out]
    else:
        enc = [min(1.0, max(0.0, c)) ** (1 / float(space.curve.split(":")[1])) for c in out]
    return tuple(round(255 * c) for c in enc)  # type: ignore[return-value]


# --- ICC writing -------------------------------------------------------------------------------


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz_tag(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in xyz)


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * 8 + b"\0\0\0" + b"\0" * 67


def _text(text: str) -> bytes:
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


def _curve(curve: str) -> bytes:
    if curve == "srgb":  # parametric type 3, the IEC 61966-2-1 curve
        params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
        return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(p) for p in params)
    gamma = float(curve.split(":")[1])
    return b"curv\0\0\0\0" + struct.pack(">I", 1) + struct.pack(">H", round(gamma * 256))


def _profile(device_class: bytes, colour_space: bytes, pcs: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    table = b""
    body = b""
    offset = 128 + 4 + 12 * len(tags)
    seen: dict[bytes, int] = {}
    for sig, data in tags:
        if data in seen:  # shared data (the three TRCs of a gamma space), as real profiles do
            table += sig + struct.pack(">II", seen[data], len(data))
            continue
        while (offset + len(body)) % 4:
            body += b"\0"
        seen[data] = offset + len(body)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = 128 + 4 + len(table) + len(body)
    header = (
        struct.pack(">I", size) + b"none" + struct.pack(">I", 0x02100000) + device_class + colour_space + pcs
        + struct.pack(">6H", 2026, 11, 25, 0, 0, 0) + b"acsp" + b"APPL" + b"\0" * 4 + b"none" + b"\0" * 4
        + b"\0" * 8 + struct.pack(">I", 0) + b"".join(_s15(c) for c in D50) + b"test" + b"\0" * 44
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


@lru_cache(maxsize=8)
def rgb_profile(space: RGBSpace) -> bytes:
    """A v2 display profile (matrix + TRC) for ``space``: colorants adapted to D50 with Bradford."""
    m = _mul(_adapt(_xyz(space.white), D50), rgb_to_xyz(space))
    trc = _curve(space.curve)
    return _profile(b"mntr", b"RGB ", b"XYZ ", [
        (b"desc", _desc(space.name)), (b"cprt", _text("No copyright, written for the tests")),
        (b"wtpt", _xyz_tag(_xyz(space.white))),
        (b"rXYZ", _xyz_tag((m[0][0], m[1][0], m[2][0]))), (b"gXYZ", _xyz_tag((m[0][1], m[1][1], m[2][1]))),
        (b"bXYZ", _xyz_tag((m[0][2], m[1][2], m[2][2]))),
        (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc),
    ])  # fmt: skip


@lru_cache(maxsize=2)
def grey_profile(gamma: float = 1.8) -> bytes:
    return _profile(b"mntr", b"GRAY", b"XYZ ", [
        (b"desc", _desc(f"Grey gamma {gamma}")), (b"cprt", _text("No copyright, written for the tests")),
        (b"wtpt", _xyz_tag(_xyz(D65_XY))), (b"kTRC", _curve(f"gamma:{gamma}")),
    ])  # fmt: skip


def print_lab(c: float, m: float, y: float, k: float) -> tuple[float, float, float]:
    """A press on off-white paper with impure inks and dot gain: CMYK ink (0..1) -> CIE Lab (D50)."""
    paper = (0.86, 0.85, 0.80)  # linear reflectance per band: warm, not pure white
    inks = {"c": (0.12, 0.55, 0.85), "m": (0.80, 0.14, 0.50), "y": (0.92, 0.85, 0.10), "k": (0.05, 0.05, 0.06)}
    refl = list(paper)
    for ink, amount in zip("cmyk", (c, m, y, k), strict=True):
        cover = 1 - (1 - amount) ** 1.4  # dot gain: ink spreads, mid-tones print darker
        refl = [r * (1 - cover * (1 - t)) for r, t in zip(refl, inks[ink], strict=True)]
    xyz = _apply(_mul(_adapt(_xyz(D65_XY), D50), rgb_to_xyz(SRGB)), tuple(refl))  # type: ignore[arg-type]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip(xyz, D50, strict=True))
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


@lru_cache(maxsize=1)
def cmyk_profile(grid: int = 7) -> bytes:
    """A v2 output (print) profile: CMYK -> Lab through a ``grid``^4 lookup table (lut16, A2B0)."""
    identity = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    linear = struct.pack(">HH", 0, 65535)
    clut = bytearray()
    steps = [i / (grid - 1) for i in range(grid)]
    for c in steps:
        for m in steps:
            for y in steps:
                for k in steps:
                    lab_l, a, b = print_lab(c, m, y, k)
                    clut += struct.pack(
                        ">HHH",
                        round(min(100, max(0, lab_l)) * 0xFF00 / 100),
                        round((min(127.99, max(-128, a)) + 128) * 256),
                        round((min(127.99, max(-128, b)) + 128) * 256),
                    )
    lut = (b"mft2\0\0\0\0" + bytes((4, 3, grid, 0)) + identity + struct.pack(">HH", 2, 2)
           + linear * 4 + bytes(clut) + linear * 3)  # fmt: skip
    return _profile(b"prtr", b"CMYK", b"Lab ", [
        (b"desc", _desc("Test press, impure inks, dot gain")), (b"cprt", _text("No copyright, written for the tests")),
        (b"wtpt", _xyz_tag(D50)), (b"A2B0", lut),
    ])  # fmt: skip


def os_profiles() -> dict[str, bytes]:
    """The ICC profiles this machine's OS provides (e.g. Debian's icc-profiles-free, Ghostscript's),
    by file name; an empty dict where there are none."""
    found: dict[str, bytes] = {}
    for path in sorted(glob.glob("/usr/share/color/icc/**/*.ic[cm]", recursive=True)):
        with open(path, "rb") as f:
            data = f.read()
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
        except (OSError, ImageCms.PyCMSError):
            continue
        if profile.xcolor_space in ("RGB ", "CMYK", "GRAY") and profile.device_class in ("mntr", "prtr", "scnr"):
            found[path.rsplit("/", 1)[1]] = data
    return found


# --- what a colour-managed viewer shows, and how far apart two pictures are ---------------------


def managed_srgb(im: Image.Image) -> Image.Image:
    """The picture as a colour-managed viewer shows it on an sRGB screen (perceptual intent, as the
    pipeline uses); untagged pictures as they are (CMYK: Pillow's plain conversion)."""
    icc = im.info.get("icc_profile")
    if icc:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = {"RGB ": "RGB", "CMYK": "CMYK", "GRAY": "L"}[src.profile.xcolor_space]
        return ImageCms.profileToProfile(im.convert(mode), src, ImageCms.createProfile("sRGB"), outputMode="RGB")
    return im.convert("RGB")


@lru_cache(maxsize=1)
def _to_lab() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB")


def mean_delta_e(a: Image.Image, b: Image.Image, step: int = 1) -> float:
    """Mean CIE76 colour difference of two same-size pictures (every ``step``-th pixel each way)."""
    assert a.size == b.size, (a.size, b.size)
    if step > 1:
        size = (a.width // step, a.height // step)
        a, b = (im.resize(size, Image.Resampling.NEAREST) for im in (a, b))
    la, lb = (ImageCms.applyTransform(im.convert("RGB"), _to_lab()) for im in (a, b))
    total = 0.0
    # Pillow's LAB: L 0..255 for 0..100; a and b offset by 128 in getpixel, signed bytes in tobytes.
    for (l1, a1, b1), (l2, a2, b2) in zip(_lab_pixels(la), _lab_pixels(lb), strict=True):
        total += math.sqrt(((l1 - l2) * 100 / 255) ** 2 + (a1 - a2) ** 2 + (b1 - b2) ** 2)
    return total / (la.width * la.height)


def _lab_pixels(im: Image.Image):
    raw = im.tobytes()
    for i in range(0, len(raw), 3):
        yield raw[i], (raw[i + 1] ^ 0x80) - 128, (raw[i + 2] ^ 0x80) - 128


def delta_e(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    return math.dist(lab1, lab2)


def srgb_lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """CIE Lab (D50) of one sRGB colour, through LittleCMS as mean_delta_e does."""
    px = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), _to_lab()).getpixel((0, 0))
    return (px[0] * 100 / 255, px[1] - 128, px[2] - 128)
