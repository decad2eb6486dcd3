"""DynamoDB's JSON: one value as an attribute and back, as boto3's TypeSerializer and TypeDeserializer
write and read it (tests/unit/test_db_requests.py compares the two on generated values; boto3's own
would import all of boto3 at cold start). Pure."""

from __future__ import annotations

from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any


def clean(d: dict) -> dict:
    """An item without its empty attributes: DynamoDB stores no nothing."""
    return {k: v for k, v in d.items() if v is not None and v != () and v != []}


def to_attribute(v: Any) -> dict:
    """One value in DynamoDB's JSON."""
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, int | Decimal):
        return {"N": _number(v)}
    if isinstance(v, bytes | bytearray):
        return {"B": bytes(v)}
    if isinstance(v, dict):
        return {"M": {k: to_attribute(x) for k, x in v.items()}}
    if isinstance(v, list | tuple):
        return {"L": [to_attribute(x) for x in v]}
    if isinstance(v, set | frozenset) and v:
        if all(isinstance(x, str) for x in v):
            return {"SS": list(v)}
        if all(isinstance(x, int | Decimal) and not isinstance(x, bool) for x in v):
            return {"NS": [_number(x) for x in v]}
        if all(isinstance(x, bytes | bytearray) for x in v):
            return {"BS": [bytes(x) for x in v]}
    raise TypeError(f"no DynamoDB type for {type(v).__name__} {v!r:.40}")  # floats too, as boto3: use int


# DynamoDB's numbers: 38 significant digits, exponents -130..125; anything else raises (as in boto3).
_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def _number(v: int | Decimal) -> str:
    text = str(_NUMBERS.create_decimal(v))
    if text in ("Infinity", "-Infinity", "NaN", "sNaN"):
        raise TypeError(f"DynamoDB has no number {text}")
    return text


def encode(d: dict) -> dict:
    return {k: to_attribute(v) for k, v in clean(d).items()}


def _number_value(text: str) -> int | float:
    n = Decimal(text)
    return int(n) if n == n.to_integral_value() else float(n)


def from_attribute(a: dict) -> Any:
    """One attribute as plain Python: numbers as int/float, sets as lists, binary as bytes."""
    (kind, v), = a.items()
    if kind == "S" or kind == "BOOL" or kind == "B":
        return v
    if kind == "N":
        return _number_value(v)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attribute(x) for k, x in v.items()}
    if kind == "L":
        return [from_attribute(x) for x in v]
    if kind == "SS" or kind == "BS":
        return list(v)
    if kind == "NS":
        return [_number_value(x) for x in v]
    raise TypeError(f"unknown DynamoDB type {kind}")


def decode(item: dict) -> dict:
    """A DynamoDB item as plain Python (numbers as int/float)."""
    return {k: from_attribute(v) for k, v in item.items()}
