"""The review function's use cases (R13-R21): ordered queues, claims, the review page, per-image and
application decisions, later phases, and the exam office's search, season view and watermark trace."""

from __future__ import annotations

import statistics

from core import catalog, clock, cursor, db, history, idnumber, references, season, storage, views
from core import contract as c
from core import page as pages
from core.access import reviews
from core.catalog import Catalog, Site
from core.clock import Now, iso, parse_iso
from core.errors import DomainError
from core.identity import Caller
from core.models import Application, AppStatus, Image, Level, Snapshot
from core.plan import Plan
from core.progress import PROGRESS, progress
from core.settings import settings
from core.transact import transact
from review import rules

_QUEUE_KEYS = frozenset({"PK", "SK", "QueuePK", "QueueSK"})
_SITE_KEYS = frozenset({"PK", "SK", "SitePK", "SiteSK"})


def _queue_of(caller: Caller, level: str | None) -> tuple[Level, str]:
    wanted = Level(level.upper()) if level else (Level.SITE if caller.has("site_reviewer") else Level.REGION)
    if wanted is Level.SITE and caller.has("site_reviewer") and caller.site:
        return Level.SITE, caller.site
    if wanted is Level.REGION and caller.has("region_reviewer") and caller.region:
        return Level.REGION, caller.region
    raise DomainError("FORBIDDEN", f"This sign-in has no {wanted.label_en.lower()} review scope.",
                      f"当前登录没有{wanted.label}审核范围。")


def queue(caller: Caller, level: str | None, limit: int, after: str | None) -> c.QueuePage:
    """The caller's queue in the order applications first became ready (R15), one index Query per page.
    The caller's own application, if it is there, does not exist for them as a reviewer."""
    level_, scope = _queue_of(caller, level)
    name = db.queue_pk(level_, scope)
    start = cursor.decode(name, after, _QUEUE_KEYS)
    key = cursor.start_key(start["k"], ("QueuePK", name), ("QueueSK", "")) if start else None
    apps, last = db.queue_page(level_, scope, limit, key)
    now = clock.now().seconds
    return c.QueuePage(level=level_.value, items=[views.queue_item(a, now, db.shown_window(a.exam_year, a.region))
                                                  for a in apps if a.candidate_id != caller.sub],
                       nextCursor=cursor.encode(name, last))


def claim(caller: Caller, app_id: str) -> c.Claim:
    cmd = rules.Claim(caller=caller, ttl=settings().claim_ttl)
    # someone else moved first: decided again, the fresh read says who
    _, took = transact(app_id, lambda snap, now: rules.claim(snap, cmd, now), application_only=True)
    return c.Claim(claimedBy=caller.sub, level=took.level.value, expiresAt=iso(took.expires_at),
                   expiresAtEpoch=took.expires_at)


def release(caller: Caller, app_id: str) -> None:
    transact(app_id, lambda snap, now: (rules.release(snap, caller, now), None), application_only=True)


def review_page(caller: Caller, app_id: str) -> c.ReviewPage:
    """The application's items (one Query) and the trail's newest entries (another); the read is on the
    trail before the page is sent."""
    snap = rules.scoped(caller, db.load(app_id, with_audit=False))
    snap.window = db.shown_window(snap.application.exam_year, snap.application.region)
    now = clock.now()
    history.note_read(caller, snap.application, now)
    snap.audit, older = history.newest(pages.AUDIT, app_id)
    return pages.review_page(snap, now.seconds, storage.material_url, storage.sample_url, older)


def audit(caller: Caller, app_id: str, after: str | None) -> c.AuditPage:
    """The audit list's entries before the cursor (50 at most), oldest first."""
    rules.in_scope(caller, db.get_application(app_id))
    entries, more = history.older(pages.AUDIT, app_id, after)
    return c.AuditPage(items=pages.audit_entries(entries), nextCursor=more)


def image_history(caller: Caller, app_id: str, image_id: str, after: str | None) -> c.AuditPage:
    """One image's entries before the cursor (50 at most), oldest first; its deleted images' too."""
    rules.in_scope(caller, db.get_application(app_id))
    entries, more = history.older(pages.HISTORY, app_id, after, image_id)
    return c.AuditPage(items=pages.audit_entries(entries), nextCursor=more)


