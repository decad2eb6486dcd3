"""Row 3: what a cold start loads, as Lambda lays it out, before and after the deploy build.

* **artifact size**: each function's zip and its layers, as `sam package` uploads them. *before* is the
  first release's build (python3.12 builder: functions/requirements.txt installed with its
  dependencies into every function, aws-xray-sdk's botocore included; no .pyc); *after* is
  deploy/Makefile's (code only in the function, a --no-deps layer without botocore, all compiled).
* **cold import**: the import of each handler module in a fresh interpreter of Lambda's Python (3.12
  when this machine has it), isolated (`-I`), with the function's environment and Lambda's path order
  (task root, /opt/python, then the runtime's site-packages: a venv holding boto3 and nothing else, no
  dev package), nothing written (`-B`, as /var/task and /opt are read-only).
  Floor: `import boto3` in that same venv, measured the same way and interleaved. Goal <= 1.7x, aim 1.3x.
  *before* rows show the first release's trees the same way (each import compiles its sources).
  The trees are built for this machine's CPU (the arm64 build's own checks are in test_build.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Row, median, ratio, stack, subprocess_env
from deploy import artifacts

GOAL = 1.7
AIM = 1.3
MAY_IMPORT_PIL = {"process_image.app"}
FIRST_RELEASE = {"status.app", "upload_presign.app", "review.app", "process_image.app"}  # have a "before"
MB = 1024 * 1024


def _env(function: str, task: Path) -> dict[str, str]:
    env = subprocess_env(function)
    env.pop("PYTHONPATH", None)
    env["LAMBDA_TASK_ROOT"] = str(task)
    env.setdefault("WEB_URL", "https://web.invalid")  # the template's !If the local derivation leaves out
    return env


def _sizes(before: dict, after: dict) -> list[Row]:
    rows = []
    b_task, a_task = artifacts.size(before["task"]), artifacts.size(after["task"])
    rows.append(Row("3 function artifact, zipped (each function)", a_task[1] / MB, b_task[1] / MB,
                    ratio(a_task[1], b_task[1]), None, "MB", note=f"unzipped {a_task[0] / MB:.1f} vs {b_task[0] / MB:.1f} MB"))
    a_deps, a_pil, b_pil = artifacts.size(after["opt"]), artifacts.size(after["opt_pillow"]), artifacts.size(before["opt_pillow"])
    rows.append(Row("3 dependencies layer, zipped (shared)", a_deps[1] / MB, None, None, None, "MB",
                    note=f"unzipped {a_deps[0] / MB:.1f} MB; before, inside each function"))
    rows.append(Row("3 Pillow layer, zipped", a_pil[1] / MB, b_pil[1] / MB, ratio(a_pil[1], b_pil[1]), None, "MB",
                    note="after ships .pyc"))
    api_after = a_task[0] + a_deps[0]
    rows.append(Row("3 an API function unzipped (code + layers)", api_after / MB, b_task[0] / MB,
                    ratio(api_after, b_task[0]), None, "MB", note="Lambda's limit: 250 MB"))
    return rows


def handlers() -> dict[str, str]:
    """Every function of template.yaml built from functions/ alone: its handler's module -> its logical id
    (whose environment it gets). PrecheckFunction's tree ships the OCR code and loads the OCR layer
    (deploy/Makefile): its cold start, models included, is row 9's."""
    return {f.handler.rpartition(".")[0]: lid for lid, f in stack().functions.items() if lid != "PrecheckFunction"}


def run(repeats: int) -> tuple[list[Row], dict]:
    functions = handlers()
    python = artifacts.interpreter()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        scratch = Path(scratch)
        site = artifacts.runtime_venv(python, scratch / "runtime")
        trees = {kind: artifacts.tree(kind, python, scratch / kind) for kind in ("before", "after")}
        probes = {("floor", "boto3"): (["boto3"], [site], "StatusFunction")}
        for kind, built in trees.items():
            for module, function in functions.items():
                if kind == "after" or module in FIRST_RELEASE:
                    probes[(kind, module)] = ([module], artifacts.function_paths(built, module, site), function)

        def probe(key):
            (module,), paths, function = probes[key]
            task = paths[0] if key[0] != "floor" else trees["after"]["task"]
            return artifacts.import_probe(python, module, paths, _env(function, task))

        for key in probes:
            probe(key)  # warms the page cache; not counted
        samples: dict = {key: [] for key in probes}
        for _ in range(repeats):
            for key in probes:
                samples[key].append(probe(key))
        rows = _sizes(trees["before"], trees["after"])
    ms = {key: median([s["seconds"] * 1000 for s in runs]) for key, runs in samples.items()}
    floor = ms[("floor", "boto3")]
    version = artifacts.python_tag(python)
    for module in functions:
        after, before = ms[("after", module)], ms.get(("before", module))
        compiled = max(len(s["compiled"]) for s in samples[("after", module)])
        pil = any(s["pil"] for s in samples[("after", module)])
        rows.append(Row(f"3 cold import {module}", after, floor, ratio(after, floor), GOAL, "ms",
                        note=f"Python {version}, .pyc; aim {AIM}x; {'imports PIL' if pil else 'no PIL'}; "
                             f"compiled from source: {compiled}").judge())
        if before is not None:
            rows.append(Row(f"3   before: {module}", before, floor, ratio(before, floor), None, "ms",
                            note="first release's tree: botocore bundled, no .pyc"))
    leaks = [m for m in functions if any(s["pil"] for s in samples[("after", m)]) and m not in MAY_IMPORT_PIL]
    rows.append(Row("3 only process_image imports PIL", "yes" if not leaks else "no: " + ", ".join(leaks),
                    verdict="PASS" if not leaks else "MISS"))
    uncompiled = {m: samples[("after", m)][-1]["compiled"][:3] for m in functions if samples[("after", m)][-1]["compiled"]}
    rows.append(Row("3 every module loads from its .pyc", "yes" if not uncompiled else f"no: {uncompiled}",
                    verdict="PASS" if not uncompiled else "MISS"))
    detail = {"python": version, "median_ms": {f"{k[0]} {k[1]}": v for k, v in ms.items()}, "repeats": repeats,
              "samples": {f"{k[0]} {k[1]}": [s["seconds"] for s in v] for k, v in samples.items()}}
    return rows, detail
