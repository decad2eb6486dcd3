"""The garbage collector sits out a Lambda cold start.

Loading a function creates some hundred thousand objects (modules, classes, pydantic's and
botocore's tables) that live as long as the process, and the collector, woken every 700
allocations, walks them again and again for nothing: ~10 ms of a ~180 ms import (bench row 3).
Inside Lambda it is off from the first import of `core` until the handler module's last line calls
`done()`, which also freezes what was loaded, so the collections during requests skip it.
Frozen without a collection first: the start-up garbage is ~430 objects (a full collection there
would free those and cost ~25 ms of every cold start; tests/unit/test_cold_start.py keeps the count
small: X-Ray's sampler outside Lambda, for one, would build a client and leave 27,000).
Outside Lambda (tests, tools, the local stack's host process) nothing changes.
"""

from __future__ import annotations

import gc
import os

_paused = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and gc.isenabled()
if _paused:
    gc.disable()


def done() -> None:
    """The function is loaded: collect as usual from here, without revisiting what is loaded."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
