"""DynamoDB capacity arithmetic from item sizes (pure). moto does not report ConsumedCapacity
reliably, so row 4 computes it the way DynamoDB bills it:

* item size: attribute names + values (strings and binary by their bytes, numbers ~1 byte per two
  significant digits + 1, null/bool 1, lists and maps 3 + 1 per element + their elements);
* reads: 4 KB units of the items returned (a Query adds its items up before rounding, a GetItem of a
  missing item still costs one unit); eventually consistent reads (the default, and every GSI read)
  cost half, transactional reads twice;
* writes: 1 KB units of the larger of the item before and after; transactional writes twice;
* each global secondary index the item is (or was) in costs its own write at the standard rate:
  one put, one delete, or both when the index key changed.

Storage adds 100 bytes per item (DynamoDB's indexing overhead) to the table and to every index
that holds a copy.
"""

from __future__ import annotations

import math
from decimal import Decimal

READ_UNIT = 4096
WRITE_UNIT = 1024
ITEM_OVERHEAD = 100  # storage only


def _number_size(text: str) -> int:
    digits = "".join(map(str, Decimal(text).as_tuple().digits)).strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: dict) -> int:
    """Size of one attribute value in DynamoDB JSON (``{"S": "x"}``), without its name."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v) if isinstance(v, bytes | bytearray) else len(v) * 3 // 4  # base64 on the wire
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in v)
    if kind == "NS":
        return sum(_number_size(n) for n in v)
    if kind == "BS":
        return sum(len(b) for b in v)
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(x) for k, x in v.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(total_bytes: int, consistent: bool = False, transactional: bool = False) -> float:
    """Read request units for one GetItem/Query returning ``total_bytes`` of items."""
    units = max(1, math.ceil(total_bytes / READ_UNIT))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(before: int, after: int, transactional: bool = False) -> int:
    """Write request units of one item write (put, update or delete) on the table itself."""
    units = max(1, math.ceil(max(before, after) / WRITE_UNIT))
    return 2 * units if transactional else units


def index_write_units(before: dict | None, after: dict | None, key_attributes: tuple[str, ...]) -> int:
    """Write units one GSI (projection ALL) spends on one item write: nothing if the item is in the
    index neither before nor after, a put or a delete if it enters or leaves, an update if it stays
    with the same key, a delete and a put if its index key changed."""
    def keyed(item):
        return item is not None and all(a in item for a in key_attributes)

    was, now = keyed(before), keyed(after)
    if not was and not now:
        return 0
    if was and not now:
        return write_units(item_size(before), 0)
    if now and not was:
        return write_units(0, item_size(after))
    if all(before[a] == after[a] for a in key_attributes):
        return write_units(item_size(before), item_size(after))
    return write_units(item_size(before), 0) + write_units(0, item_size(after))


def storage_bytes(items: list[dict], indexes: dict[str, tuple[str, ...]]) -> int:
    """Billed storage of these items in the table plus the index copies (projection ALL)."""
    total = 0
    for item in items:
        size = item_size(item) + ITEM_OVERHEAD
        total += size
        total += sum(size for keys in indexes.values() if all(a in item for a in keys))
    return total
