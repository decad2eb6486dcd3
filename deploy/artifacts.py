"""Lambda's file system, rebuilt here to measure and import what `sam build` ships.

`tree(kind, python, out)` lays out what a function sees: its code (/var/task) and its layers (/opt/python),
built by the same recipe as deploy/Makefile (`after`) or as the first release built it (`before`: the
python3.12 builder's pip install with dependencies, botocore included, no .pyc), for the host's CPU so
it can be imported here (the arm64 build itself is checked by tests/integration/test_build.py).
`runtime_venv(python, out)` is Lambda's runtime stand-in: a venv with boto3 alone, no dev package.
`import_probe(...)` imports a module the way Lambda's bootstrap does (task root, then /opt/python, then
the runtime's site-packages) in a fresh interpreter and reports its time, Pillow, and any module that
had to be compiled from source because its .pyc was missing.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = ROOT / "deploy" / "Makefile"
LAYERS = {"DependenciesLayer": ROOT / "layers" / "runtime", "PillowLayer": ROOT / "layers" / "pillow",
          "SigningLayer": ROOT / "layers" / "signing",
          "OcrLayer": ROOT / "layers" / "ocr"}
# Which layers each function loads after the DependenciesLayer (template.yaml), by its handler's package.
EXTRA_LAYERS = {"process_image": ("opt_pillow",), "precheck": ("opt_pillow", "opt_ocr")}


def boto3_pin() -> str:
    """The boto3 the project pins: our stand-in for the one Lambda's runtime ships."""
    return next(line.strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
                if line.startswith("boto3=="))


def host_platforms() -> str:
    machine = {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine().lower(), platform.machine().lower())
    return f"manylinux_2_28_{machine} manylinux2014_{machine} manylinux_2_17_{machine}"


def python_tag(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
                          check=True, capture_output=True, text=True).stdout.strip()


def make(target: str, cwd: Path, artifacts: Path, python: str, platforms: str | None = None) -> None:
    artifacts.mkdir(parents=True, exist_ok=True)
    args = ["make", "-s", "-f", str(MAKEFILE), target, f"ARTIFACTS_DIR={artifacts}", f"PYTHON={python}",
            f"PYTHON_VERSION={python_tag(python)}"]
    if platforms:
        args.append(f"PLATFORMS={platforms}")
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True)


def tree(kind: str, python: str, out: Path, ocr: bool = False) -> dict[str, Path]:
    """{"task": /var/task, "opt": /opt/python of the API functions, "opt_pillow": ... of process_image,
    "opt_ocr": the OCR layer's (only with ``ocr``, "after": it is the largest build)}."""
    task, opt, pillow = out / "task", out / "opt" / "python", out / "opt-pillow" / "python"
    built = {"task": task, "opt": opt, "opt_pillow": pillow}
    if kind == "after":
        # the pre-checks' code ships with PrecheckFunction only (deploy/Makefile)
        make("build-PrecheckFunction" if ocr else "build-AnyFunction", ROOT / "functions", task, python)
        make("build-DependenciesLayer", LAYERS["DependenciesLayer"], opt.parent, python, host_platforms())
        make("build-PillowLayer", LAYERS["PillowLayer"], pillow.parent, python, host_platforms())
        if ocr:
            built["opt_ocr"] = out / "opt-ocr" / "python"
            make("build-OcrLayer", LAYERS["OcrLayer"], built["opt_ocr"].parent, python, host_platforms())
    elif kind == "before":
        shutil.copytree(ROOT / "functions", task, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        # What the python3.12 builder did with functions/requirements.txt: dependencies resolved,
        # so aws-xray-sdk's botocore landed in every function.
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile", "--target"]
        subprocess.run([*pip, str(task), "-r", str(LAYERS["DependenciesLayer"] / "requirements.txt")],
                       check=True, capture_output=True, text=True)
        subprocess.run([*pip, str(pillow), "-r", str(LAYERS["PillowLayer"] / "requirements.txt")],
                       check=True, capture_output=True, text=True)
        opt.mkdir(parents=True, exist_ok=True)
    else:
        raise ValueError(kind)
    return built


def runtime_venv(python: str, out: Path) -> Path:
    """A venv with boto3 only (as the runtime has it); returns its site-packages."""
    if not (out / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(out)], check=True)
        subprocess.run([str(out / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        boto3_pin()], check=True, capture_output=True, text=True)
    return Path(subprocess.run([str(out / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())


def size(path: Path) -> tuple[int, int]:
    """(bytes on disk, bytes zipped as sam package zips it)."""
    files = [p for p in path.rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    scratch = path.parent / f".{path.name}.zip"
    with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files:
            z.write(p, p.relative_to(path))
    zipped = scratch.stat().st_size
    scratch.unlink()
    return raw, zipped


PROBE = r"""
import importlib.machinery, json, sys, time
compiled = []
_source_to_code = importlib.machinery.SourceFileLoader.source_to_code
def _track(self, data, path, *args, **kwargs):
    compiled.append(path)
    return _source_to_code(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = _track
sys.path[:0] = PATHS
started = time.perf_counter()
import MODULE
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "pil": "PIL" in sys.modules, "compiled": compiled}))
"""


def import_probe(python: str, module: str, paths: list[Path], env: dict[str, str]) -> dict:
    """`import module` in a fresh, isolated interpreter with `paths` first (Lambda's order)."""
    code = PROBE.replace("PATHS", json.dumps([str(p) for p in paths])).replace("MODULE", module)
    # -B: nothing is written, as /var/task and /opt are read-only on Lambda (-I ignores PYTHON* variables).
    out = subprocess.run([python, "-I", "-B", "-c", code], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"import {module} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def function_paths(built: dict[str, Path], handler_module: str, venv_site: Path) -> list[Path]:
    extra = EXTRA_LAYERS.get(handler_module.split(".")[0], ())
    return [built["task"], built["opt"], *(built[name] for name in extra if name in built), venv_site]


def elf_machine(path: Path) -> int | None:
    """e_machine of an ELF file (183 = aarch64, 62 = x86-64), None if it is not ELF."""
    head = path.read_bytes()[:20]
    if head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


def native_libraries(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file() and re.search(r"\.so(\.[0-9.]+)?$", p.name)]


def interpreter(prefer_312: bool = True) -> str:
    """Lambda's Python (3.12) when this machine has it, else the one running us."""
    if prefer_312:
        found = subprocess.run([str(ROOT / "deploy" / "find_python312.sh")], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return sys.executable


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_", "PYTHON"))}
