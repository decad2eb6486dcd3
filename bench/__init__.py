"""`make bench`: where the time, memory and money of one exam season go, each figure next to a floor
measured in the same run (see bench/README.md). `python -m bench --help`.

The handlers import as Lambda imports them (CodeUri functions/), so functions/ and the repository
root go on sys.path here, as pytest's `pythonpath` does for the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
RESULTS = Path(__file__).resolve().parent / "results"

for _path in (str(ROOT), str(FUNCTIONS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)
