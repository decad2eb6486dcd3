"""The notify functions' settings, read from the environment once, at cold start, and validated (as
core.settings does for every function): a wrong rate or a missing link fails the first invocation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class SenderConfig:
    web_url: str  # where the web client is: the link to the upload page in every status message
    sms_per_second: float  # the fan-out's SMS rate (template parameter SmsPerSecond)
    queue_url: str  # the notify queue: an announcement's next batch is a message to it
    lease_seconds: int = 120  # longer than the function's timeout: a batch never outlives its lease

    def __post_init__(self):
        if not self.web_url.startswith(("https://", "http://")):
            raise RuntimeError("WEB_URL must be the web client's origin (https://...)")
        if not 0 < self.sms_per_second <= 1000:
            raise RuntimeError("SMS_PER_SECOND must be a positive rate, at most 1000")
        if not self.queue_url:
            raise RuntimeError("NOTIFY_QUEUE_URL is required")


def queue_url() -> str:
    url = os.environ.get("NOTIFY_QUEUE_URL", "")
    if not url:
        raise RuntimeError("NOTIFY_QUEUE_URL is required")
    return url


def precheck_queue_url() -> str:
    """The machine pre-checks' queue: the stream's forwarder hands it the pictures to read."""
    url = os.environ.get("PRECHECK_QUEUE_URL", "")
    if not url:
        raise RuntimeError("PRECHECK_QUEUE_URL is required")
    return url


@lru_cache(maxsize=1)
def sender() -> SenderConfig:
    env = os.environ
    return SenderConfig(web_url=env.get("WEB_URL", ""), sms_per_second=float(env.get("SMS_PER_SECOND", "20")),
                        queue_url=queue_url())
