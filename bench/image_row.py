"""Row 1: process_image per image, against plain Pillow on the same file.

For each generated upload (testkit/corpus.py, the pictures the tests use):

* subject  - ``imaging.process``: sniff, marker walk, header checks, decode, colour to sRGB, upright,
             normalise, thumbnail (reduced, watermarked at its scale, encoded), watermark, the choice
             of quality, encode;
* floor    - what no implementation can skip to produce the same output: Pillow decode, the EXIF
             turn if the photo has one (R5), the ICC conversion to sRGB if it is tagged (a cached
             LittleCMS transform, as the subject's), one JPEG encode of the output's pixels (the
             watermarked picture, made outside the timing) at the output's quality (read back from
             the subject's output) with optimised Huffman tables. Drawing the watermark and the
             thumbnail are not in the floor: their cost counts against the goal. "clean" is the
             floor encoding the clean picture instead, "bare" decode + encode alone: both in the note;
* baseline - the naive watermark: upright, RGBA, a full-image transparent overlay with the text
             tiled on it, ``alpha_composite``, encode.

Subject, floor and bare run interleaved, each round starting with the next one, so machine noise
hits all of them; the baseline, whose ~35 MB per call slows whatever runs after it, runs in a loop
of its own, interleaved with the floor again. The watermark and colour caches are warm, as in a warm
Lambda. Peak RSS is measured in a fresh interpreter per (case, variant), cold (the first image,
fonts and stamp included): the process's peak RSS (VmHWM) after the run minus its RSS before it,
with the imports done and the input read. ``python -m bench.image_row rss <variant> <file>`` is that
probe.

Then, per kind: output bytes against input bytes (goal 1.15x for JPEG uploads; every output <=
200 KB) with the output's quality, how many encodes it took and its PSNR against the watermarked
picture before encoding; the thumbnail's bytes and size (<= 24 KB, <= 320 px); over the test corpus
(tests/corpus.py's accepted files and a photo at every quality from 95 to 50), how many uploads needed
a second encode and how many missed a limit;
colour (mean CIE76 ΔE of the output against the upload rendered colour-managed to sRGB, goal <= 4,
per profile kind); a scan flood's refusal time against the decode of a normal file of its size.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import lru_cache

from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFont, ImageOps, ImageStat

from bench import ROOT
from bench.common import GOAL_PROCESS, GOAL_PROCESS_P95, Row, median, p95, ratio
from process_image import encoding, imaging

REFERENCE = "AB12CD34"
DAY = datetime.date(2026, 11, 25)


GOAL_GROWTH = 1.15  # output bytes / upload bytes for a JPEG upload
GOAL_DELTA_E = 4.0  # mean CIE76 against the colour-managed rendering of the upload
GOAL_REFUSAL_MS = 10.0  # a scan flood is refused in milliseconds


def cases() -> dict[str, bytes]:
    """The four kinds of upload; row 4's journey uploads these too (keep them and their order)."""
    from testkit import corpus

    return {
        "photo 1600x1200": corpus.photo_jpeg((1600, 1200)),
        "photo 1200x1600 EXIF-rotated": corpus.exif_rotated_jpeg(6, (1200, 1600)),
        "screenshot PNG 1080x1920": corpus.screenshot_png(),
        "grey scan 1240x1754": corpus.grey_scan_jpeg(),
    }


def colour_cases() -> dict[str, bytes]:
    """Tagged photos timed like the others: every iPhone photo is Display P3; a CMYK press file."""
    from testkit import corpus, icc

    pic = corpus.colourful(corpus.photo((1600, 1200), seed=5))
    cmyk = corpus.colourful(corpus.photo((1024, 768), seed=5)).convert("CMYK")  # 4 full channels: smaller
    return {
        "photo 1600x1200 Display P3": corpus.fit_jpeg(pic, icc_profile=icc.rgb_profile(icc.DISPLAY_P3)),
        "photo 1024x768 CMYK + press profile": corpus.fit_jpeg(cmyk, icc_profile=icc.cmyk_profile()),
    }


