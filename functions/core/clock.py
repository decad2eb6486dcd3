"""Time, in the two forms the domain uses: epoch seconds (expiry conditions) and ISO-8601 UTC
(ordering keys and display). One function, so tests can move the clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> tuple[int, str]:
    t = time.time()
    return int(t), iso(t)


def iso(t: float) -> str:
    # Millisecond precision, fixed width: these strings sort in time order inside index keys (R15).
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"
