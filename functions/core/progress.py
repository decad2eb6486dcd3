"""Where an application stands once its images change: complete or not, back in the queue or not.

Computed from the images as they will be after a change and written in the same transaction as the
change, conditional on the version it was computed from (core.plan), so it can never drift."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from core.catalog import catalog
from core.models import PROCESSED_OK, Application, AppStatus, AuditEntry, Image, ImageStatus
from core.transitions import Actor, next_status


def complete(app: Application, images: list[Image]) -> bool:
    """Every required material type has at least minCount validated images (R3, R10)."""
    ok = Counter(i.material_type for i in images if i.status in PROCESSED_OK)
    return all(ok[m.type] >= m.min_count for m in catalog().requirements(app.region, app.site))


def ready_for_review(app: Application, images: list[Image]) -> bool:
    return complete(app, images) and not any(i.status is ImageStatus.NEEDS_REVISION for i in images)


def settle(app: Application, images: list[Image], at: str) -> tuple[Application, list[AuditEntry]]:
    """Queue membership after a candidate's or the processor's change (issue 6): a complete DRAFT waits
    in its site's queue from the moment it became complete (R15); a RETURNED application whose flagged
    images were all replaced goes back to DRAFT (填报) and into the queue by itself (R16, R21)."""
    audit: list[AuditEntry] = []
    ready = ready_for_review(app, images)
    status = app.status
    if status is AppStatus.RETURNED and ready:
        status = next_status(status, "resubmit", Actor.CANDIDATE)
        audit.append(AuditEntry(at=at, actor=app.candidate_id, role="candidate", action="resubmitted",
                                from_status=AppStatus.RETURNED, to_status=status))
    queue, ready_at = app.queue, app.ready_at
    if status is AppStatus.DRAFT:
        if ready and queue != "SITE":
            queue, ready_at = "SITE", at
        elif not ready:
            queue, ready_at = None, None
    return replace(app, status=status, queue=queue, ready_at=ready_at), audit
