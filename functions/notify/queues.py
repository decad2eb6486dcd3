"""The only code in functions/ that sends to SQS: the notify function hands an announcement's next
batch to its own queue (so each batch is one short invocation, retried and dead-lettered like any
other message)."""

from __future__ import annotations

import json
from functools import lru_cache

from botocore.config import Config

from core import aws


@lru_cache(maxsize=1)
def client():
    return aws.client("sqs", config=Config(retries={"max_attempts": 5, "mode": "standard"}))


def reset_client() -> None:
    client.cache_clear()


def send(queue_url: str, body: dict, delay_seconds: int = 0) -> None:
    client().send_message(QueueUrl=queue_url, MessageBody=json.dumps(body, separators=(",", ":")),
                          DelaySeconds=max(0, min(900, delay_seconds)))
