"""Time as one value: `Now` carries the same instant as epoch seconds (expiry conditions, TTLs) and
as ISO-8601 UTC text (ordering keys and display), so the two can never disagree. `now()` is the one
clock every use case reads, so tests can move it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, order=True)
class Now:
    epoch: float

    @property
    def seconds(self) -> int:
        return int(self.epoch)

    @property
    def iso(self) -> str:
        return iso(self.epoch)

    def plus(self, seconds: float) -> Now:
        return Now(self.epoch + seconds)


def now() -> Now:
    return Now(time.time())


def iso(t: float) -> str:
    # Millisecond precision, fixed width: these strings sort in time order inside index keys (R15).
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"


def parse_iso(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def iso_of_epoch(seconds: int | None) -> str | None:
    return None if seconds is None else iso(seconds)
