"""A stand-in for Lambda's DynamoDB Streams event source mapping (a function's `Type: DynamoDB` event
in template.yaml, derived by local.template): reads the table's stream shard by shard from where the
mapping starts (LATEST: records written after it started), drops what its filter patterns do not
match, invokes the function with batches of the rest as Lambda's DynamoDB event, and moves on only
past what succeeded. With ReportBatchItemFailures it retries from the first failed record; a batch
that keeps failing is given up after MaximumRetryAttempts and recorded at the OnFailure queue, as
Lambda does. The function here (notify.events) puts each record on the notify queue, which
local.worker then serves like any queue.

The filter is EventBridge's pattern language, the part of it a template here may use: exact values,
`prefix`, `anything-but`, `exists`. Anything else is refused when the poller is built, not ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.worker import Poller

log = logging.getLogger(__name__)

_OPERATORS = frozenset({"prefix", "anything-but", "exists"})


def check_pattern(pattern: Any, where: str = "") -> None:
    """Raise ValueError for a pattern this emulation would not evaluate as Lambda does."""
    if not isinstance(pattern, dict):
        raise ValueError(f"{where or 'pattern'}: a pattern is an object of fields")
    for key, value in pattern.items():
        if isinstance(value, dict):
            check_pattern(value, f"{where}.{key}")
        elif isinstance(value, list):
            for rule in value:
                if isinstance(rule, dict) and (len(rule) != 1 or next(iter(rule)) not in _OPERATORS):
                    raise ValueError(f"{where}.{key}: operator {rule} is not emulated locally")
        else:
            raise ValueError(f"{where}.{key}: a field's values are a list")


def _matches_value(rules: list, value: Any, present: bool) -> bool:
    values = value if isinstance(value, list) else [value]
    for rule in rules:
        if isinstance(rule, dict):
            (op, arg), = rule.items()
            if op == "exists":
                if present is bool(arg):
                    return True
            elif not present:
                continue
            elif op == "prefix" and any(isinstance(v, str) and v.startswith(arg) for v in values):
                return True
            elif op == "anything-but":
                excluded = arg if isinstance(arg, list) else [arg]
                if all(v not in excluded for v in values):
                    return True
        elif present and rule in values:
            return True
    return False


def matches(pattern: dict, event: dict) -> bool:
    """Every field of the pattern must match; a list of rules matches if any of them does."""
    for key, rules in pattern.items():
        present = isinstance(event, dict) and key in event
        value = event.get(key) if present else None
        if isinstance(rules, dict):
            if not isinstance(value, dict) or not matches(rules, value):
                return False
        elif not _matches_value(rules, value, present):
            return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()  # epoch seconds, as Lambda sends
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class StreamPoller(Poller):
    def __init__(self, streams, stream_arn: str, region: str, invoke: Callable[[dict], Any],
                 filters: tuple[dict, ...] = (), batch_size: int = 100, starting_position: str = "LATEST",
                 report_batch_item_failures: bool = True, maximum_retry_attempts: int = -1,
                 on_failure: Callable[[dict], None] | None = None, ready: Callable[[], bool] = lambda: True,
                 interval: float = 0.2):
        super().__init__("stream-poller", stream_arn, ready, idle=interval)
        for pattern in filters:
            check_pattern(pattern)
        self.streams, self.stream_arn, self.region, self.invoke = streams, stream_arn, region, invoke
        self.filters, self.batch_size, self.report_failures = filters, batch_size, report_batch_item_failures
        self.maximum_retry_attempts, self.on_failure = maximum_retry_attempts, on_failure
        self.attempts: dict[str, int] = {}  # first sequence number of a failing batch -> retries so far
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        self.iterators = {s["ShardId"]: self._iterator(s["ShardId"], starting_position) for s in shards}

    def _iterator(self, shard: str, kind: str, sequence: str | None = None) -> str:
        return self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard, ShardIteratorType=kind,
                                               **({"SequenceNumber": sequence} if sequence else {}))["ShardIterator"]

    def poll_once(self) -> int:
        """One read of every shard and at most one invoke per shard; how many records were read."""
        read = 0
        for shard, iterator in list(self.iterators.items()):
            out = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            records = [{**_jsonable(r), "eventSourceARN": self.stream_arn} for r in out.get("Records", [])]
            read += len(records)
            batch, last = [], None
            for record in records:
                if not self.filters or any(matches(p, record) for p in self.filters):
                    if len(batch) == self.batch_size:
                        break
                    batch.append(record)
                last = record  # filtered-out records are passed over, as Lambda does
            if not batch:  # nothing for this function: everything read is passed over
                self.iterators[shard] = out["NextShardIterator"]
                continue
            failed = self._invoke(batch)
            if failed is None:  # on past the batch and whatever was passed over with it
                self.iterators[shard] = out["NextShardIterator"] if last is records[-1] else \
                    self._iterator(shard, "AFTER_SEQUENCE_NUMBER", last["dynamodb"]["SequenceNumber"])
            elif self._give_up(shard, batch, failed):
                self.iterators[shard] = self._iterator(shard, "AFTER_SEQUENCE_NUMBER", batch[-1]["dynamodb"]["SequenceNumber"])
            else:
                self.iterators[shard] = self._iterator(shard, "AT_SEQUENCE_NUMBER", failed)
        return read

    def _invoke(self, batch: list[dict]) -> str | None:
        """None if the whole batch succeeded, else the sequence number to retry from."""
        try:
            result = self.invoke({"Records": batch})
        except Exception:
            log.exception("stream poller: the function failed; %d record(s) will be retried", len(batch))
            return batch[0]["dynamodb"]["SequenceNumber"]
        failures = result.get("batchItemFailures") if isinstance(result, dict) and self.report_failures else None
        if not failures:
            return None
        sequences = [r["dynamodb"]["SequenceNumber"] for r in batch]
        named = [f.get("itemIdentifier") for f in failures if isinstance(f, dict)]
        if not named or any(n not in sequences for n in named):
            return sequences[0]  # an empty or unknown identifier fails the whole batch, as Lambda does
        return min(named, key=sequences.index)

    def _give_up(self, shard: str, batch: list[dict], failed: str) -> bool:
        tried = self.attempts[failed] = self.attempts.get(failed, 0) + 1
        if self.maximum_retry_attempts < 0 or tried <= self.maximum_retry_attempts:
            return False
        del self.attempts[failed]
        log.warning("stream poller: giving up a batch of %d record(s) after %d retries", len(batch), tried - 1)
        if self.on_failure:
            self.on_failure({"version": "1.0", "timestamp": datetime.now(UTC).isoformat(),
                             "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": tried},
                             "DDBStreamBatchInfo": {"shardId": shard, "streamArn": self.stream_arn, "batchSize": len(batch),
                                                    "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                                                    "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"]}})
        return True


def to_queue(sqs, queue_url: str) -> Callable[[dict], None]:
    """An OnFailure destination: the failure record as one message."""
    return lambda failure: sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(failure))
