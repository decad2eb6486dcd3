"""Response shapes of api-contract.md, built from domain objects (camelCase, both languages)."""

from __future__ import annotations

from core import catalog, idnumber, season
from core import contract as c
from core.catalog import Catalog
from core.clock import iso_of_epoch
from core.models import Application, Level, Window
from core.progress import PROGRESS, progress


def progress_view(app: Application, now: int) -> c.Progress:
    code = progress(app, now)
    label, label_en = PROGRESS[code]
    return c.Progress(code=code, label=label, labelEn=label_en)


def _place(app: Application, places: Catalog | None = None) -> dict:
    """Its region's and site's names: those of the catalogue it was registered under, or `places` (a list
    read from an index, whose rows do not say which version they were registered under)."""
    places = places or catalog.of(app)
    site = places.site(app.site)
    return {"region": app.region, "regionName": places.region_name(app.region), "site": app.site,
            "siteName": site.name if site else None}


def application_view(app: Application, now: int) -> c.ApplicationOut:
    return c.ApplicationOut(
        id=app.id, candidateId=app.candidate_id, candidateName=app.candidate_name, idNumber=app.id_number,
        idNumberMasked=idnumber.masked(app.id_number), householdRegion=app.household_region,
        householdRegionName=catalog.of(app).household_regions.get(app.household_region), **_place(app),
        category=app.category, examYear=app.exam_year, status=app.status.value, statusLabel=app.label,
        statusLabelEn=app.label_en, progress=progress_view(app, now), version=app.version,
        createdAt=app.created_at, updatedAt=app.updated_at, catalogueVersion=app.catalogue_version)


def registered_view(app: Application, now: int, upload_page_url: str | None) -> c.Registered:
    """The registration system's answer: the application, and where it sends the candidate next (R1)."""
    return c.Registered(**application_view(app, now).model_dump(), uploadPageUrl=upload_page_url)


def review_application_view(app: Application, now: int) -> c.ReviewApplicationOut:
    live = app.claim_live(now)
    return c.ReviewApplicationOut(
        **application_view(app, now).model_dump(),
        claimedBy=app.claimed_by if live else None,
        claimExpiresAt=iso_of_epoch(app.claim_expires_at) if live else None,
        claimExpiresAtEpoch=app.claim_expires_at if live else None,
        queue=app.queue.value if app.queue else None, readyAt=app.ready_at,
        firstReadyAt=app.first_ready_at(app.queue) if app.queue else None, reReview=_re_review(app))


def status_view(app: Application, now: int) -> c.StatusOut:
    return c.StatusOut(status=app.status.value, statusLabel=app.label, statusLabelEn=app.label_en,
                       progress=progress_view(app, now), version=app.version, updatedAt=app.updated_at)


def summary(app: Application, now: int) -> c.ApplicationSummary:
    return c.ApplicationSummary(id=app.id, status=app.status.value, statusLabel=app.label,
                                statusLabelEn=app.label_en, progress=progress_view(app, now), **_place(app),
                                category=app.category, examYear=app.exam_year, updatedAt=app.updated_at)


def etag(app: Application, now: int) -> str:
    """Changes whenever anything on the application's page changes: every change bumps `version`, and
    the progress also moves when a reviewer takes or loses the application (claims keep the version)."""
    return f'"{app.id}.{app.version}.{progress(app, now)}"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [t.strip() for t in if_none_match.split(",")]
    return "*" in candidates or any(t.removeprefix("W/") == tag for t in candidates)


def _level(app: Application) -> Level:
    """The level whose review the application waits for, or is in."""
    return app.queue or (Level.REGION if app.status.value == "SITE_APPROVED" else Level.SITE)


def _re_review(app: Application) -> bool:
    """Whether the level it waits at has seen it before (R15's 复审): a site after any return (its own,
    or the region's, back through the site); the region only once it comes back to the region, its first
    review following the site's approval however often the site returned it before. Waiting nowhere
    (decided, or with the candidate), it is no review at all."""
    if app.queue is Level.REGION:
        return bool(app.region_first_ready_at) and app.ready_at != app.region_first_ready_at
    return app.queue is Level.SITE and app.returns > 0


def queue_item(app: Application, now: int, window: Window | None = None) -> c.QueueItem:
    """A queue's line; with its exam season's `window`, its review deadline and whether it is past."""
    live = app.claim_live(now)
    level = _level(app)
    due = season.review_due(window, app.queue) if app.queue else None
    return c.QueueItem(
        applicationId=app.id, candidateId=app.candidate_id, candidateName=app.candidate_name,
        idNumberMasked=idnumber.masked(app.id_number), region=app.region, site=app.site,
        status=app.status.value, statusLabel=app.label, readyAt=app.ready_at,
        firstReadyAt=app.first_ready_at(level), reReview=_re_review(app), imageCount=app.image_count,
        warningCount=app.warning_count,
        claimedBy=app.claimed_by if live else None,
        claimExpiresAt=iso_of_epoch(app.claim_expires_at) if live else None,
        claimExpiresAtEpoch=app.claim_expires_at if live else None,
        reviewDue=season.iso_beijing(due) if due is not None else None, overdue=due is not None and now >= due)


def search_item(app: Application, now: int, places: Catalog | None = None) -> c.SearchItem:
    place = _place(app, places)
    return c.SearchItem(**queue_item(app, now).model_dump(), regionName=place["regionName"],
                        siteName=place["siteName"], statusLabelEn=app.label_en,
                        progress=progress_view(app, now), updatedAt=app.updated_at)
