"""Row 7: what the instant quality feedback adds per image, against the pipeline it rides on.

For each generated upload of row 1 (testkit/corpus.py):

* subject - ``quality.assess`` on the decoded, upright picture (what process_image already holds
            after its decode: the work the feedback adds);
* floor   - ``imaging.process`` on the same file (sniff, checks, decode, upright, watermark, encode).

Both run interleaved, each round starting with the next one, warm (as in a warm Lambda). The ratio is
assess / process; the goal is <= 0.10 (issue: the added work at most 10 % of the pipeline's time).
"""

from __future__ import annotations

import gc
import io
import time

from PIL import Image, ImageOps

from bench.common import Row, median, p95, ratio
from bench.image_row import DAY, REFERENCE, cases
from process_image import imaging, quality

GOAL_QUALITY = 0.10


def decoded(data: bytes) -> Image.Image:
    """The picture as process_image holds it after the decode: upright, RGB or L."""
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    return im if im.mode in ("RGB", "L") else im.convert("RGB")


def time_pair(data: bytes, repeats: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Milliseconds per call of assess and of process, interleaved."""
    im = decoded(data)
    pair = [("assess", lambda: quality.assess(im)),
            ("process", lambda: imaging.process(data, reference=REFERENCE, day=DAY))]  # fmt: skip
    for _ in range(warmup):
        for _name, fn in pair:
            fn()
    times: dict[str, list[float]] = {"assess": [], "process": []}
    gc.collect()
    gc.disable()
    try:
        for i in range(repeats):
            for name, fn in pair[i % 2 :] + pair[: i % 2]:
                started = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return times["assess"], times["process"]


def run(repeats: int) -> tuple[list[Row], dict]:
    rows: list[Row] = []
    detail: dict = {}
    total_assess = total_process = 0.0
    for name, data in cases().items():
        assess, process = time_pair(data, repeats)
        med_a, med_p = median(assess), median(process)
        total_assess += med_a
        total_process += med_p
        verdict = quality.assess(decoded(data))
        detail[name] = {"assess_ms": assess, "process_ms": process, "warnings": list(verdict.warnings),
                        "measures": verdict.measures}  # fmt: skip
        rows.append(Row(f"7 quality {name}, median", med_a, med_p, ratio(med_a, med_p), GOAL_QUALITY, "ms",
                        note=f"p95 {p95(assess):.2f} ms; warnings {list(verdict.warnings) or 'none'}").judge())
    rows.append(Row("7 quality, all four images", total_assess, total_process, ratio(total_assess, total_process),
                    GOAL_QUALITY, "ms", note="sum of the medians; floor: imaging.process").judge())
    return rows, detail
