"""An application's trail as the pages and lists read it (api-contract.md "Pages stay small", "Staff reads of
identity data are audited"): the newest entries a page shows, the older ones a list's cursor leads to,
and the `viewed` entry a staff member's read of identity data leaves. Shared by the status function
(the upload page, the timeline) and the review function (the review page, the audit list, an image's
history)."""

from __future__ import annotations

from core import access, cursor, db
from core.clock import Now
from core.identity import Caller
from core.models import Application, AuditEntry
from core.page import HIDDEN, PAGE_SIZE, TIMELINE, trail_cursor, trail_scope

TRAIL_KEYS = frozenset({"PK", "SK"})


def _hidden(list_: str) -> tuple[str, ...]:
    return HIDDEN if list_ == TIMELINE else ()


def newest(list_: str, app_id: str) -> tuple[list[AuditEntry], dict | None]:
    """A page's entries of the list, and where the older ones start (None: there are none)."""
    return db.trail_page(app_id, PAGE_SIZE, None, _hidden(list_))


def older(list_: str, app_id: str, after: str | None, image_id: str | None = None) -> tuple[list[AuditEntry], str | None]:
    """The entries before a cursor this list issued (without one: the newest), and the cursor to the
    ones before them. A cursor of another list, application or image is INVALID_REQUEST."""
    data = cursor.decode(trail_scope(list_, app_id, image_id), after, TRAIL_KEYS)
    start = cursor.start_key(data["k"], ("PK", db.app_pk(app_id)), ("SK", db.TRAIL)) if data else None
    entries, last = db.trail_page(app_id, PAGE_SIZE, start, _hidden(list_), image_id)
    return entries, trail_cursor(list_, app_id, last, image_id)


def note_read(caller: Caller, app: Application, now: Now) -> bool:
    """A staff member's read of the application's identity data, on its trail at most once an hour per
    person (a conditional write on the hour's key; True if this read wrote it). Before the data is sent:
    a read that cannot be recorded is not served (TRY_AGAIN)."""
    seen = access.viewed(caller, app, now)
    return db.record_view(app, *seen) if seen else False
