"""API Gateway's throttling, as the local gateway applies it: a token bucket per route, filled at the
route's rate up to its burst (the HttpApi's RouteSettings, else its DefaultRouteSettings, each route
a bucket of its own). An empty bucket is a 429 `{"message":"Too Many Requests"}` before the
authorizer or the function runs, as API Gateway answers it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens (requests) added per second
    burst: int  # the bucket's size


class TokenBucket:
    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic):
        self.limit, self.clock = limit, clock
        self.tokens = float(limit.burst)  # a bucket starts full
        self.at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.clock()
            self.tokens = min(float(self.limit.burst), self.tokens + (now - self.at) * self.limit.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Throttles:
    """One bucket per route key ("POST /applications/{id}/materials/{type}/images"), made on first use."""

    def __init__(self, routes: dict[str, Limit], default: Limit | None, clock: Callable[[], float] = time.monotonic):
        self.routes, self.default, self.clock = routes, default, clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        self.refused: dict[str, int] = {}

    def admit(self, route_key: str) -> bool:
        limit = self.routes.get(route_key, self.default)
        if limit is None:
            return True
        with self._lock:
            bucket = self._buckets.get(route_key)
            if bucket is None:
                bucket = self._buckets[route_key] = TokenBucket(limit, self.clock)
        if bucket.take():
            return True
        with self._lock:
            self.refused[route_key] = self.refused.get(route_key, 0) + 1
        return False


def scaled(declared: dict[str, dict], scale: float) -> dict[str, str]:
    """The template's Throttle* parameters at `scale` times their defaults (at least 1 request/s and
    a burst of 1): the capacity model's throttles for a stack `scale` times the size of the peak."""
    out = {}
    for name, spec in declared.items():
        if name.startswith("Throttle") and "Default" in spec:
            value = float(spec["Default"]) * scale
            out[name] = str(max(1, round(value)) if name.endswith("Burst") else max(1.0, round(value, 2)))
    return out
