"""Opaque page cursors: the index position DynamoDB gave back, bound to the list it came from, so a
cursor of one queue (or one search) is refused by another instead of leaking or mixing pages.

A cursor is client input: before its keys become a Query's ExclusiveStartKey they must be exactly
the index's key attributes, each a string DynamoDB takes as a key, inside the Query's partition and
sort-key prefix. DynamoDB refuses any other start key with a ValidationException, which would be a
500 here instead of the client's 400.
"""

from __future__ import annotations

import base64
import binascii
import json

from core.errors import DomainError

MAX_KEY_BYTES = 1024  # DynamoDB's limit for a sort key (a partition key may have 2048)


def encode(scope: str, last: dict | None, **extra) -> str | None:
    """None when there is nothing more (`last` is None)."""
    if last is None:
        return None
    data = {"q": scope, "k": last, **extra}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def invalid() -> DomainError:
    """What any cursor this list did not issue gets."""
    return DomainError("INVALID_REQUEST", "cursor is not one this list issued; start again without it.",
                       "cursor(翻页标记)无效或不属于此列表,请不带 cursor 重新开始。")


def _key_value(v) -> bool:
    try:
        return isinstance(v, str) and 0 < len(v.encode("utf-8", "strict")) <= MAX_KEY_BYTES
    except UnicodeError:  # a lone surrogate from a "\udXXX" escape: boto3 could not send it
        return False


def decode(scope: str, cursor: str | None, keys: frozenset[str]) -> dict | None:
    """The cursor's data, or INVALID_REQUEST. Its "k" is either {} (the start of a partition) or
    exactly `keys`, each a non-empty UTF-8 string of at most 1024 bytes."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        k = data["k"]
        if (data["q"] != scope or not isinstance(k, dict) or (k and set(k) != keys)
                or not all(_key_value(v) for v in k.values())):
            raise ValueError
        return data
    # RecursionError: JSON nested a thousand deep fits in the 2000 characters a cursor may have.
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise invalid() from None


def start_key(k: dict, partition: tuple[str, str], sort: tuple[str, str], *, may_be_empty: bool = False) -> dict | None:
    """`k` (from `decode`) as the ExclusiveStartKey of a Query of one index partition, `partition` being
    (attribute, value) and `sort` (attribute, the prefix the Query's condition requires, "" if none).
    {} is None (from the start) where the list issues such cursors (`may_be_empty`), else INVALID_REQUEST."""
    if not k:
        if may_be_empty:
            return None
        raise invalid()
    (pk, pk_value), (sk, prefix) = partition, sort
    if k.get(pk) != pk_value or not str(k.get(sk, "")).startswith(prefix):
        raise invalid()
    return k
