"""The exam season's windows (core.season): one item per exam year and region in one small partition
(the office sets a few dozen a year), read by a candidate's change only when its condition failed, by the
pages through a short cache, and by the reminder sweep all at once."""

from __future__ import annotations

import time
from typing import Any

from core.db import calls, keys
from core.db.items import from_item, keep, retain, to_item
from core.db.keys import key
from core.db.wire import encode
from core.models import Window
from core.season import WindowCheck


def window_item(w: Window) -> dict:
    return {"PK": keys.WINDOW, "SK": keys.window_sk(w.exam_year, w.region), "kind": "window", **to_item(w)}


def window_from(item: dict) -> Window:
    return from_item(Window, item)


def window_put_items(w: Window, expected: int | None, table: str, until: int | None = None) -> list[dict]:
    """The office's change of a window, conditional on the version it read (none: only if new)."""
    condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"} if expected is None else {
        "ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": {"N": str(expected)}}}
    return retain([{"Put": {"TableName": table, "Item": encode(window_item(w)), **condition}}], until)


def window_check_item(check: WindowCheck, table: str) -> dict:
    """A candidate's change lands only while the window that applies is open at the decision's time, or
    while there is none (the office may set, move or close it at the same moment)."""
    return {"ConditionCheck": {
        "TableName": table, "Key": key(keys.WINDOW, keys.window_sk(check.exam_year, check.region)),
        "ConditionExpression": "attribute_not_exists(PK) OR (#opens <= :now AND #until > :now)",
        "ExpressionAttributeNames": {"#opens": "uploadOpens", "#until": check.until},
        "ExpressionAttributeValues": {":now": {"N": str(check.now)}}}}


def windows_request(exam_year: int | None, table: str) -> dict:
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "PK = :pk",
                               "ExpressionAttributeValues": {":pk": {"S": keys.WINDOW}}}
    if exam_year is not None:
        request["KeyConditionExpression"] += " AND begins_with(SK, :year)"
        request["ExpressionAttributeValues"][":year"] = {"S": keys.window_sk(exam_year, "")}
    return request


# ---------------------------------------------------------------- operations

def get_window(exam_year: int, region: str, consistent: bool = True) -> Window | None:
    item = calls.get(keys.WINDOW, keys.window_sk(exam_year, region), consistent=consistent)
    return window_from(item) if item else None


def windows(exam_year: int | None = None) -> list[Window]:
    """One exam year's windows by region, or every window there is (the reminder sweep)."""
    return [window_from(i) for i in calls.query_all(windows_request(exam_year, calls.table()))]


def put_window(w: Window, expected: int | None) -> None:
    """Raises Conflict if the window changed since it was read (the loop decides again)."""
    calls.write_transaction(window_put_items(w, expected, calls.table(), keep(w.exam_year)))


WINDOW_CACHE_SECONDS = 60  # what a page shows may be this old; what a change checks never is (its condition)
_cache: dict[tuple[int, str], tuple[float, Window | None]] = {}


def shown_window(exam_year: int, region: str) -> Window | None:
    """The window as the pages show it (the candidate's countdown, reviewers' deadlines, the office's
    overdue counts): read at most once a minute per exam year and region in a warm function."""
    now = time.monotonic()
    found = _cache.get((exam_year, region))
    if found is None or now - found[0] > WINDOW_CACHE_SECONDS:
        found = (now, get_window(exam_year, region, consistent=False))
        _cache[(exam_year, region)] = found
    return found[1]


def forget_shown_windows() -> None:
    _cache.clear()
