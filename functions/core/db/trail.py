"""An application's audit trail, read a page at a time, and the staff's `viewed` entries.

The trail's items sort by time inside the application's partition (TRAIL#{at}#{rand}), so a page is one
Query newest first from a position: however long the history grows (3,000 reserve/delete cycles, an
office reading every hour), a page holds at most `limit` entries. A list that leaves some entries out
(the candidate's timeline, one image's history) filters them in DynamoDB and reads on while its page is
not full, a bounded number of rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.db import calls, keys
from core.db.applications import audit_from, audit_item
from core.db.items import keep, retain
from core.db.wire import encode
from core.models import Application, AuditEntry

ROUNDS = 4  # Queries one filtered page may take before it answers what it has, with a cursor to go on
VIEW_MARKER_HOURS = 2  # a marker's TTL: its hour and one more (its key names the hour: never needed after)


def trail_request(app_id: str, table: str, hide: Sequence[str] = (), image_id: str | None = None) -> dict:
    """The trail of one application, newest first; without the actions `hide`, or only one image's."""
    request: dict[str, Any] = {
        "TableName": table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :trail)",
        "ExpressionAttributeValues": {":pk": {"S": keys.app_pk(app_id)}, ":trail": {"S": keys.TRAIL}},
        "ScanIndexForward": False}
    filters, names = [], {}
    if hide:
        names["#action"] = "action"
        hidden = [f":h{i}" for i in range(len(hide))]
        request["ExpressionAttributeValues"].update({h: {"S": a} for h, a in zip(hidden, hide, strict=True)})
        filters.append(f"NOT (#action IN ({', '.join(hidden)}))")
    if image_id is not None:
        names["#image"] = "imageId"
        request["ExpressionAttributeValues"][":image"] = {"S": image_id}
        filters.append("#image = :image")
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
        request["ExpressionAttributeNames"] = names
    return request


def trail_page(app_id: str, limit: int, start: dict | None, hide: Sequence[str] = (),
               image_id: str | None = None) -> tuple[list[AuditEntry], dict | None]:
    """Up to `limit` entries older than `start` (a key this function gave back; None: the newest), oldest
    first, and the key older ones continue from (None: there are none). One more entry than asked is
    read, so a page with nothing after it has no key. A filtered list reads on while its page is not
    full, each Query reading four times as many as the one before (one image's entries may be few and
    far between), at most ROUNDS of them."""
    request = trail_request(app_id, calls.table(), hide, image_id)
    found: list[dict] = []
    last, read = start, limit + 1
    for _ in range(ROUNDS):
        items, last = calls.page(request, read, last)
        found += items
        if len(found) > limit:
            found = found[:limit]
            last = {"PK": found[-1]["PK"], "SK": found[-1]["SK"]}
            break
        if last is None:
            break
        read *= 4
    return [audit_from(i) for i in reversed(found)], last


def view_items(app: Application, entry: AuditEntry, hour: int, table: str, until: int | None = None) -> list[dict]:
    """The hour's marker, only if new, with the `viewed` entry: both or neither."""
    marker = {"PK": keys.app_pk(app.id), "SK": keys.viewed_sk(hour, entry.actor), "kind": "view_marker",
              "ttl": (hour + VIEW_MARKER_HOURS) * 3600}
    return retain([{"Put": {"TableName": table, "Item": encode(marker), "ConditionExpression": "attribute_not_exists(PK)"}},
                   {"Put": {"TableName": table, "Item": encode(audit_item(app.id, entry))}}], until)


def record_view(app: Application, entry: AuditEntry, hour: int) -> bool:
    """Put a staff read on the trail unless this person's read of this hour is there: True if written."""
    return calls.created(view_items(app, entry, hour, calls.table(), keep(app.exam_year)))