def decide_image(caller: Caller, app_id: str, image_id: str, body: c.ImageDecision) -> c.ImageDecisionOut:
    cmd = rules.DecideImage(caller=caller, image_id=image_id, decision=body.decision, version=body.version,
                             reason_code=body.reasonCode, note=body.note)
    def decide(snap: Snapshot | None, now: Now) -> tuple[Plan, Image]:
        return rules.decide_image(snap, cmd, now)

    try:  # without the trail: however long it grows, a decision reads the application's items only
        plan, image = transact(app_id, decide)
    except DomainError as e:
        if e.code != "NOT_FOUND":
            raise
        # The image is not there: only the trail tells one the candidate replaced (STALE_VERSION) from
        # one that never was, so read it for this rare answer alone.
        plan, image = transact(app_id, decide, with_audit=True)
    return c.ImageDecisionOut(imageId=image.image_id, status=image.status.value, statusLabel=image.label,
                              locked=image.locked, version=image.version, applicationVersion=plan.after.version)


def approve_passed(caller: Caller, app_id: str, body: c.ApprovePassed) -> tuple[c.ReviewPage, int]:
    """Every SUBMITTED image whose pre-checks passed, approved in one transaction; the page after it, and
    how many were approved (0: none qualified, nothing written)."""
    cmd = rules.ApprovePassed(caller=caller, version=body.version)
    decided = transact(app_id, lambda snap, now: rules.approve_passed(snap, cmd, now))  # the trail not needed
    return review_page(caller, app_id), len(decided[1]) if decided else 0


def decide_application(caller: Caller, app_id: str, body: c.ApplicationDecision) -> c.ApplicationOut:
    asks = tuple(rules.Ask(type=r.type, count=r.count, note=r.note) for r in body.requests or ())
    cmd = rules.DecideApplication(caller=caller, decision=body.decision, version=body.version, comment=body.comment,
                                   requests=asks)
    plan, _ = transact(app_id, lambda snap, now: (rules.decide_application(snap, cmd, now), None))
    return views.application_view(plan.after, clock.now().seconds)


def set_phase(caller: Caller, app_id: str, body: c.Phase) -> c.ApplicationOut:
    cmd = rules.SetPhase(caller=caller, status=body.status)
    plan, _ = transact(app_id, lambda snap, now: (rules.set_phase(snap, cmd, now), None))
    return views.application_view(plan.after, clock.now().seconds)


# ---------------------------------------------------------------- the exam office

def _sites_in_scope(caller: Caller, region: str | None, site: str | None, places: Catalog | None = None) -> list[Site]:
    """The sites a caller may list, narrowed by the filters: a site reviewer their site, a region
    reviewer their region's, the exam office every one (in the newest catalogue's order)."""
    sites = (places or catalog.current()).sites(region)
    if site is not None:
        sites = [s for s in sites if s.code == site]
    if caller.has("exam_office"):
        return sites
    return [s for s in sites if (caller.has("site_reviewer") and s.code == caller.site)
            or (caller.has("region_reviewer") and s.region == caller.region)]


def _matches(app: Application, caller: Caller, status: str | None, region: str | None, site: str | None) -> bool:
    return (reviews(caller, app) and app.candidate_id != caller.sub and (status is None or app.status.value == status)
            and (region is None or app.region == region) and (site is None or app.site == site))


