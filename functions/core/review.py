"""The reviewers' rules (R13-R21): who reviews an application at which level, per-image decisions
that lock (R13, R14) or flag an image, and the application decisions of the two levels (R18, R19).
Pure decisions: each returns a Plan (committed under the reviewer's live claim and the version they
saw) or raises the contract error."""

from __future__ import annotations

from dataclasses import replace

from core.access import can_see
from core.errors import DomainError
from core.identity import Caller
from core.models import Application, AppStatus, AuditEntry, ImageStatus, Snapshot
from core.page import visible_images
from core.plan import Plan
from core.progress import complete
from core.reasons import REVIEW_REASONS
from core.transitions import Actor, next_status
from core.uploads import with_status

# Which level reviews an application in which status, and with which role (R18).
LEVEL_OF_STATUS = {AppStatus.DRAFT: Actor.SITE, AppStatus.SITE_APPROVED: Actor.REGION}
ROLE_OF_LEVEL = {Actor.SITE: "site_reviewer", Actor.REGION: "region_reviewer"}


def in_scope(caller: Caller, app: Application | None) -> Application:
    """Reviewers see only their own site / region; everything else is 404 (it does not exist for them)."""
    # Nobody reviews their own application, whatever roles they hold.
    if app is None or not can_see(caller, app) or app.candidate_id == caller.sub:
        raise DomainError("NOT_FOUND")
    return app


def level_for(caller: Caller, app: Application) -> Actor:
    """The level the caller reviews this application at, given its status; else INVALID_TRANSITION."""
    level = LEVEL_OF_STATUS.get(app.status)
    if level is None:
        raise DomainError("INVALID_TRANSITION", f"nothing to review in status {app.status.value}")
    role = ROLE_OF_LEVEL[level]
    scope_ok = (app.site == caller.site) if level is Actor.SITE else (app.region == caller.region)
    if not caller.has(role) or not scope_ok:
        raise DomainError("INVALID_TRANSITION", f"this application waits for the {level.value.lower()} level")
    return level


def claimable(caller: Caller, app: Application) -> Actor:
    level = level_for(caller, app)
    if level is Actor.SITE and app.queue != "SITE":
        raise DomainError("INCOMPLETE_MATERIALS", "the application is not complete yet")
    return level


def holds_claim(caller: Caller, app: Application, now: int) -> None:
    if app.claimed_by != caller.sub or not app.claim_expires_at or app.claim_expires_at <= now:
        if app.claimed_by and app.claimed_by != caller.sub and (app.claim_expires_at or 0) > now:
            raise DomainError("CLAIMED_BY_OTHER")
        raise DomainError("NOT_CLAIMED")


def decide_image(snap: Snapshot | None, caller: Caller, image_id: str, decision: str, version: int,
                 reason_code: str | None, note: str | None, now: int, at: str) -> Plan:
    app = in_scope(caller, snap.application if snap else None)
    level = level_for(caller, app)
    holds_claim(caller, app, now)
    image = snap.image(image_id)
    if image is None:
        # Deleted or replaced by the candidate since the reviewer looked: the version they saw is gone.
        if any(e.image_id == image_id for e in snap.audit):
            raise DomainError("STALE_VERSION")
        raise DomainError("NOT_FOUND")
    if image.version != version:
        raise DomainError("STALE_VERSION")
    if decision == "approve":
        if level is not Actor.SITE:
            raise DomainError("INVALID_TRANSITION", "images are approved at the site level")
        if image.status not in (ImageStatus.SUBMITTED, ImageStatus.NEEDS_REVISION, ImageStatus.APPROVED):
            raise DomainError("INVALID_TRANSITION", f"an image in {image.status.value} cannot be approved")
        new = with_status(image, ImageStatus.APPROVED, review_reason_code=None, review_note=None,
                          decided_at=at, decided_by=caller.sub)
        action, code = "image_approved", None
    else:
        if reason_code not in REVIEW_REASONS:
            raise DomainError("INVALID_REQUEST", "reasonCode must be one of " + ", ".join(REVIEW_REASONS))
        if image.status not in (ImageStatus.SUBMITTED, ImageStatus.APPROVED, ImageStatus.NEEDS_REVISION):
            raise DomainError("INVALID_TRANSITION", f"an image in {image.status.value} cannot be sent back")
        new = with_status(image, ImageStatus.NEEDS_REVISION, review_reason_code=reason_code, review_note=note,
                          decided_at=at, decided_by=caller.sub)
        action, code = "image_revise", reason_code
    return Plan(
        before=app, after=app.changed(at), now=now, claim_holder=caller.sub, put_images=[(new, image.version)],
        audit=[AuditEntry(at=at, actor=caller.sub, role=ROLE_OF_LEVEL[level], action=action, image_id=image_id,
                          material_type=image.material_type, from_status=image.status, to_status=new.status,
                          note=note, reason_code=code, level=level.value)],
    )


def decide_application(snap: Snapshot | None, caller: Caller, decision: str, version: int, comment: str | None,
                       now: int, at: str) -> Plan:
    app = in_scope(caller, snap.application if snap else None)
    if app.version != version:
        raise DomainError("STALE_VERSION")  # first: a decision on what the reviewer did not see never lands
    level = level_for(caller, app)
    holds_claim(caller, app, now)
    to = next_status(app.status, decision, level)
    if decision in ("return", "reject") and not comment:
        raise DomainError("INVALID_REQUEST", "a comment is required: the candidate reads it at the top of the page (R16)")
    images = [i for i in visible_images(snap, now) if i.status is not ImageStatus.INVALID]
    if decision == "approve" and level is Actor.SITE and (
            not complete(app, images) or any(i.status is not ImageStatus.APPROVED for i in images)):
        raise DomainError("INCOMPLETE_MATERIALS")
    if decision == "approve" and level is Actor.REGION and (app.site_decision or {}).get("by") == caller.sub:
        raise DomainError("SEPARATION_OF_DUTIES")
    record = {"decision": decision, "by": caller.sub, "at": at, "comment": comment}
    after = app.changed(at, status=to, claimed_by=None, claim_expires_at=None,
                        queue="REGION" if to is AppStatus.SITE_APPROVED else None,
                        ready_at=at if to is AppStatus.SITE_APPROVED else None)
    after = replace(after, **({"site_decision": record} if level is Actor.SITE else {"region_decision": record}))
    return Plan(
        before=app, after=after, now=now, claim_holder=caller.sub,
        audit=[AuditEntry(at=at, actor=caller.sub, role=ROLE_OF_LEVEL[level], action=decision, from_status=app.status,
                          to_status=to, note=comment, level=level.value)],
    )


def set_phase(snap: Snapshot | None, caller: Caller, status: str, now: int, at: str) -> Plan:
    """Later phases of the exam cycle (R20), set by the exam office."""
    if snap is None:
        raise DomainError("NOT_FOUND")
    app = snap.application
    to = next_status(app.status, status, Actor.OFFICE)
    return Plan(before=app, after=app.changed(at, status=to), now=now,
                audit=[AuditEntry(at=at, actor=caller.sub, role="exam_office", action="phase", from_status=app.status,
                                  to_status=to)])


def image_histories(snap: Snapshot) -> dict[str, list[dict]]:
    """Each image's history for reviewers, including images the candidate deleted or replaced."""
    out: dict[str, list[dict]] = {}
    for e in snap.audit:
        if e.image_id:
            out.setdefault(e.image_id, []).append({
                "at": e.at, "action": e.action, "from": e.from_status, "to": e.to_status, "actor": e.actor,
                "role": e.role, "reasonCode": e.reason_code, "note": e.note, "materialType": e.material_type})
    return out
