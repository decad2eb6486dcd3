"""`sam build` as `make build` runs it, offline: every artifact's native libraries are aarch64, no
botocore is bundled, everything ships its .pyc for Python 3.12, each handler imports with the built
tree first on the path (Lambda's order) without compiling a single module, and the sizes stay small.

Needs Python 3.12 (Lambda's runtime, to compile the .pyc) and sam (its own venv, `make .venv-sam/bin/sam`,
installed on first use): without Python 3.12 the module is skipped with the reason printed.
The arm64 native libraries cannot load on another CPU, so the import check uses the same recipe built
for this machine's CPU (deploy/artifacts.py) with the arm64 build's own function code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from deploy import artifacts

ROOT = Path(__file__).resolve().parents[2]
AARCH64 = 183  # ELF e_machine
HANDLERS = {"StatusFunction": "status.app", "UploadPresignFunction": "upload_presign.app",
            "ReviewFunction": "review.app", "ProcessImageFunction": "process_image.app",
            "NotifyEventsFunction": "notify.events", "NotifyFunction": "notify.app", "NotifyApiFunction": "notify.api",
            "PrecheckFunction": "precheck.app", "SeasonFunction": "season.app"}
LAYERS = ("DependenciesLayer", "PillowLayer", "SigningLayer", "OcrLayer")
PRECHECK_LAYERS = ("DependenciesLayer", "PillowLayer", "OcrLayer")  # the signing layer is status's and review's
MB = 1024 * 1024
# Unzipped bytes; Lambda's limit for a function with its layers is 250 MB (262,144,000 bytes: 250 MiB).
LIMITS = {"function": 1.5 * MB, "DependenciesLayer": 25 * MB, "PillowLayer": 30 * MB, "SigningLayer": 20 * MB,
          "OcrLayer": 205 * MB}
LAMBDA_UNZIPPED = 250 * MB
MARGIN = 10 * MB  # what the precheck function keeps free under it (README "Machine pre-checks")
# What deploy/Makefile's build-OcrLayer leaves out: never imported by the pre-checks (and 50 MB of it)
OCR_UNUSED = ("onnxruntime/tools", "onnxruntime/transformers", "onnxruntime/quantization", "google", "flatbuffers",
              "rapidocr/inference_engine/pytorch", "rapidocr/inference_engine/paddle", "numpy/f2py")
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py")


def _python312() -> str | None:
    found = subprocess.run([str(ROOT / "deploy" / "find_python312.sh")], capture_output=True, text=True)
    return found.stdout.strip() or None


PYTHON312 = _python312()
if PYTHON312 is None:
    print("test_build skipped: no Python 3.12 here (PATH, pyenv); `make build` needs it to compile the .pyc")
pytestmark = pytest.mark.skipif(PYTHON312 is None, reason="needs Python 3.12 (Lambda's runtime) for sam build")


def sam_build(template: str, out: Path) -> Path:
    subprocess.run(["make", "-s", ".venv-sam/bin/sam"], cwd=ROOT, check=True, capture_output=True, text=True)
    env = {**os.environ, "PATH": f"{Path(PYTHON312).parent}{os.pathsep}{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    done = subprocess.run([str(ROOT / ".venv-sam" / "bin" / "sam"), "build", "--template", template,
                           "--build-dir", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    return sam_build("template.yaml", tmp_path_factory.mktemp("sam") / "build")


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> dict:
    """The layers built by the same recipe for this machine's CPU, and Lambda's runtime stand-in."""
    out = tmp_path_factory.mktemp("host")
    return {"tree": artifacts.tree("after", PYTHON312, out / "tree", ocr=True),
            "site": artifacts.runtime_venv(PYTHON312, out / "runtime")}


def test_every_function_and_layer_is_built(build):
    assert {p.name for p in build.iterdir() if p.is_dir()} == {*HANDLERS, *LAYERS}


def test_every_native_library_is_aarch64(build):
    libraries = artifacts.native_libraries(build)
    assert len(libraries) > 10  # pydantic-core, wrapt, Pillow and the libraries Pillow bundles
    assert {str(p.relative_to(build)): artifacts.elf_machine(p) for p in libraries} == {
        str(p.relative_to(build)): AARCH64 for p in libraries}


def test_nothing_the_runtime_provides_is_bundled(build):
    bundled = [p.relative_to(build) for p in build.glob("*/*") if p.name.startswith(RUNTIME_PROVIDED)]
    bundled += [p.relative_to(build) for p in build.glob("*/python/*") if p.name.startswith(RUNTIME_PROVIDED)]
    assert bundled == []
    assert (build / "DependenciesLayer" / "python" / "aws_lambda_powertools").is_dir()
    assert (build / "PillowLayer" / "python" / "PIL").is_dir()
    assert not any((build / name / "PIL").exists() for name in HANDLERS)  # Pillow only in its layer
    # the OCR's code only in the function that reads pictures
    assert [name for name in HANDLERS if (build / name / "precheck").exists()] == \
        [name for name in HANDLERS if name == "PrecheckFunction"]


def test_every_module_ships_an_unchecked_pyc_for_python_312(build):
    sources = [p for p in build.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(sources) > 500
    missing, checked = [], []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"
        if not pyc.is_file():
            missing.append(source.relative_to(build))
            continue
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        if flags != 0b01:  # hash-based, check_source off: valid whatever the zip does to timestamps
            checked.append(source.relative_to(build))
    assert (missing, checked) == ([], [])


def test_sizes(build):
    for name in HANDLERS:
        assert artifacts.size(build / name)[0] < LIMITS["function"], name
    for layer in LAYERS:
        assert artifacts.size(build / layer)[0] < LIMITS[layer], layer


def test_the_precheck_function_and_its_layers_fit_lambda_with_room_to_spare(build):
    """The biggest function: its code, the DependenciesLayer (every function's), Pillow and the OCR layer."""
    sizes = {name: artifacts.size(build / name)[0] for name in ("PrecheckFunction", *PRECHECK_LAYERS)}
    total = sum(sizes.values())
    print(f"precheck unzipped: {total / MB:.1f} MiB of {LAMBDA_UNZIPPED / MB:.0f} "
          + ", ".join(f"{k} {v / MB:.1f}" for k, v in sizes.items()))
    assert total <= LAMBDA_UNZIPPED - MARGIN, sizes
    ocr = build / "OcrLayer" / "python"
    assert [name for name in OCR_UNUSED if (ocr / name).exists()] == []
    assert not list((ocr / "onnxruntime" / "capi").glob("libonnxruntime.so*"))  # the C API's copy of the runtime
    assert (ocr / "rapidocr" / "models" / "PP-OCRv6_rec_small.onnx").is_file()
    assert [p.name for p in ocr.glob("*.dist-info/licenses")] or list(ocr.glob("*.dist-info/LICENSE*"))


def test_the_trimmed_ocr_layer_reads_a_card(build, host):
    """The OCR layer built by the same recipe for this machine's CPU reads a generated card's number in a
    fresh interpreter with Lambda's paths: what the trimming removed is never needed."""
    from testkit import precheck_set

    item = next(i for i in precheck_set.applications("quick")[0].items if i.kind == "id_front")
    picture, text = item.picture()
    paths = artifacts.function_paths(host["tree"], "precheck.app", host["site"])
    code = ("import json, sys; from precheck import ocr, decide; r = ocr.Reader(n_threads=1); "
            "reading = r.read(open(sys.argv[1], 'rb').read(), [sys.argv[2]]); "
            "print(json.dumps([ln.text for ln in reading.lines]))")
    scratch = build.parent / "front.jpg"
    scratch.write_bytes(picture)
    env = {**artifacts.clean_env(), "PYTHONPATH": os.pathsep.join(map(str, paths))}
    done = subprocess.run([PYTHON312, "-I", "-c", f"import sys; sys.path[:0] = {[str(p) for p in paths]!r}; {code}",
                           str(scratch), text], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert item.person.number in "".join(json.loads(done.stdout.strip().splitlines()[-1])).replace(" ", "")


@pytest.mark.parametrize("function", HANDLERS)
def test_each_handler_imports_from_the_built_tree_without_compiling(build, host, function):
    # Given: the built function code first, then the layers (/opt/python), then the runtime's boto3
    module = HANDLERS[function]
    paths = [build / function, *artifacts.function_paths(host["tree"], module, host["site"])[1:]]
    env = {**artifacts.clean_env(), "TABLE_NAME": "t", "UPLOADS_BUCKET": "u", "MATERIALS_BUCKET": "m",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": module.split(".")[0],
           "LAMBDA_TASK_ROOT": str(build / function), "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
           "AWS_LAMBDA_FUNCTION_NAME": function, "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
           "WEB_URL": "https://web.example", "SMS_PER_SECOND": "20", "NOTIFY_QUEUE_URL": "https://sqs.example/q",
           "PRECHECK_QUEUE_URL": "https://sqs.example/p"}
    # When
    found = artifacts.import_probe(PYTHON312, module, paths, env)
    # Then
    assert [p for p in found["compiled"] if p.startswith(str(build))] == []
    assert found["pil"] is (function in ("ProcessImageFunction", "PrecheckFunction"))


def test_the_china_template_builds_the_same_artifacts(build, tmp_path):
    """template-china.yaml (the AWS China regions) builds offline into the same functions and layers."""
    china = sam_build("template-china.yaml", tmp_path / "china")

    def listing(root: Path) -> dict[str, int | None]:
        # a .pyc holds the path it was compiled at (another build directory here): its name only
        return {str(p.relative_to(root)): None if p.suffix == ".pyc" else p.stat().st_size
                for p in sorted(root.rglob("*")) if p.is_file() and p.name != "template.yaml"}

    assert {p.name for p in china.iterdir() if p.is_dir()} == {*HANDLERS, *LAYERS}
    assert listing(china) == listing(build)
    assert "AWS::Cognito::" not in (china / "template.yaml").read_text(encoding="utf-8")