def delta_e_cases() -> dict[str, bytes]:
    """One colourful photo per profile kind (and untagged: what the watermark and JPEG alone cost)."""
    from testkit import corpus, icc

    pic = corpus.colourful(corpus.photo((800, 600), seed=71))
    files = {
        "untagged (sRGB)": corpus.jpeg(pic),
        "Display P3": corpus.tagged_jpeg(pic, icc.rgb_profile(icc.DISPLAY_P3)),
        "Adobe RGB": corpus.tagged_jpeg(pic, icc.rgb_profile(icc.ADOBE_RGB)),
        "gamma 1.8 RGB": corpus.tagged_jpeg(pic, icc.rgb_profile(icc.GAMMA18_RGB)),
        "gamma 1.8 grey": corpus.tagged_jpeg(pic.convert("L"), icc.grey_profile(1.8)),
        "CMYK + press profile": corpus.tagged_jpeg(pic.convert("CMYK"), icc.cmyk_profile()),
        "CMYK, no profile": corpus.jpeg(pic.convert("CMYK")),
    }
    small = corpus.colourful(corpus.photo((300, 300), seed=71))
    for name, profile in icc.os_profiles().items():  # Debian's icc-profiles-free, Ghostscript's, if there
        space = ImageCms.ImageCmsProfile(io.BytesIO(profile)).profile.xcolor_space
        mode = {"RGB ": "RGB", "CMYK": "CMYK", "GRAY": "L"}[space]
        big = len(profile) > imaging.MAX_BYTES // 3  # a 187 KB press profile: a small picture beside it
        files[f"OS {name}"] = corpus.tagged_jpeg((small if big else pic).convert(mode), profile, 50 if big else 85)
    return files


# ---------------------------------------------------------------- the variants

_SRGB = ImageCms.createProfile("sRGB")


@lru_cache(maxsize=8)
def _to_srgb(profile: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(profile)), _SRGB, mode, "RGB")


def subject(data: bytes) -> bytes:
    return imaging.process(data, reference=REFERENCE, day=DAY).jpeg


@lru_cache(maxsize=16)
def output_quality(data: bytes) -> int:
    """The quality the subject's output was encoded at, read back from its tables."""
    return encoding.input_quality(Image.open(io.BytesIO(subject(data)))) or imaging.JPEG_QUALITY


@lru_cache(maxsize=16)
def output_pixels(data: bytes) -> Image.Image:
    """What the output's encode is given: the upright, sRGB, watermarked picture (R7), made outside the
    timing. Its pixels are what every implementation must encode to store the same output; the
    watermark's outline makes them 1.5-1.8x the bytes of the clean picture at the same quality."""
    return imaging._render(data, imaging.watermark_text(REFERENCE, DAY)).image


def _upright_srgb(data: bytes) -> Image.Image:
    """Decode, the EXIF turn if any (R5), the ICC conversion to sRGB if tagged."""
    im = Image.open(io.BytesIO(data))
    im.load()
    icc = im.info.get("icc_profile")
    turn = imaging._ORIENTATION.get(imaging._orientation(im))
    if icc:
        im = ImageCms.applyTransform(im, _to_srgb(icc, im.mode))
    if turn is not None:
        im = im.transpose(turn)
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    return im


def floor(data: bytes) -> bytes:
    """Decode, EXIF turn, ICC conversion, and one encode of the output's pixels at the output's settings:
    nothing less makes the output. Drawing the watermark is not in it (its cost counts against the
    figure, as the thumbnail's does)."""
    _upright_srgb(data)
    return imaging.encode_jpeg(output_pixels(data), output_quality(data))


def clean(data: bytes) -> bytes:
    """The floor with the clean picture's encode instead of the output's (the note's second ratio)."""
    return imaging.encode_jpeg(_upright_srgb(data), output_quality(data))


def bare(data: bytes) -> bytes:
    """Decode + encode alone, as if the picture needed neither turning nor colour conversion."""
    im = Image.open(io.BytesIO(data))
    im.load()
    quality = output_quality(data)
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    return imaging.encode_jpeg(im, quality)


@lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(imaging.FONT_FILE), px)


