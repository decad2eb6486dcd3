"""Row 9: the machine pre-checks' OCR per picture, against the OCR library alone on the same picture.

Pictures: four SUBMITTED pictures of the generated set (testkit/precheck_set.py, the 'quick' split's
correct application: the card's front and back, a diploma, a probation certificate), watermarked by
process_image as the checks read them.

* subject - ``precheck.ocr.Reader.read``: decode, take the watermark out (precheck/unwatermark.py),
            rapidocr, the lines mapped to a ``Reading``;
* floor   - rapidocr alone (``RapidOCR(params)``, the same models and settings) on the same stored
            JPEG bytes: what using the library directly costs. The note gives the library on the
            picture with the watermark taken out too (the adapter's own work: decode, the lift, the
            mapping), since the watermark's letters are text the library alone also has to read.

Both warm (models loaded), one ONNX Runtime thread (the machine is shared; Lambda gives one vCPU
per 1,769 MB), interleaved, each round starting with the next one. Goal <= 1.2x.

Then, in a fresh interpreter each (``python -m bench.ocr_row probe <variant> <picture> <text>``):
the cold start, import + the three models loaded + the first picture read, and the process's peak
RSS (VmHWM) with and above the imports; the library alone the same way (it loads its models on the
first picture). And what Lambda would load: the OCR layer built for arm64 / Python 3.12 by
deploy/Makefile's recipe (manylinux aarch64 wheels, --no-deps, .pyc), the Pillow layer and the
functions' code, against Lambda's 250 MB for a function and its layers unzipped.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import ROOT
from bench.common import Row, median, ratio
from bench.image_row import reset_peak_rss, status_kb

GOAL_OCR = 1.2
LAMBDA_UNZIPPED_MB = 250
MB = 1024 * 1024
KINDS = ("id_front", "id_back", "diploma", "practice_proof")


def cases() -> dict[str, tuple[bytes, str]]:
    """kind -> (stored picture, its watermark's text), from the quick split's correct application."""
    from testkit import precheck_set

    app = precheck_set.applications("quick")[0]
    return {item.kind: item.picture() for item in app.items if item.kind in KINDS}


def time_pair(reader, engine, picture: bytes, text: str, repeats: int) -> dict[str, list[float]]:
    from precheck import unwatermark

    lifted, _ = unwatermark.lift(unwatermark.decode(picture), [text])
    variants = [("subject", lambda: reader.read(picture, [text])), ("floor", lambda: engine(picture)),
                ("library on the lifted picture", lambda: engine(lifted))]  # fmt: skip
    for _name, fn in variants:  # warm: first-call allocations not counted
        fn()
    times: dict[str, list[float]] = {name: [] for name, _ in variants}
    gc.collect()
    for i in range(repeats):
        for name, fn in variants[i % 3 :] + variants[: i % 3]:
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


# --- the fresh-interpreter probe ------------------------------------------------------------------


def _probe(variant: str, path: str, text: str, params_json: str) -> None:
    picture = Path(path).read_bytes()
    t0 = time.perf_counter()
    if variant == "subject":
        from precheck import ocr

        imported = time.perf_counter()
        reader = ocr.Reader(n_threads=1)
        loaded = time.perf_counter()
        reset_peak_rss()
        before = status_kb("VmRSS")
        reader.read(picture, [text])
    else:
        from rapidocr import RapidOCR

        imported = time.perf_counter()
        engine = RapidOCR(params=json.loads(params_json))
        loaded = time.perf_counter()
        reset_peak_rss()
        before = status_kb("VmRSS")
        engine(picture)  # the library loads its models here, on the first picture
    done = time.perf_counter()
    print(json.dumps({"import_s": imported - t0, "load_s": loaded - imported, "first_s": done - loaded,
                      "cold_s": done - t0, "rss_before_read_kb": before, "peak_kb": status_kb("VmHWM")}))  # fmt: skip


def probe(variant: str, picture: bytes, text: str, params: dict) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(picture)
        f.flush()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)])}
        out = subprocess.run([sys.executable, "-m", "bench.ocr_row", "probe", variant, f.name, text, json.dumps(params)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the artifact ----------------------------------------------------------------------------------


def artifact_rows() -> tuple[list[Row], dict]:
    """The OCR layer (trimmed), the Pillow layer, the DependenciesLayer (every function's) and the code for
    arm64 / Python 3.12, as deploy/Makefile builds them (pip downloads manylinux aarch64 wheels; they are
    cached by pip between runs)."""
    from deploy import artifacts

    python = artifacts.interpreter()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as scratch:
        out = Path(scratch)
        artifacts.make("build-OcrLayer", ROOT / "layers" / "ocr", out / "ocr", python)
        artifacts.make("build-PillowLayer", ROOT / "layers" / "pillow", out / "pillow", python)
        artifacts.make("build-DependenciesLayer", ROOT / "layers" / "runtime", out / "deps", python)
        artifacts.make("build-AnyFunction", ROOT / "functions", out / "task", python)
        ocr_raw, ocr_zip = artifacts.size(out / "ocr" / "python")
        pil_raw, pil_zip = artifacts.size(out / "pillow" / "python")
        deps_raw, _ = artifacts.size(out / "deps" / "python")
        task_raw, task_zip = artifacts.size(out / "task")
        biggest = sorted(((sum(f.stat().st_size for f in p.rglob("*") if f.is_file()), p.name)
                          for p in (out / "ocr" / "python").iterdir()), reverse=True)[:6]  # fmt: skip
        machines = {artifacts.elf_machine(p) for p in artifacts.native_libraries(out / "ocr" / "python")}
    total = ocr_raw + pil_raw + deps_raw + task_raw
    over = total / MB - LAMBDA_UNZIPPED_MB
    rows = [
        Row("9 OCR layer, arm64, unzipped", ocr_raw / MB, None, None, None, "MB",
            note=f"zipped {ocr_zip / MB:.1f} MB; biggest: " + ", ".join(f"{n} {s / MB:.0f}" for s, n in biggest)
            + f"; ELF machines {sorted(m for m in machines if m)} (183 = aarch64)"),
        Row("9 precheck function unzipped (code + its three layers)", total / MB, float(LAMBDA_UNZIPPED_MB),
            ratio(total, LAMBDA_UNZIPPED_MB * MB), 1.0, "MB",
            note=(f"over Lambda's limit by {over:.0f} MiB" if over > 0 else f"fits, {-over:.1f} MiB to spare")
            + f"; Pillow layer {pil_raw / MB:.1f}, DependenciesLayer {deps_raw / MB:.1f}, code {task_raw / MB:.1f}").judge(),
    ]  # fmt: skip
    return rows, {"ocr_layer": [ocr_raw, ocr_zip], "pillow_layer": [pil_raw, pil_zip], "code": [task_raw, task_zip],
                  "dependencies_layer": deps_raw,
                  "python": artifacts.python_tag(python)}


# --- upload -> checks DONE on the local stack ------------------------------------------------------


def local_rows(poll_s: float = 0.1, deadline_s: float = 120.0) -> tuple[list[Row], dict]:
    """The quick split's correct applications' photos (7: both sides of two cards, a diploma, a probation
    certificate, a residence permit), uploaded one at a time to the local stack (a child process: S3
    notification, the upload worker, process_image, the table's stream, notify.events, the precheck queue's
    worker, precheck.app with the real OCR), each polled on the candidate's page until SUBMITTED and until
    its checks are DONE. One at a time: each figure is one picture's latency, not a queue's. The first
    picture also loads the OCR's models (the function's first use); the p50 is over all."""
    from bench.load import Client, child_stack
    from testkit import precheck_set

    items = [(app, item) for app in precheck_set.applications("quick") if app.case == "correct" for item in app.items]
    submitted, done, first = [], [], None
    with child_stack(name="bench-precheck") as (url, _log):
        client = Client(url)
        registrar = client.registrar()
        registered: dict[str, str] = {}  # one application per person and exam year (as the season allows)
        for n, (app, item) in enumerate(items):
            who = f"bench-pre-{os.getpid()}-{app.registration.id_number}"
            app_id = registered.get(who)
            if app_id is None:
                app_id = registered[who] = f"bench-pre-{os.getpid()}-{n}"
                body = {"candidateId": who, "candidateName": app.registration.name,
                        "idNumber": app.registration.id_number,
                        # region 31 asks a candidate from elsewhere for a residence permit: every checked slot
                        "householdRegion": "11", "region": "31", "site": "3101", "category": "临床执业医师",
                        "examYear": 2026}
                client.request("PUT", f"{url}/applications/{app_id}", json=body, headers=registrar).raise_for_status()
            auth = client.auth(who, ["candidate"])
            reservation = client.request("POST", f"{url}/applications/{app_id}/materials/{item.slot}/images",
                                         headers=auth, json={"contentType": "image/jpeg"}).json()
            reserved, image_id = reservation["upload"], reservation["imageId"]
            started = time.perf_counter()
            client.request("POST", reserved["url"], data=reserved["fields"],
                           files={"file": ("photo.jpg", item.upload(), "image/jpeg")}).raise_for_status()
            seen_submitted = None
            while time.perf_counter() - started < deadline_s:
                page = client.request("GET", f"{url}/applications/{app_id}", headers=auth).json()
                image = next((i for m in page["materials"] for i in m["images"] if i["imageId"] == image_id), None) or {}
                if seen_submitted is None and image.get("status") == "SUBMITTED":
                    seen_submitted = time.perf_counter() - started
                if (image.get("checks") or {}).get("state") == "DONE":
                    done.append(time.perf_counter() - started)
                    submitted.append(seen_submitted if seen_submitted is not None else done[-1])
                    break
                time.sleep(poll_s)
            if first is None and done:
                first = done[0]
    if not done:
        raise RuntimeError("no picture's checks were DONE on the local stack")
    rows = [Row("9 upload -> checks DONE, local stack, p50", median(done) * 1000, median(submitted) * 1000,
                ratio(median(done), median(submitted)), None, "ms",
                note=f"{len(done)} pictures one at a time; floor: upload -> SUBMITTED p50 (what the candidate waited "
                     f"before, unchanged: the checks run after it); first picture {first * 1000:.0f} ms (loads the models); "
                     f"polled every {poll_s * 1000:.0f} ms")]
    return rows, {"upload_to_submitted_s": submitted, "upload_to_checks_done_s": done}


# --- the row ---------------------------------------------------------------------------------------


def run(repeats: int) -> tuple[list[Row], dict]:
    from precheck import decide, ocr
    from testkit import precheck_set

    pictures = cases()
    reader = ocr.Reader(n_threads=1)
    engine = ocr.engine(n_threads=1)
    rows: list[Row] = []
    detail: dict = {"threads": 1, "repeats": repeats}
    totals = {"subject": 0.0, "floor": 0.0, "library on the lifted picture": 0.0}
    reg = decide.Registration("-", "-", precheck_set.EXAM_YEAR)
    decide_ms = []
    for kind, (picture, text) in pictures.items():
        times = time_pair(reader, engine, picture, text, repeats)
        med = {k: median(v) for k, v in times.items()}
        for k in totals:
            totals[k] += med[k]
        reading = reader.read(picture, [text])
        started = time.perf_counter()
        for _ in range(20):
            decide.check(decide.CheckImage("id_card", reading, reg))
        decide_ms.append((time.perf_counter() - started) * 1000 / 20)
        detail[kind] = {"samples_ms": times, "lines": len(reading.lines), "bytes": len(picture)}
        rows.append(Row(f"9 OCR {kind}, median", med["subject"], med["floor"], ratio(med["subject"], med["floor"]),
                        GOAL_OCR, "ms", note=f"{len(reading.lines)} lines; library on the lifted picture "
                        f"{med['library on the lifted picture']:.0f} ms (adapter {med['subject'] / med['library on the lifted picture']:.2f}x that)").judge())  # fmt: skip
    rows.append(Row("9 OCR, all four pictures", totals["subject"], totals["floor"], ratio(totals["subject"], totals["floor"]),
                    GOAL_OCR, "ms", note=f"sum of medians; 1 thread; decide {median(decide_ms):.2f} ms a picture").judge())  # fmt: skip
    params = ocr.params(n_threads=1)
    front, text = pictures["id_front"]
    cold = {v: probe(v, front, text, params) for v in ("subject", "floor")}
    detail["cold"] = cold
    s, f = cold["subject"], cold["floor"]
    rows.append(Row("9 OCR cold start to the first picture", s["cold_s"] * 1000, f["cold_s"] * 1000,
                    ratio(s["cold_s"], f["cold_s"]), None, "ms",
                    note=f"adapter: import {s['import_s'] * 1000:.0f} + models {s['load_s'] * 1000:.0f} + first "
                         f"{s['first_s'] * 1000:.0f} ms; library: import {f['import_s'] * 1000:.0f}, models on the "
                         f"first picture"))  # fmt: skip
    rows.append(Row("9 OCR peak RSS (fresh process, one picture)", s["peak_kb"] / 1024, f["peak_kb"] / 1024,
                    ratio(s["peak_kb"], f["peak_kb"]), None, "MB",
                    note=f"above the loaded models: {(s['peak_kb'] - s['rss_before_read_kb']) / 1024:.0f} MB (library: "
                         f"{(f['peak_kb'] - f['rss_before_read_kb']) / 1024:.0f} MB above its imports, models included)"))  # fmt: skip
    built, built_detail = artifact_rows()
    rows += built
    detail["artifact"] = built_detail
    local, detail["local"] = local_rows()
    rows += local
    return rows, detail


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "probe":
        _probe(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