def search(caller: Caller, status: str | None, region: str | None, site: str | None, q: str | None, limit: int,
           after: str | None) -> c.SearchPage:
    """Any application in the caller's scope: by exact application id, id number or candidate name
    (`q`, from the lookup items written at registration), else by site and status (the BySite index),
    walking the sites in catalogue order. Never a Scan."""
    now = clock.now().seconds
    places = catalog.current()  # an index row does not say which version it was registered under
    if q:
        q = q.strip()
        ids = sorted(set(db.by_id_number(idnumber.normalise(q)) + db.by_name(q) + [q]))
        scope = f"q:{q}:{status or ''}:{region or ''}:{site or ''}"
        start = cursor.decode(scope, after, frozenset())
        offset = start.get("n") if start else 0
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= len(ids):
            raise cursor.invalid()
        # a common name may match thousands: read the ids a page at a time, in a fixed order
        found: list[c.SearchItem] = []
        n = offset
        while n < len(ids) and len(found) < limit:
            chunk = ids[n:n + limit - len(found)]
            n += len(chunk)
            found += [views.search_item(a, now, places) for a in db.get_applications(chunk)
                      if _matches(a, caller, status, region, site)]
        return c.SearchPage(items=found, nextCursor=cursor.encode(scope, {}, n=n) if n < len(ids) else None)
    scope = f"search:{status or ''}:{region or ''}:{site or ''}"
    sites = [s.code for s in _sites_in_scope(caller, region, site, places)]
    start = cursor.decode(scope, after, _SITE_KEYS)
    index, last = 0, None
    if start:
        if start.get("s") not in sites:
            raise cursor.invalid()
        index = sites.index(start["s"])
        last = cursor.start_key(start["k"], ("SitePK", db.site_pk(start["s"])), ("SiteSK", db.site_sk_prefix(status)),
                                may_be_empty=True)
    items: list[c.SearchItem] = []
    while index < len(sites) and len(items) < limit:
        rows, last = db.site_page(sites[index], status, limit - len(items), last)
        items += [views.search_item(a, now, places) for a in map(db.application_from, rows)
                  if a.candidate_id != caller.sub]
        if last is None:
            index += 1
    done = index >= len(sites)
    return c.SearchPage(items=items, nextCursor=None if done else cursor.encode(scope, last or {}, s=sites[index]))


def _percentile(values: list[int], p: float) -> int | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(p * 100) - 1])


def stats(caller: Caller, region: str | None, site: str | None) -> c.Stats:
    """Per site, as of now: counts by status and by progress, how long the applications now waiting in a
    queue have waited (from readyAt), and how many are past the deadline that applies to them (the exam
    season's windows, read once a minute). One BySite Query (or more past 1 MB) per site."""
    now = clock.now()
    out = []
    places = catalog.current()
    for s in _sites_in_scope(caller, region, site, places):
        apps = [a for a in map(db.application_from, db.site_all(s.code)) if a.candidate_id != caller.sub]
        by_status = {status.value: 0 for status in AppStatus}
        by_progress = dict.fromkeys(PROGRESS, 0)
        late = dict.fromkeys(("siteReview", "regionReview", "filling", "returned"), 0)
        waits = []
        for a in apps:
            by_status[a.status.value] = by_status.get(a.status.value, 0) + 1
            by_progress[progress(a, now.seconds)] += 1
            what = season.overdue(a, db.shown_window(a.exam_year, a.region), now.seconds)
            if what:
                late[what] += 1
            if a.queue is not None and a.ready_at:
                waits.append(max(0, int(now.epoch - parse_iso(a.ready_at))))
        out.append(c.SiteStats(site=s.code, siteName=s.name, region=s.region, regionName=places.region_name(s.region),
                               byStatus=by_status, byProgress=by_progress,
                               waiting=c.Waiting(count=len(waits), p50Seconds=_percentile(waits, 0.5),
                                                 p90Seconds=_percentile(waits, 0.9)), overdue=c.Overdue(**late)))
    return c.Stats(asOf=now.iso, sites=out)


def trace(caller: Caller, reference: str) -> c.Trace:
    """Whose image a leaked copy is, from the reference drawn in its watermark (R7)."""
    meant = references.normalise(reference)
    found = db.get_reference(meant) if meant else None
    if found is None:
        raise DomainError("NOT_FOUND")
    app = rules.in_scope(caller, db.get_application(found["applicationId"]))
    return c.Trace(reference=found["reference"], applicationId=app.id, imageId=found["imageId"],
                   type=found["materialType"], candidateName=app.candidate_name,
                   idNumberMasked=idnumber.masked(app.id_number), watermarkedAt=found["watermarkedAt"])
