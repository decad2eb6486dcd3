"""Row 3: cold start per function, as the import of its handler module in a fresh interpreter with
the function's own environment (template.yaml, plus the variables by which Powertools knows it is
inside Lambda, so the Tracer sets up X-Ray as it does there), against ``import boto3`` alone (every function
needs it; Lambda's Python runtime ships it). Runs are interleaved across modules; the median
counts. Each probe also reports whether Pillow got imported: only process_image may import it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench import ROOT
from bench.common import GOAL_COLD, Row, median, ratio, subprocess_env

MODULES = {  # module -> the function whose environment it gets
    "boto3": "StatusFunction",
    "status.app": "StatusFunction",
    "upload_presign.app": "UploadPresignFunction",
    "review.app": "ReviewFunction",
    "process_image.app": "ProcessImageFunction",
}
MAY_IMPORT_PIL = {"process_image.app"}

PROBE = """
import sys, time
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
import json
print(json.dumps({{"seconds": elapsed, "pil": "PIL" in sys.modules, "modules": len(sys.modules)}}))
"""


def probe(module: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, env=subprocess_env(MODULES[module]),
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"import {module} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(repeats: int) -> tuple[list[Row], dict]:
    for module in MODULES:
        probe(module)  # compiles .pyc and warms the page cache; not counted
    samples: dict[str, list[dict]] = {m: [] for m in MODULES}
    for _ in range(repeats):
        for module in MODULES:
            samples[module].append(probe(module))
    ms = {m: median([s["seconds"] * 1000 for s in runs]) for m, runs in samples.items()}
    pil = {m: any(s["pil"] for s in runs) for m, runs in samples.items()}
    floor = ms["boto3"]
    rows = []
    for module in MODULES:
        if module == "boto3":
            continue
        rows.append(Row(f"3 cold import {module}", ms[module], floor, ratio(ms[module], floor), GOAL_COLD, "ms",
                        note="imports PIL" if pil[module] else "no PIL").judge())
    leaks = [m for m, used in pil.items() if used and m not in MAY_IMPORT_PIL]
    rows.append(Row("3 only process_image imports PIL", "yes" if not leaks else "no: " + ", ".join(leaks),
                    verdict="PASS" if not leaks else "MISS"))
    detail = {"median_ms": ms, "imports_pil": pil, "samples": samples, "repeats": repeats}
    return rows, detail
