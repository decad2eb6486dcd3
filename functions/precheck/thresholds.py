"""The decider's thresholds: data in thresholds.json, derived on the generated training split by
tools/eval_precheck.py --derive and judged on the held-out split (the same tool, and a test)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

FILE = Path(__file__).resolve().parent / "thresholds.json"


@lru_cache(maxsize=1)
def document() -> dict:
    return json.loads(FILE.read_text(encoding="utf-8"))


def get(section: str, name: str) -> float:
    return float(document()[section][name])
