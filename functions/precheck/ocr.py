"""The OCR adapter: the only module that imports rapidocr (and, through it, onnxruntime and OpenCV).

rapidocr runs PaddleOCR's models on CPU through ONNX Runtime. The three models are files inside the
rapidocr wheel (PP-OCRv6 small detection and recognition, the PP-OCR mobile v2.0 text-direction
classifier; Apache-2.0, layers/ocr/MODELS.md). Each is named here by its path, so rapidocr never
reaches its downloader (which it would otherwise call to check a hash, or to fetch a missing model);
``MODEL_SHA256`` pins what we measured, and a test compares the installed files with it.

``Reader`` loads the models once (a cold start: ``Reader()`` at module level in a handler) and
``read(jpeg)`` turns the picture into a ``Reading``. Detection runs on the picture shrunk to
``det_side`` pixels on its long side (tools/eval_precheck.py measured what that costs in accuracy);
recognition runs on crops of the picture itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidocr import RapidOCR
from rapidocr.utils.output import RapidOCROutput

from precheck import unwatermark
from precheck.reading import Line, Reading

MODELS = Path(str(__import__("rapidocr").__file__)).resolve().parent / "models"
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
MODEL_SHA256 = {  # rapidocr 3.10.0's MODEL_LICENSES.md lists the same
    DET_MODEL: "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
    REC_MODEL: "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
    CLS_MODEL: "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
}
DET_SIDE = 1280  # long side the detector sees; pictures are 1200-1600 px (tools/eval_precheck.py)
MIN_SCORE = 0.5  # rapidocr's default: a line recognised with less is dropped


def threads() -> int:
    """ONNX Runtime's intra-op threads: the vCPUs this process may use (Lambda gives one per 1,769 MB)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def params(det_side: int = DET_SIDE, n_threads: int | None = None) -> dict:
    """rapidocr's settings: our model files, the detector's size, quiet logs, the threads."""
    n = n_threads or threads()
    return {
        "Global.log_level": "error",
        "Global.text_score": MIN_SCORE,
        "Global.return_word_box": True,  # per-character certainty (Line.chars)
        "Global.return_single_char_box": True,
        "Det.model_path": str(MODELS / DET_MODEL),
        "Det.limit_type": "max",
        "Det.limit_side_len": det_side,
        "Cls.model_path": str(MODELS / CLS_MODEL),
        "Rec.model_path": str(MODELS / REC_MODEL),
        "EngineConfig.onnxruntime.intra_op_num_threads": n,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }


def engine(det_side: int = DET_SIDE, n_threads: int | None = None) -> RapidOCR:
    """The library itself, set up as the Reader sets it up (the bench times it alone)."""
    return RapidOCR(params=params(det_side, n_threads))


def model_digests() -> dict[str, str]:
    return {name: hashlib.sha256((MODELS / name).read_bytes()).hexdigest() for name in MODEL_SHA256}


class Reader:
    def __init__(self, det_side: int = DET_SIDE, n_threads: int | None = None, warm: bool = True):
        self.det_side = det_side
        self._engine = engine(det_side, n_threads)
        if warm:  # rapidocr loads each model on first use: load all three now, at the cold start
            self._engine(_WARM_UP, use_det=False, use_cls=True, use_rec=True)  # classifier, recogniser
            self._engine(_WARM_UP, use_det=True, use_cls=True, use_rec=True)  # detector; the settings back

    def read(self, picture: bytes, watermarks: Sequence[str] = ()) -> Reading:
        """The lines read from a stored JPEG (upright, as process_image made it). ``watermarks``: the
        texts its watermark may have (its reference and the day it was processed); the one that fits
        is taken out before the OCR reads it (precheck/unwatermark.py)."""
        image = unwatermark.decode(picture)
        if watermarks:
            image, _ = unwatermark.lift(image, watermarks)
        out = self._engine(image)
        if not isinstance(out, RapidOCROutput):  # a whole read (detection + recognition) answers this type
            raise TypeError(f"rapidocr answered {type(out).__name__}")
        width, height = image.size
        if out.boxes is None or out.txts is None or out.scores is None:
            return Reading(width, height, ())
        words: Sequence[Sequence[Any]] = out.word_results if len(out.word_results) == len(out.txts) else [()] * len(out.txts)
        lines = []
        for box, text, score, chars in zip(out.boxes, out.txts, out.scores, words, strict=True):
            # each recognised character with its score, (char, score, box), where rapidocr gives them
            certainty = tuple(float(c[1]) for c in chars) if len(chars) == len(text.replace(" ", "")) else ()
            quad = tuple((float(x), float(y)) for x, y in np.asarray(box).reshape(4, 2))
            lines.append(Line(str(text), float(score), quad, certainty))  # type: ignore[arg-type]
        return Reading(width, height, tuple(lines))


# A small picture with one word on it: the warm-up reads it with all three models.
_WARM_UP = np.full((48, 160, 3), 255, dtype=np.uint8)
_WARM_UP[14:34, 20:140] = 0
