"""Row 1: process_image per image, against plain Pillow on the same file.

For each generated upload (tests/corpus.py, the pictures the tests use):

* subject  - ``imaging.process``: sniff, header checks, decode, upright, normalise, watermark, encode;
* floor    - Pillow decode + JPEG encode of the same file at ``imaging.JPEG_QUALITY`` (nothing less
             can produce the output); "floor + upright" adds ``ImageOps.exif_transpose``, shown in
             the note: the part of a rotated photo's ratio no implementation can avoid;
* baseline - the naive watermark: upright, RGBA, a full-image transparent overlay with the text
             tiled on it, ``alpha_composite``, encode.

Subject, floor and "floor + upright" run interleaved, each round starting with the next one, so
machine noise hits all of them; the baseline, whose ~35 MB per call slows whatever runs after it,
runs in a loop of its own, interleaved with the floor again. The watermark caches are warm, as in
a warm Lambda. Peak RSS is measured in a fresh
interpreter per (case, variant), cold (the first image, fonts and stamp included): the process's
peak RSS (VmHWM) after the run minus its RSS before it, with the imports done and the input read.
``python -m bench.image_row rss <variant> <file>`` is that probe.
"""

from __future__ import annotations

import datetime
import gc
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

from bench import ROOT
from bench.common import GOAL_PROCESS, Row, median, p95, ratio
from process_image import imaging

REFERENCE = "AB12CD34"
DAY = datetime.date(2026, 11, 25)


def cases() -> dict[str, bytes]:
    from tests import corpus

    return {
        "photo 1600x1200": corpus.photo_jpeg((1600, 1200)),
        "photo 1200x1600 EXIF-rotated": corpus.exif_rotated_jpeg(6, (1200, 1600)),
        "screenshot PNG 1080x1920": corpus.screenshot_png(),
        "grey scan 1240x1754": corpus.grey_scan_jpeg(),
    }


# ---------------------------------------------------------------- the three variants

def subject(data: bytes) -> bytes:
    return imaging.process(data, reference=REFERENCE, day=DAY).jpeg


def floor(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=imaging.JPEG_QUALITY)
    return out.getvalue()


def upright_floor(data: bytes) -> bytes:
    """The floor plus what EXIF orientation makes unavoidable: turning the pixels upright."""
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.getexif().get(0x0112, 1) != 1:  # without an orientation there is nothing to turn
        im = ImageOps.exif_transpose(im)
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=imaging.JPEG_QUALITY)
    return out.getvalue()


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


VARIANTS = {"subject": subject, "floor": floor, "upright_floor": upright_floor, "baseline": baseline}


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


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _probe(variant: str, path: str) -> None:
    """Linux: VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)."""
    with open(path, "rb") as f:
        data = f.read()
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # resets VmHWM to the current RSS: import-time peaks do not count
    except OSError:
        pass
    before = _status_kb("VmRSS")
    if before is None:  # not Linux: ru_maxrss (KiB on Linux, bytes on macOS) is the best there is
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    VARIANTS[variant](data)
    peak = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kb": before, "peak_kb": peak, "delta_kb": peak - before}))


def run(repeats: int) -> tuple[list[Row], dict]:
    rows: list[Row] = []
    detail: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-img-") as tmp:
        for name, data in cases().items():
            # The baseline churns ~35 MB per call, which slows whatever runs next: it gets its own loop,
            # interleaved with a second measurement of the floor.
            times = time_case(data, repeats, ("subject", "floor", "upright_floor"))
            naive = time_case(data, repeats, ("baseline", "floor"))
            path = os.path.join(tmp, "input")
            with open(path, "wb") as f:
                f.write(data)
            rss = {v: peak_rss(v, path) for v in ("subject", "floor", "baseline")}
            out = subject(data)
            med = {v: median(t) for v, t in times.items()}
            high = {v: p95(t) for v, t in times.items()}
            base, base_floor = median(naive["baseline"]), median(naive["floor"])
            detail[name] = {"input_bytes": len(data), "output_bytes": len(out), "floor_output_bytes": len(floor(data)),
                            "median_ms": med, "p95_ms": high, "samples_ms": times, "rss_kb": rss,
                            "baseline_median_ms": base, "baseline_floor_median_ms": base_floor,
                            "baseline_samples_ms": naive, "speedup_vs_baseline": base / med["subject"]}
            rows += [
                Row(f"1 process {name}, median", med["subject"], med["floor"], ratio(med["subject"], med["floor"]),
                    GOAL_PROCESS, "ms", note=f"{med['subject'] / med['upright_floor']:.2f}x the floor + upright"
                    f" ({med['upright_floor']:.1f} ms)").judge(),
                Row(f"1 process {name}, p95", high["subject"], high["floor"], ratio(high["subject"], high["floor"]),
                    GOAL_PROCESS, "ms").judge(),
                Row("1   naive RGBA overlay (baseline), median", base, base_floor, ratio(base, base_floor), unit="ms",
                    note=f"process is {base / med['subject']:.1f}x faster"),
                Row("1   peak RSS above imports", rss["subject"]["delta_kb"] / 1024, rss["floor"]["delta_kb"] / 1024,
                    ratio(rss["subject"]["delta_kb"], rss["floor"]["delta_kb"]), unit="MB",
                    note=f"baseline {rss['baseline']['delta_kb'] / 1024:.1f} MB"),
                Row("1   output vs input bytes", len(out) / 1000, len(data) / 1000, ratio(len(out), len(data)),
                    unit="kB", note=f"floor output {len(floor(data)) / 1000:.0f} kB"),
            ]
    return rows, detail


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "rss":
        _probe(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m bench.image_row rss <subject|floor|baseline> <file>")
