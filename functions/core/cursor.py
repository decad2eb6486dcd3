"""Opaque page cursors: the index position DynamoDB gave back, bound to the list it came from, so a
cursor of one queue (or one search) is refused by another instead of leaking or mixing pages."""

from __future__ import annotations

import base64
import binascii
import json

from core.errors import DomainError

MAX_KEYS = 6


def encode(scope: str, last: dict | None, **extra) -> str | None:
    """None when there is nothing more (`last` is None)."""
    if last is None:
        return None
    data = {"q": scope, "k": last, **extra}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(scope: str, cursor: str | None, keys: frozenset[str]) -> dict | None:
    """The cursor's data (its "k" a dict of the index's string key attributes), or INVALID_REQUEST."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        k = data["k"]
        if (data["q"] != scope or not isinstance(k, dict) or not set(k) <= keys
                or not all(isinstance(v, str) and len(v) < 1024 for v in k.values())):
            raise ValueError
        return data
    # RecursionError: JSON nested a thousand deep fits in the 2000 characters a cursor may have.
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise DomainError("INVALID_REQUEST", "cursor is not one this list issued; start again without it.",
                          "cursor(翻页标记)无效或不属于此列表,请不带 cursor 重新开始。") from None
