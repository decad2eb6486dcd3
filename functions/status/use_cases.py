"""The status function's use cases: registration intake, the candidate's list (R2), the materials
page and the cheap status poll (R19, R20)."""

from __future__ import annotations

from core import catalog, clock, db, history, storage, views
from core import contract as c
from core import page as pages
from core.access import visible
from core.errors import DomainError
from core.identity import Caller
from core.models import Application
from core.notifications import upload_page
from core.settings import settings
from core.transact import retry
from status import registration


def register(app_id: str, body: c.Registration) -> tuple[c.Registered, bool]:
    """Idempotent intake from the registration system: created the first time, the same data again
    is answered as it is, different data for the same id is APPLICATION_EXISTS, a second application
    of the person in the exam year DUPLICATE_REGISTRATION. Registered under the newest catalogue (read
    once, consistently). The answer links the upload page, where the registration system leads the
    candidate next (R1)."""
    now = clock.now()
    app, entry = registration.application(app_id, body, now, catalog.current(consistent=True))

    def seen(attempt: int) -> registration.Seen:
        if attempt == 0:
            return registration.Seen()  # tried as new first: its conditions say if it is not
        return registration.Seen(db.get_application(app_id), db.registered_as(app.exam_year, app.id_number))

    _, (app, created) = retry(seen, lambda s, _: registration.decide(s, app, entry),
                              lambda plan: db.create_application(*plan), {"application": app_id})
    web_url = settings().web_url
    return views.registered_view(app, now.seconds, upload_page(web_url, app_id) if web_url else None), created


def my_applications(caller: Caller) -> c.ApplicationList:
    now = clock.now().seconds
    return c.ApplicationList(items=[views.summary(a, now) for a in db.list_applications(caller.sub)])


def materials_page(caller: Caller, app_id: str) -> c.Page:
    return tagged_page(caller, app_id)[0]


def tagged_page(caller: Caller, app_id: str) -> tuple[c.Page, str]:
    """The whole upload page: the application's items (one Query) and its timeline's newest entries
    (another), URLs signed locally; the season's window from a minute-long cache (the countdown; a change
    checks the window itself). A staff member's read is on the trail before the page is sent. With the
    status's ETag of the same read: the page's poll starts from it, so an open is one request."""
    snap = db.load(app_id, with_audit=False)
    if snap is None:
        raise DomainError("NOT_FOUND")
    visible(caller, snap.application)
    snap.window = db.shown_window(snap.application.exam_year, snap.application.region)
    now = clock.now()
    history.note_read(caller, snap.application, now)
    snap.audit, older = history.newest(pages.TIMELINE, app_id)
    page = pages.candidate_page(snap, now.seconds, storage.material_url, storage.sample_url, older)
    return page, views.etag(snap.application, now.seconds)


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
