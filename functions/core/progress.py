"""Where an application stands: complete or not, back in the queue or not, and in words (R17, R19).

`settle` is computed from the images as they will be after a change and written in the same
transaction as the change, conditional on the version it was computed from (core.plan), so queue
membership can never drift from the images. `progress` derives the candidate's wording from the
application item alone, so the status poll stays one GetItem.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from core import catalog
from core.catalog import MaterialType
from core.clock import Now
from core.models import (
    PROCESSED_OK,
    REVIEWABLE,
    Application,
    AppStatus,
    AuditEntry,
    Image,
    ImageStatus,
    Level,
)
from core.transitions import Actor, next_status

# application.progress (api-contract.md "Where the candidate stands"): code -> (label, labelEn)
PROGRESS: dict[str, tuple[str, str]] = {
    "FILLING": ("填报中", "Filling in: something required is missing or not accepted"),
    "WAITING_SITE_REVIEW": ("已提交,等待考点审核", "Submitted, waiting for the exam site's review"),
    "IN_SITE_REVIEW": ("考点审核中", "The exam site is reviewing"),
    "RETURNED": ("退回修改", "Returned: fix what the comments at the top say"),
    "WAITING_REGION_REVIEW": ("等待考区审核", "Site review passed, waiting for the exam region's review"),
    "IN_REGION_REVIEW": ("考区审核中", "The exam region is reviewing"),
    "APPROVED": ("审核通过", "Approved"),
    "REJECTED": ("审核拒绝", "Rejected"),
    "READY_FOR_EXAM": ("备考", "Preparing for the exam"),
    "PASSED": ("通过", "Passed"),
    "FAILED": ("未通过", "Not passed"),
}


def progress(app: Application, now: int) -> str:
    if app.status is AppStatus.DRAFT:
        if app.queue is not Level.SITE:
            return "FILLING"
        return "IN_SITE_REVIEW" if app.claim_live(now) else "WAITING_SITE_REVIEW"
    if app.status is AppStatus.SITE_APPROVED:
        return "IN_REGION_REVIEW" if app.claim_live(now) else "WAITING_REGION_REVIEW"
    return app.status.value


def materials_for(app: Application) -> list[MaterialType]:
    """The application's slots: those of the catalogue version it was registered under, for its region,
    site and household region (R3), with a slot's maximum grown where a reviewer asked for more images
    than it holds (R16, R21)."""
    wanted = {r.type: r.wanted for r in app.requests}
    out = []
    for m in catalog.of(app).requirements(app.region, app.site, app.household_region or None):
        if wanted.get(m.type, 0) > m.max_count:
            m = replace(m, max_count=wanted[m.type])
        out.append(m)
    return out


def good_counts(images: list[Image]) -> Counter:
    return Counter(i.material_type for i in images if i.status in PROCESSED_OK)


def complete(app: Application, images: list[Image]) -> bool:
    """Every required material type has at least minCount validated images (R3, R10)."""
    ok = good_counts(images)
    return all(ok[m.type] >= m.min_count for m in materials_for(app))


def requests_met(app: Application, images: list[Image]) -> bool:
    ok = good_counts(images)
    return all(ok[r.type] >= r.wanted for r in app.requests)


def ready_for_review(app: Application, images: list[Image]) -> bool:
    return (complete(app, images) and requests_met(app, images)
            and not any(i.status is ImageStatus.NEEDS_REVISION for i in images))


def settle(app: Application, images: list[Image], now: Now) -> tuple[Application, list[AuditEntry]]:
    """Queue membership after a candidate's or the processor's change: a complete DRAFT waits in its
    site's queue at the place it first took there (R15); a RETURNED application whose flagged images
    were all replaced and whose requests are all met goes back to DRAFT (填报) and into the queue by
    itself (R16, R21)."""
    audit: list[AuditEntry] = []
    ready = ready_for_review(app, images)
    status = app.status
    if status is AppStatus.RETURNED and ready:
        status = next_status(status, "resubmit", Actor.CANDIDATE)
        audit.append(AuditEntry(at=now.iso, actor=app.candidate_id, role="candidate", action="resubmitted",
                                from_status=AppStatus.RETURNED, to_status=status))
    queue, ready_at, first = app.queue, app.ready_at, app.site_first_ready_at
    if status is AppStatus.DRAFT:
        if ready and queue is not Level.SITE:
            queue, ready_at, first = Level.SITE, now.iso, first or now.iso
        elif not ready:
            queue, ready_at = None, None
    shown = [i for i in images if i.status in REVIEWABLE]
    return replace(app, status=status, queue=queue, ready_at=ready_at, site_first_ready_at=first,
                   image_count=len(shown), warning_count=sum(len(i.quality_warnings) for i in shown)), audit