def baseline(data: bytes) -> bytes:
    """How a watermark is usually written: the same text, angle, alphas and spacing as imaging's,
    drawn on a full-size RGBA layer that is then composited over the whole picture."""
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGBA")
    px = max(imaging.MIN_FONT_PX, min(imaging.MAX_FONT_PX, min(im.size) // imaging.FONT_DIVISOR))
    font, stroke = _font(px), max(1, round(px / 16))
    text = imaging.watermark_text(REFERENCE, DAY)
    left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
    tile = Image.new("RGBA", (right - left + 4, bottom - top + 4), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((2 - left, 2 - top), text, font=font, fill=(255, 255, 255, imaging.FILL_ALPHA),
                              stroke_width=stroke, stroke_fill=(0, 0, 0, imaging.OUTLINE_ALPHA))
    tile = tile.rotate(imaging.WATERMARK_ANGLE, resample=Image.Resampling.BICUBIC, expand=True)
    overlay = Image.new("RGBA", im.size, (0, 0, 0, 0))
    step_x = int(tile.width + imaging.TEXT_GAP * px)
    step_y = int(imaging.LINE_SPACING * px)
    for row, y in enumerate(range(-tile.height // 2, im.height, step_y)):
        for x in range(-tile.width // 2 - (row % 2) * step_x // 2, im.width, step_x):
            overlay.paste(tile, (x, y), tile)
    out = io.BytesIO()
    Image.alpha_composite(im, overlay).convert("RGB").save(out, "JPEG", quality=imaging.JPEG_QUALITY)
    return out.getvalue()


VARIANTS = {"subject": subject, "floor": floor, "clean": clean, "bare": bare, "baseline": baseline}


# ---------------------------------------------------------------- timing

def time_case(data: bytes, repeats: int, names: tuple[str, ...], warmup: int = 2) -> dict[str, list[float]]:
    """Milliseconds per call of each named variant, interleaved."""
    order = [(name, VARIANTS[name]) for name in names]
    for _ in range(warmup):
        for _name, fn in order:
            fn(data)
    times: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    gc.disable()
    try:
        for i in range(repeats):
            k = i % len(order)  # each round starts with the next variant: none always follows the same one
            for name, fn in order[k:] + order[:k]:
                started = time.perf_counter()
                fn(data)
                times[name].append((time.perf_counter() - started) * 1000)
            gc.collect()
    finally:
        gc.enable()
    return times


def peak_rss(variant: str, path: str) -> dict:
    """Run one variant once in a fresh interpreter; its peak RSS above what imports left."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)])}
    out = subprocess.run([sys.executable, "-m", "bench.image_row", "rss", variant, path], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def status_kb(field: str) -> int | None:
    """A field of /proc/self/status (VmRSS, VmHWM) in KiB; None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Linux: VmHWM := VmRSS, so VmHWM then says the peak of what runs next. False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _probe(variant: str, path: str) -> None:
    """Linux: VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)."""
    with open(path, "rb") as f:
        data = f.read()
    if variant in ("floor", "clean", "bare"):  # what they are given, made before: not theirs to count
        output_quality(data)
        if variant == "floor":
            output_pixels(data)
    gc.collect()
    reset_peak_rss()  # import-time peaks do not count
    before = status_kb("VmRSS")
    if before is None:  # not Linux: ru_maxrss (KiB on Linux, bytes on macOS) is the best there is
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    VARIANTS[variant](data)
    peak = status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kb": before, "peak_kb": peak, "delta_kb": peak - before}))


def _psnr(a: Image.Image, b: Image.Image) -> float:
    rms = ImageStat.Stat(ImageChops.difference(a, b)).rms
    mse = sum(r * r for r in rms) / len(rms)
    return 10 * math.log10(255**2 / mse) if mse else math.inf


def output_quality_figures(data: bytes, out: bytes) -> tuple[int, float]:
    """The output's JPEG quality and its PSNR against the watermarked picture before encoding."""
    before = imaging._render(data, imaging.watermark_text(REFERENCE, DAY)).image
    decoded = Image.open(io.BytesIO(out))
    quality = imaging.input_quality(decoded) or 0
    if decoded.size != before.size:  # made smaller to fit 200 KB: compare at the output's size
        before = before.resize(decoded.size, Image.Resampling.LANCZOS)
    return quality, _psnr(decoded.convert(before.mode), before)


def time_rows(name: str, data: bytes, repeats: int, tmp: str) -> tuple[list[Row], dict]:
    # The baseline churns ~35 MB per call, which slows whatever runs next: it gets its own loop,
    # interleaved with a second measurement of the floor.
    times = time_case(data, repeats, ("subject", "floor", "clean", "bare"))
    naive = time_case(data, repeats, ("baseline", "floor"))
    path = os.path.join(tmp, "input")
    with open(path, "wb") as f:
        f.write(data)
    rss = {v: peak_rss(v, path) for v in ("subject", "floor", "baseline")}
    done = imaging.process(data, reference=REFERENCE, day=DAY)
    out = done.jpeg
    quality, psnr = output_quality_figures(data, out)
    thumb_ms = median(thumbnail_times(data, repeats))
    med = {v: median(t) for v, t in times.items()}
    high = {v: p95(t) for v, t in times.items()}
    base, base_floor = median(naive["baseline"]), median(naive["floor"])
    growth = ratio(len(out), len(data))
    is_jpeg = data[:2] == b"\xff\xd8"
    detail = {"input_bytes": len(data), "output_bytes": len(out), "output_quality": quality, "psnr_db": psnr,
              "median_ms": med, "p95_ms": high, "samples_ms": times, "rss_kb": rss,
              "baseline_median_ms": base, "baseline_floor_median_ms": base_floor,
              "baseline_samples_ms": naive, "speedup_vs_baseline": base / med["subject"],
              "encodes": done.encodes, "thumbnail_bytes": len(done.thumbnail), "thumbnail_ms": thumb_ms,
              "thumbnail_size": [done.thumbnail_width, done.thumbnail_height]}  # fmt: skip
    notes = [f"thumbnail {thumb_ms:.1f} ms of it",
             f"{med['subject'] / med['clean']:.2f}x a floor encoding the clean picture ({med['clean']:.1f} ms)"]
    if med["clean"] > 1.05 * med["bare"]:
        notes.append(f"{med['subject'] / med['bare']:.2f}x the bare decode+encode ({med['bare']:.1f} ms)")
    size_row = Row("1   output vs input bytes", len(out) / 1000, len(data) / 1000, growth,
                   GOAL_GROWTH if is_jpeg else None, "kB",
                   note=f"q{quality}, {done.encodes} encode{'s' * (done.encodes > 1)}, PSNR {psnr:.1f} dB vs the "
                   f"watermarked picture; <= 200 KB: {'yes' if len(out) <= imaging.MAX_OUTPUT_BYTES else 'NO'}")  # fmt: skip
    size_row.judge()
    if len(out) > imaging.MAX_OUTPUT_BYTES:
        size_row.verdict = "MISS"
    thumb_ok = len(done.thumbnail) <= encoding.THUMB_MAX_BYTES and max(done.thumbnail_width,
                                                                       done.thumbnail_height) <= encoding.THUMB_SIDE
    thumb_row = Row("1   thumbnail", len(done.thumbnail) / 1000, unit="kB", verdict="PASS" if thumb_ok else "MISS",
                    note=f"{done.thumbnail_width}x{done.thumbnail_height}; goal <= {encoding.THUMB_MAX_BYTES / 1024:g} KB"
                    f" and <= {encoding.THUMB_SIDE} px, watermarked at its own scale")  # fmt: skip
    rows = [
        Row(f"1 process {name}, median", med["subject"], med["floor"], ratio(med["subject"], med["floor"]),
            GOAL_PROCESS, "ms", note="; ".join(notes)).judge(),
        Row(f"1 process {name}, p95", high["subject"], high["floor"], ratio(high["subject"], high["floor"]),
            GOAL_PROCESS_P95, "ms").judge(),
        Row("1   naive RGBA overlay (baseline), median", base, base_floor, ratio(base, base_floor), unit="ms",
            note=f"process is {base / med['subject']:.1f}x faster"),
        Row("1   peak RSS above imports", rss["subject"]["delta_kb"] / 1024, rss["floor"]["delta_kb"] / 1024,
            ratio(rss["subject"]["delta_kb"], rss["floor"]["delta_kb"]), unit="MB",
            note=f"baseline {rss['baseline']['delta_kb'] / 1024:.1f} MB"),
        size_row,
        thumb_row,
    ]
    return rows, detail


def thumbnail_times(data: bytes, repeats: int) -> list[float]:
    """Milliseconds of what the thumbnail adds: reduce the upright picture, watermark it at its scale,
    encode it (the subject does exactly this inside ``process``)."""
    rendered = imaging._render(data, imaging.watermark_text(REFERENCE, DAY))
    text = imaging.watermark_text(REFERENCE, DAY)
    times = []
    for _ in range(max(5, repeats)):
        started = time.perf_counter()
        small = encoding.thumbnail_of(rendered.image)
        imaging._apply_watermark(small, text, imaging.THUMB_FONT_PX)
        encoding.encode_thumbnail(small)
        times.append((time.perf_counter() - started) * 1000)
    return times


GOAL_SECOND_ENCODES = 0.05  # "rare": at most one upload in twenty encoded twice


def encode_cases() -> dict[str, bytes]:
    """The test corpus: every accepted file of tests/corpus.py, and a photo at every quality 95-50."""
    from testkit import corpus

    files = {c.name: c.data for c in corpus.corpus() if c.ok}
    pic = corpus.photo((1280, 960), seed=61)
    files.update({f"photo q{q}": corpus.jpeg(pic, q) for q in range(95, 45, -5)})
    return {k: v for k, v in files.items() if len(v) <= imaging.MAX_BYTES}


def encode_rows() -> tuple[list[Row], dict]:
    """How often the quality chosen before the encode still missed a limit (a second encode), and how
    many outputs are over a limit at the end (a JPEG upload's 1.15x; 200 KB)."""
    found = {}
    for name, data in encode_cases().items():
        got = imaging.process(data, reference=REFERENCE, day=DAY)
        found[name] = {"encodes": got.encodes, "quality": got.quality, "input_bytes": len(data),
                       "output_bytes": len(got.jpeg), "jpeg": data[:2] == b"\xff\xd8",
                       "thumbnail_bytes": len(got.thumbnail)}
    n = len(found)
    twice = [k for k, f in found.items() if f["encodes"] > 1]
    over = [k for k, f in found.items() if f["output_bytes"] > imaging.MAX_OUTPUT_BYTES
            or f["jpeg"] and f["output_bytes"] > GOAL_GROWTH * f["input_bytes"]]
    thumbs = sorted(f["thumbnail_bytes"] for f in found.values())
    rows = [
        Row(f"1 second encodes, {n} corpus uploads", len(twice), n, len(twice) / n, unit="",
            verdict="PASS" if len(twice) <= GOAL_SECOND_ENCODES * n else "MISS",
            note=f"goal rare (<= {GOAL_SECOND_ENCODES:.0%}); " + (", ".join(twice[:4]) or "none")),
        Row("1   outputs over a limit after all", len(over), n, len(over) / n, unit="",
            verdict="PASS" if not over else "MISS",
            note="200 KB, or 1.15x a JPEG upload; " + (", ".join(over[:4]) or "none")),
        Row("1   thumbnails, median / largest", thumbs[len(thumbs) // 2] / 1000, unit="kB",
            verdict="PASS" if thumbs[-1] <= encoding.THUMB_MAX_BYTES else "MISS",
            note=f"largest {thumbs[-1] / 1000:.1f} kB; goal <= {encoding.THUMB_MAX_BYTES / 1024:g} KB"),
    ]
    return rows, {"uploads": found}


def colour_rows() -> tuple[list[Row], dict]:
    """Mean ΔE of each output against its upload rendered colour-managed to sRGB (and, as the floor,
    the untagged photo's: what the watermark and the JPEG cost by themselves)."""
    from testkit import icc

    found: dict[str, dict] = {}
    for name, data in delta_e_cases().items():
        upload = Image.open(io.BytesIO(data))
        managed = icc.managed_srgb(upload)
        out = Image.open(io.BytesIO(subject(data))).convert("RGB")
        found[name] = {"delta_e": icc.mean_delta_e(out, managed, step=2),
                       "unmanaged": icc.mean_delta_e(upload.convert("RGB"), managed, step=2)}  # fmt: skip
    alone = found["untagged (sRGB)"]["delta_e"]
    rows = []
    os_kinds = {k: v for k, v in found.items() if k.startswith("OS ")}
    for name, f in found.items():
        if name.startswith("OS "):
            continue
        row = Row(f"1 colour {name}, mean ΔE", f["delta_e"], alone, ratio(f["delta_e"], alone), unit="ΔE",
                  note=f"goal ΔE <= {GOAL_DELTA_E:g}; the upload's numbers read as sRGB: {f['unmanaged']:.1f}")
        row.verdict = "PASS" if f["delta_e"] <= GOAL_DELTA_E else "MISS"
        rows.append(row)
    if os_kinds:
        worst = max(os_kinds, key=lambda k: os_kinds[k]["delta_e"])
        row = Row(f"1 colour {len(os_kinds)} OS profiles, worst mean ΔE", os_kinds[worst]["delta_e"], alone,
                  ratio(os_kinds[worst]["delta_e"], alone), unit="ΔE", note=f"{worst[3:]}; /usr/share/color/icc")
        row.verdict = "PASS" if os_kinds[worst]["delta_e"] <= GOAL_DELTA_E else "MISS"
        rows.append(row)
    return rows, {"floor_is_untagged": alone, "kinds": found}


def _timed(fn, data: bytes) -> float:
    started = time.perf_counter()
    with contextlib.suppress(imaging.InvalidImage):  # the flood is refused: that is what is timed
        fn(data)
    return (time.perf_counter() - started) * 1000


def _pillow_decode(data: bytes) -> None:
    im = Image.open(io.BytesIO(data))
    im.load()


def flood_rows(repeats: int) -> tuple[list[Row], dict]:
    """A crafted progressive JPEG with thousands of scans: refused against the decode of a normal
    progressive file of the same size; the note says what decoding the flood itself takes."""
    from testkit import corpus

    rows, detail = [], {}
    for size, scans in (((1000, 1000), 5000), ((4000, 4000), 1800)):
        flood = corpus.scan_flood(size, scans)
        normal = corpus.jpeg(Image.new("RGB", size, (128, 100, 90)), 90, progressive=True)
        refused = [_timed(subject, flood) for _ in range(repeats)]
        decoded = [_timed(_pillow_decode, normal) for _ in range(max(3, repeats // 5))]
        pillow = _timed(_pillow_decode, flood)  # once: seconds
        figure, base = median(refused), median(decoded)
        row = Row(f"1 scan flood {size[0]}x{size[1]}, {scans} scans ({len(flood) / 1000:.0f} kB): refused",
                  figure, base, ratio(figure, base), unit="ms",
                  note=f"goal <= {GOAL_REFUSAL_MS:g} ms; Pillow alone decodes it in {pillow / 1000:.1f} s")  # fmt: skip
        row.verdict = "PASS" if figure <= GOAL_REFUSAL_MS else "MISS"
        rows.append(row)
        detail[f"{size[0]}x{size[1]}"] = {"scans": scans, "bytes": len(flood), "refused_ms": refused,
                                            "normal_decode_ms": decoded, "pillow_flood_ms": pillow}  # fmt: skip
    return rows, detail


def run(repeats: int) -> tuple[list[Row], dict]:
    rows: list[Row] = []
    detail: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-img-") as tmp:
        for name, data in {**cases(), **colour_cases()}.items():
            got, detail[name] = time_rows(name, data, repeats, tmp)
            rows += got
    got, detail["encodes"] = encode_rows()
    rows += got
    got, detail["colour"] = colour_rows()
    rows += got
    got, detail["scan flood"] = flood_rows(repeats)
    rows += got
    return rows, detail


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "rss":
        _probe(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m bench.image_row rss <subject|floor|baseline> <file>")
