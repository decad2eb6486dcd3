"""The status function's use cases: registration intake, the candidate's list (R2), the materials
page and the cheap status poll (R19, R20)."""

from __future__ import annotations

from core import clock, db, history, storage, views
from core import contract as c
from core import page as pages
from core.access import visible
from core.errors import DomainError
from core.identity import Caller
from core.models import Application
from core.notifications import upload_page
from core.settings import settings
from status import registration


def register(app_id: str, body: c.Registration) -> tuple[c.Registered, bool]:
    """Idempotent intake from the registration system: created the first time, the same data again
    is answered as it is, different data for the same id is APPLICATION_EXISTS. The answer links the
    upload page, where the registration system leads the candidate next (R1)."""
    now = clock.now()
    app, entry = registration.application(app_id, body, now)
    created = db.create_application(app, entry)
    if not created:
        existing = db.get_application(app_id)
        if existing is None:  # created and removed in between: let the client retry
            raise DomainError("TRY_AGAIN")
        if existing.registration() != app.registration():
            raise DomainError("APPLICATION_EXISTS")
        app = existing
    web_url = settings().web_url
    return views.registered_view(app, now.seconds, upload_page(web_url, app_id) if web_url else None), created


def my_applications(caller: Caller) -> c.ApplicationList:
    now = clock.now().seconds
    return c.ApplicationList(items=[views.summary(a, now) for a in db.list_applications(caller.sub)])


def materials_page(caller: Caller, app_id: str) -> c.Page:
    """The whole upload page: the application's items (one Query) and its timeline's newest entries
    (another), URLs signed locally. A staff member's read is on the trail before the page is sent."""
    snap = db.load(app_id, with_audit=False)
    if snap is None:
        raise DomainError("NOT_FOUND")
    visible(caller, snap.application)
    now = clock.now()
    history.note_read(caller, snap.application, now)
    snap.audit, older = history.newest(pages.TIMELINE, app_id)
    return pages.candidate_page(snap, now.seconds, storage.material_url, storage.sample_url, older)


def timeline(caller: Caller, app_id: str, after: str | None) -> c.TimelinePage:
    """The timeline's entries before the cursor (50 at most), oldest first."""
    application(caller, app_id)
    entries, more = history.older(pages.TIMELINE, app_id, after)
    return c.TimelinePage(items=pages.timeline_entries(entries), nextCursor=more)


def application(caller: Caller, app_id: str) -> Application:
    return visible(caller, db.get_application(app_id))


def status(caller: Caller, app_id: str, if_none_match: str | None) -> tuple[c.StatusOut | None, str]:
    """The status and its ETag; no body (None) when the client's copy is current."""
    app = application(caller, app_id)
    now = clock.now().seconds
    tag = views.etag(app, now)
    if views.etag_matches(if_none_match, tag):
        return None, tag
    return views.status_view(app, now), tag
