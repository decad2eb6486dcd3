"""A stand-in for Lambda's SQS event source mapping: long-polls the queue, invokes the function with
a real SQS batch event and deletes what succeeded. With ReportBatchItemFailures only the listed
messages stay; if the function raises (or answers with an unknown id) the whole batch stays. What
stays reappears after the visibility timeout, and SQS (moto) moves it to the dead-letter queue on
the receive after maxReceiveCount."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    """ReceiveMessage's messages as the Records of a Lambda SQS event."""
    def attribute(value: dict) -> dict:
        return {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}

    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": {k: m.get("Attributes", {}).get(k, "") for k in (
            "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")},
        "messageAttributes": {k: attribute(v) for k, v in m.get("MessageAttributes", {}).items()},
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    } for m in messages]}


def to_delete(messages: list[dict], result: Any, report_batch_item_failures: bool) -> list[dict]:
    """The messages Lambda deletes after a successful invoke."""
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not report_batch_item_failures or not failures:
        return messages  # null, {} or [] mean the whole batch succeeded
    ids = {m["MessageId"] for m in messages}
    if any(not isinstance(f, dict) or f.get("itemIdentifier") not in ids for f in failures):
        return []  # an empty, null or unknown itemIdentifier fails the whole batch, as Lambda does
    failed = {f["itemIdentifier"] for f in failures}
    return [m for m in messages if m["MessageId"] not in failed]


class Poller(threading.Thread):
    """An event source's loop: `poll_once()` until stopped, `idle` seconds apart when nothing came (a
    long poll waits by itself), 2 s after an error, and not at all while the function cannot load."""

    def __init__(self, name: str, source: str, ready: Callable[[], bool] = lambda: True, idle: float = 0.0):
        super().__init__(name=name, daemon=True)
        self.source, self.ready, self.idle = source, ready, idle
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def poll_once(self) -> int:
        raise NotImplementedError

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                if not self.ready():
                    self.stopping.wait(5)  # the function's code is not there yet: leave the source alone
                    continue
                if not self.poll_once() and self.idle:
                    self.stopping.wait(self.idle)
            except Exception:
                log.exception("%s: polling %s failed; retrying", self.name, self.source)
                self.stopping.wait(2)


class Worker(Poller):
    def __init__(self, sqs, queue_url: str, queue_arn: str, region: str, invoke: Callable[[dict], Any],
                 ready: Callable[[], bool] = lambda: True, batch_size: int = 10,
                 report_batch_item_failures: bool = True, visibility_timeout: int | None = None,
                 wait_seconds: int = 20):
        super().__init__("sqs-worker", queue_url, ready)
        self.sqs, self.queue_url, self.queue_arn, self.region = sqs, queue_url, queue_arn, region
        self.invoke = invoke
        self.batch_size, self.report_failures = batch_size, report_batch_item_failures
        self.visibility_timeout, self.wait_seconds = visibility_timeout, wait_seconds

    def poll_once(self) -> int:
        """One receive and, if it brought messages, one invoke. Returns how many were received."""
        kwargs = {"QueueUrl": self.queue_url, "MaxNumberOfMessages": self.batch_size,
                  "WaitTimeSeconds": self.wait_seconds, "MessageSystemAttributeNames": ["All"],
                  "MessageAttributeNames": ["All"]}
        if self.visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = self.visibility_timeout
        messages = self.sqs.receive_message(**kwargs).get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.invoke(sqs_event(messages, self.queue_arn, self.region))
        except Exception:
            log.exception("worker: the function failed; %d message(s) will be retried", len(messages))
            return len(messages)
        done = to_delete(messages, result, self.report_failures)
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        if len(done) < len(messages):
            log.warning("worker: %d of %d message(s) failed and will be retried", len(messages) - len(done),
                        len(messages))
        return len(messages)
