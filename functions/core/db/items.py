"""Items: what each domain object is in the table, derived from its dataclass (an attribute per field,
camelCase; a field's `metadata={"attribute": ...}` names it otherwise), and how long it stays there
(TTL). A new field of Image or Application is stored and read back with no change here."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from dataclasses import MISSING, Field, asdict, fields, is_dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from core.models import camel
from core.settings import settings

T = TypeVar("T")


def attribute(f: Field) -> str:
    """A field's attribute name: `material_type` is `materialType`."""
    return f.metadata.get("attribute") or camel(f.name)


def stored(value: Any) -> Any:
    """A field's value as DynamoDB's JSON takes it: enums by value, tuples as lists, records as maps."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [stored(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def to_item(obj: Any, omit: Iterable[str] = ()) -> dict:
    """The attributes of a dataclass instance (the caller adds the keys and the kind)."""
    left_out = set(omit)
    return {attribute(f): stored(getattr(obj, f.name)) for f in fields(obj) if f.name not in left_out}


def _reader(hint: Any) -> Callable[[Any], Any]:
    """How a stored value becomes the field's type again: enums by value, tuples from lists, records
    from maps; numbers, strings and maps are as wire.decode gives them."""
    if get_origin(hint) in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        hint = inner[0] if len(inner) == 1 else Any
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if get_origin(hint) is tuple:
        each = _reader(get_args(hint)[0])
        return lambda v: tuple(each(x) for x in v)
    if isinstance(hint, type) and is_dataclass(hint):
        record = hint
        return lambda v: record(**v)
    return lambda v: v


_READERS: dict[type, tuple[tuple[str, str, Callable[[Any], Any], bool], ...]] = {}


def _readers(cls: type) -> tuple[tuple[str, str, Callable[[Any], Any], bool], ...]:
    """(field, attribute, reader, required) per field, worked out once per class."""
    if cls not in _READERS:
        hints = get_type_hints(cls)
        _READERS[cls] = tuple((f.name, attribute(f), _reader(hints[f.name]),
                               f.default is MISSING and f.default_factory is MISSING) for f in fields(cls))
    return _READERS[cls]


def from_item(cls: type[T], item: dict, **given: Any) -> T:
    """The dataclass instance an item was written from; `given`: fields the item keeps in its keys.
    An attribute it does not have is the field's default (None where the field has none: it was empty)."""
    values = dict(given)
    for name, attr, read, required in _readers(cls):
        if name in values:
            continue
        if item.get(attr) is not None:
            values[name] = read(item[attr])
        elif required:
            values[name] = None
    return cls(**values)


# ---------------------------------------------------------------- how long items stay (TTL)

# A PENDING reservation that is never uploaded is swept by DynamoDB TTL a day later; correctness
# never depends on that (expired reservations are treated as free by the conditions themselves).
TTL_GRACE = 86400
CHINA = timezone(timedelta(hours=8))


def keep_until(exam_year: int, retention_days: int) -> int | None:
    """When an application's records may go (DynamoDB TTL): `retention_days` after the end of its exam
    year, China time; the same instant for every item of the application, so its audit trail never
    outlives or predeceases its images. None: kept for good."""
    if not retention_days:
        return None
    season_end = datetime(exam_year + 1, 1, 1, tzinfo=CHINA).timestamp()
    return int(season_end) + retention_days * 86400


def keep(exam_year: int) -> int | None:
    """keep_until with the retention this function is configured with."""
    return keep_until(exam_year, settings().retention_days)


def retain(items: list[dict], until: int | None) -> list[dict]:
    """Every item put without a TTL of its own (a PENDING reservation has one) is kept until `until`."""
    if until is not None:
        for entry in items:
            put = entry.get("Put")
            if put and "ttl" not in put["Item"]:
                put["Item"]["ttl"] = {"N": str(until)}
    return items
