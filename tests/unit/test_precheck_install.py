"""The OCR's installation: the headless OpenCV only, the models inside the rapidocr wheel with the
digests we measured, the pinned versions installed, and rapidocr imported by the adapter alone."""

from __future__ import annotations

import ast
import importlib.metadata as md
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "ocr" / "requirements.txt"


def pins() -> dict[str, str]:
    out = {}
    for line in LAYER.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            out[name.lower()] = version
    return out


def test_no_gui_opencv_is_installed_and_cv2_is_the_headless_one():
    names = {d.metadata["Name"].lower() for d in md.distributions()}
    assert "opencv-python-headless" in names
    assert not names & {"opencv-python", "opencv-contrib-python"}, names & {"opencv-python", "opencv-contrib-python"}
    # cv2 is a file that opencv-python-headless installed
    origin = Path(importlib.util.find_spec("cv2").origin).resolve()
    headless = md.distribution("opencv-python-headless")
    owned = {Path(headless.locate_file(f)).resolve() for f in headless.files or ()}
    assert origin in owned, origin


def test_every_pin_of_the_ocr_layer_is_what_is_installed():
    for name, version in pins().items():
        assert md.version(name) == version, name


def test_the_layer_list_is_complete_for_a_no_deps_install():
    # Every dependency rapidocr and its runtime packages declare is pinned here or comes with the
    # runtime (urllib3 and six: botocore's) or the Pillow layer; nothing pulls the GUI OpenCV.
    pinned = set(pins()) | {"urllib3", "six", "pillow"}
    for name in ("rapidocr", "onnxruntime", "omegaconf", "requests", "shapely"):
        for req in md.requires(name) or ():
            if "extra ==" in req:
                continue
            dep = req.split(";")[0].split("[")[0]
            for sep in "<>=!~ (":
                dep = dep.split(sep)[0]
            dep = dep.strip().lower().replace("_", "-")
            assert dep in pinned, f"{name} needs {dep}"
    assert "opencv-python" not in pinned


def test_the_models_are_inside_the_wheel_with_the_pinned_digests():
    from precheck import ocr

    assert ocr.MODELS.parent.name == "rapidocr"
    assert ocr.model_digests() == ocr.MODEL_SHA256
    p = ocr.params()
    for key in ("Det.model_path", "Rec.model_path", "Cls.model_path"):
        assert Path(p[key]).parent == ocr.MODELS  # named by path: rapidocr's downloader is never reached


def test_only_the_ocr_adapter_imports_rapidocr_onnxruntime_or_opencv():
    importers = []
    for path in (ROOT / "functions").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("rapidocr", "onnxruntime", "cv2") for n in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert set(importers) == {"functions/precheck/ocr.py"}


@pytest.mark.parametrize("module", ["precheck.decide", "precheck.classify", "precheck.fields", "precheck.layout"])
def test_the_decider_does_not_need_the_ocr(module):
    source = (ROOT / "functions" / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    assert "precheck.ocr" not in source and "import ocr" not in source and "numpy" not in source
