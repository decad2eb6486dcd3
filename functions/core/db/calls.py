"""The calls: the one DynamoDB client, how its errors become the domain's, paging, batches. The only
code in core.db that sends anything; the modules per aggregate build their requests and come here."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

from botocore.config import Config
from botocore.exceptions import ClientError

from core import aws
from core.db.keys import key
from core.db.wire import decode
from core.errors import DomainError
from core.settings import settings


class Conflict(Exception):
    """A condition failed or another transaction got there first: reload and decide again."""


class ReferenceTaken(Conflict):
    """The watermark reference drawn for an image is already someone else's: draw another."""


@lru_cache(maxsize=1)
def client() -> Any:
    # Standard retry mode retries throttling with backoff; endpoint comes from AWS_ENDPOINT_URL locally.
    # Short timeouts: a hung connection is retried in seconds, not after botocore's 60 s, so one stalled
    # call cannot carry an API request past its 10 s or an image past its bound in process_image.
    return aws.client("dynamodb", config=Config(retries={"max_attempts": 4, "mode": "standard"},
                                                connect_timeout=2, read_timeout=5))


def reset_client() -> None:
    client.cache_clear()


def table() -> str:
    return settings().table_name


_RETRYABLE = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
              "InternalServerError", "ServiceUnavailable")


# Cancellation reasons (TransactWriteItems API reference): a lost race means decide again; throttling
# means later; anything else (ValidationError, ItemCollectionSizeLimitExceeded, a code added later) is
# not contention, and retrying it as if it were would only end in a 503 after eight tries.
_LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_THROTTLED = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


def _cancelled(e: ClientError, items: list[dict]) -> Exception:
    """Map a cancelled transaction by its reasons, item by item: a lost race is a Conflict (decide
    again), throttling is TRY_AGAIN, and anything else is a bug, never retried as contention."""
    reasons = [r.get("Code", "None") for r in e.response.get("CancellationReasons", [])]
    if not reasons:  # some emulators leave them out: the message lists them
        message = e.response.get("Error", {}).get("Message", "")
        reasons = [r.strip() for r in message.partition("[")[2].rstrip("]").split(",") if r.strip()]
    failed = [(code, items[i] if i < len(items) else {}) for i, code in enumerate(reasons) if code != "None"]
    codes = {code for code, _ in failed}
    if not codes or codes - _LOST_RACE - _THROTTLED:
        message = e.response.get("Error", {}).get("Message", "")[:300]  # the unhandled-error log shows it
        return RuntimeError(f"transaction rejected, not contention: {reasons} ({message})")
    if codes & _THROTTLED:
        return DomainError("TRY_AGAIN")
    for code, item in failed:
        if code == "ConditionalCheckFailed" and item.get("Put", {}).get("Item", {}).get("kind", {}).get("S") == "reference":
            return ReferenceTaken(code)
    return Conflict(",".join(reasons))


def call(fn: Callable[..., dict], transact_items: list[dict] | None = None, **kwargs: Any) -> dict:
    try:
        return fn(**kwargs)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code == "TransactionCanceledException":
            raise _cancelled(e, transact_items or []) from e
        if code in ("ConditionalCheckFailedException", "TransactionConflictException"):
            raise Conflict(code) from e
        if code in _RETRYABLE:
            raise DomainError("TRY_AGAIN") from e
        raise


def write_transaction(items: list[dict]) -> None:
    call(client().transact_write_items, transact_items=items, TransactItems=items)


def created(items: list[dict]) -> bool:
    """A transaction whose conditions say "only if new": False (nothing written) if it was not."""
    try:
        write_transaction(items)
        return True
    except Conflict:
        return False


def holder(fn: Callable[..., dict], **request: Any) -> dict | None:
    """Run a conditional write: None if it was written, else the item that made its condition fail
    (the request asks for it with ReturnValuesOnConditionCheckFailure)."""
    try:
        call(fn, **request)
        return None
    except Conflict as e:
        cause = e.__cause__
        if not isinstance(cause, ClientError):
            raise
        return decode(cast(dict, cause.response).get("Item") or {})


def get(pk: str, sk: str, consistent: bool = False) -> dict | None:
    """One item, decoded, or None."""
    request: dict[str, Any] = {"TableName": table(), "Key": key(pk, sk)}
    if consistent:
        request["ConsistentRead"] = True
    item = call(client().get_item, **request).get("Item")
    return decode(item) if item else None


def query_all(request: dict) -> list[dict]:
    """Every item a Query finds, page after page (past 1 MB)."""
    items: list[dict] = []
    start = None
    while True:
        page = call(client().query, **request, **({"ExclusiveStartKey": start} if start else {}))
        items.extend(decode(i) for i in page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def page(request: dict, limit: int, start: dict | None) -> tuple[list[dict], dict | None]:
    """One page of a Query, from and to a key of plain strings (what a cursor carries)."""
    request = {**request, "Limit": limit}
    if start:
        request["ExclusiveStartKey"] = {k: {"S": v} for k, v in start.items()}
    out = call(client().query, **request)
    last = out.get("LastEvaluatedKey")
    return [decode(i) for i in out.get("Items", [])], ({k: v["S"] for k, v in last.items()} if last else None)


BATCH_ROUNDS = 8  # rounds of unprocessed keys before the caller is told to try again


def batch_get(keys: list[dict]) -> list[dict]:
    """The items of these keys that exist, in no particular order: BatchGetItem, 100 keys a call. Keys
    DynamoDB leaves unprocessed (throttled) are asked again after a jittered, growing wait, as its
    documentation asks: at once would only be throttled again."""
    found: list[dict] = []
    name = table()
    for start in range(0, len(keys), 100):
        request: dict | None = {name: {"Keys": keys[start:start + 100]}}
        for attempt in range(BATCH_ROUNDS):
            if attempt:
                time.sleep(random.uniform(0, 0.05 * 2**attempt))
            out = call(client().batch_get_item, RequestItems=request)
            found += [decode(i) for i in out.get("Responses", {}).get(name, [])]
            request = out.get("UnprocessedKeys") or None
            if request is None:
                break
        else:
            raise DomainError("TRY_AGAIN")
    return found
