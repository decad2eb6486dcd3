"""The reviewers' rules (R13-R21): who reviews an application at which level, per-image decisions
that lock (R13, R14) or flag an image, the application decisions of the two levels (R18, R19),
asking for more images on a return, and the exam office's later phases (R20).

Pure decisions: each takes a snapshot, a command and the time, and returns a Plan (committed under
the reviewer's live claim and the version they saw) or raises the contract error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from core import checks
from core.access import can_see
from core.clock import Now
from core.errors import DomainError
from core.identity import Caller
from core.models import (
    STATUS_LABELS,
    Application,
    AppStatus,
    AuditEntry,
    Image,
    ImageStatus,
    Level,
    Request,
    Snapshot,
)
from core.plan import Plan
from core.progress import complete, good_counts, materials_for
from core.reasons import REVIEW_REASONS
from core.transitions import Actor, next_status
from core.uploads import with_status

# Which level reviews an application in which status (R18).
LEVEL_OF_STATUS = {AppStatus.DRAFT: Level.SITE, AppStatus.SITE_APPROVED: Level.REGION}


@dataclass(frozen=True)
class Claim:
    caller: Caller
    ttl: int  # seconds the lease lives unless renewed


@dataclass(frozen=True)
class Claimed:
    level: Level
    expires_at: int


@dataclass(frozen=True)
class DecideImage:
    caller: Caller
    image_id: str
    decision: str  # approve | revise
    version: int
    reason_code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Ask:
    """One "add `count` more images of `type`" of a return."""

    type: str
    count: int
    note: str | None = None


@dataclass(frozen=True)
class DecideApplication:
    caller: Caller
    decision: str  # approve | return | reject
    version: int
    comment: str | None = None
    requests: tuple[Ask, ...] = ()


@dataclass(frozen=True)
class SetPhase:
    caller: Caller
    status: str


def in_scope(caller: Caller, app: Application | None) -> Application:
    """Reviewers see only their own site / region; everything else is 404 (it does not exist for them).
    Nobody reviews, or sets the phase of, their own application, whatever roles they hold."""
    if app is None or not can_see(caller, app, as_candidate=False):
        raise DomainError("NOT_FOUND")
    return app


def scoped(caller: Caller, snap: Snapshot | None) -> Snapshot:
    """The snapshot of an application in the caller's review scope (else 404, as in_scope)."""
    if snap is None:
        raise DomainError("NOT_FOUND")
    in_scope(caller, snap.application)
    return snap


def level_for(caller: Caller, app: Application) -> Level:
    """The level the caller reviews this application at, given its status; else INVALID_TRANSITION."""
    level = LEVEL_OF_STATUS.get(app.status)
    label, label_en = STATUS_LABELS[app.status]
    if level is None:
        raise DomainError("INVALID_TRANSITION", f"There is nothing to review in status {label} ({label_en}).",
                          f"状态为“{label}”的报名无需审核。")
    scope_ok = (app.site == caller.site) if level is Level.SITE else (app.region == caller.region)
    if not caller.has(level.role) or not scope_ok:
        raise DomainError("INVALID_TRANSITION",
                          f"This application waits for the {level.label_en.lower()} level, not yours.",
                          f"该报名正在等待{level.label}审核,不属于您的审核级别。")
    if level is Level.REGION and caller.sub in app.site_deciders:
        raise DomainError("SEPARATION_OF_DUTIES",
                          "You made a site-level decision on this application, so you may not review it at region level.",
                          "您已对该报名作出过考点级审核决定,不能再进行考区级审核。")
    return level


def claimable(caller: Caller, app: Application) -> Level:
    level = level_for(caller, app)
    if level is Level.SITE and app.queue is not Level.SITE:
        raise DomainError("INCOMPLETE_MATERIALS", "The application is not complete yet, so it cannot be reviewed.",
                          "该报名材料尚未齐全,暂不能审核。")
    return level


def claim(snap: Snapshot | None, cmd: Claim, now: Now) -> tuple[Plan, Claimed]:
    """Take or renew the review lease (R15): while the application waits at the caller's level, and only
    if nobody else holds a live one, which the commit checks again (a claim does not move `version`)."""
    snap = scoped(cmd.caller, snap)
    app = snap.application
    level = claimable(cmd.caller, app)
    if app.claimed_by_other(cmd.caller.sub, now.seconds):
        raise DomainError("CLAIMED_BY_OTHER")
    expires = now.seconds + cmd.ttl
    return Plan(before=app, after=replace(app, claimed_by=cmd.caller.sub, claim_expires_at=expires), now=now,
                claim_for=cmd.caller.sub,
                audit=[AuditEntry(at=now.iso, actor=cmd.caller.sub, role=level.role, action="claimed",
                                  level=level.value)]), Claimed(level, expires)


def release(snap: Snapshot | None, caller: Caller, now: Now) -> Plan:
    """Give one's live lease back (a reviewer pausing); under that same lease."""
    snap = scoped(caller, snap)
    app = snap.application
    if app.claimed_by != caller.sub or not app.claim_live(now.seconds):
        raise DomainError("NOT_CLAIMED")
    role = app.queue.role if app.queue else next(iter(caller.groups & {"site_reviewer", "region_reviewer"}), "")
    return Plan(before=app, after=replace(app, claimed_by=None, claim_expires_at=None), now=now,
                claim_holder=caller.sub,
                audit=[AuditEntry(at=now.iso, actor=caller.sub, role=role, action="claim_released",
                                  level=app.queue.value if app.queue else None)])


def holds_claim(caller: Caller, app: Application, now: Now) -> None:
    if app.claimed_by_other(caller.sub, now.seconds):
        raise DomainError("CLAIMED_BY_OTHER")
    if not app.claim_live(now.seconds):
        raise DomainError("NOT_CLAIMED")


def _deciders(app: Application, level: Level, sub: str) -> tuple[str, ...]:
    if level is not Level.SITE or sub in app.site_deciders:
        return app.site_deciders
    return (*app.site_deciders, sub)


def decide_image(snap: Snapshot | None, cmd: DecideImage, now: Now) -> tuple[Plan, Image]:
    caller = cmd.caller
    snap = scoped(caller, snap)
    app = snap.application
    level = level_for(caller, app)
    holds_claim(caller, app, now)
    image = snap.image(cmd.image_id)
    if image is None:
        # Deleted or replaced by the candidate since the reviewer looked: the version they saw is gone.
        if any(e.image_id == cmd.image_id for e in snap.audit):
            raise DomainError("STALE_VERSION", "The candidate replaced this image since you loaded the page. Reload.",
                              "考生已更换该图片,请刷新页面。")
        raise DomainError("NOT_FOUND")
    if image.version != cmd.version:
        raise DomainError("STALE_VERSION")
    new, entry = _decided(image, cmd, level, now)
    after = replace(app.changed(now.iso), site_deciders=_deciders(app, level, caller.sub))
    return Plan(before=app, after=after, now=now, claim_holder=caller.sub, put_images=[(new, image.version)],
                audit=[entry]), new


def _site_only() -> DomainError:
    return DomainError("INVALID_TRANSITION", "Images are approved at the exam site level.", "图片在考点审核时确认通过。")


def _decided(image: Image, cmd: DecideImage, level: Level, now: Now) -> tuple[Image, AuditEntry]:
    """One image approved (locked, R13, R14) or sent back, and its audit entry as the reviewer's decision."""
    caller = cmd.caller
    if cmd.decision == "approve":
        if level is not Level.SITE:
            raise _site_only()
        if image.status not in (ImageStatus.SUBMITTED, ImageStatus.NEEDS_REVISION, ImageStatus.APPROVED):
            raise DomainError("INVALID_TRANSITION", f"An image that is {image.status.value} cannot be approved.",
                              f"状态为“{image.label}”的图片不能审核通过。")
        new = with_status(image, ImageStatus.APPROVED, review_reason_code=None, review_note=None,
                          decided_at=now.iso, decided_by=caller.sub)
        action, code = "image_approved", None
    else:
        if cmd.reason_code not in REVIEW_REASONS:
            raise DomainError("INVALID_REQUEST", "reasonCode is required to ask for a new image: one of "
                              + ", ".join(REVIEW_REASONS) + ".",
                              "要求重新上传时须填写 reasonCode,取值为:" + "、".join(REVIEW_REASONS) + "。")
        if image.status not in (ImageStatus.SUBMITTED, ImageStatus.APPROVED, ImageStatus.NEEDS_REVISION):
            raise DomainError("INVALID_TRANSITION", f"An image that is {image.status.value} cannot be sent back.",
                              f"状态为“{image.label}”的图片不能退回。")
        new = with_status(image, ImageStatus.NEEDS_REVISION, review_reason_code=cmd.reason_code,
                          review_note=cmd.note, decided_at=now.iso, decided_by=caller.sub)
        action, code = "image_revise", cmd.reason_code
    return new, AuditEntry(at=now.iso, actor=caller.sub, role=level.role, action=action, image_id=image.image_id,
                           material_type=image.material_type, from_status=image.status, to_status=new.status,
                           note=cmd.note, reason_code=code, level=level.value)


@dataclass(frozen=True)
class ApprovePassed:
    """Approve every SUBMITTED image whose machine pre-checks passed, as seen at application `version`."""

    caller: Caller
    version: int


def approve_passed(snap: Snapshot | None, cmd: ApprovePassed, now: Now) -> tuple[Plan, list[Image]] | None:
    """One transaction of image approvals, each the reviewer's own decision (audited as such), under the
    same rules as one image's approval (scope, level, live claim, separation of duties); None when no
    image qualifies (nothing is written)."""
    caller = cmd.caller
    snap = scoped(caller, snap)
    app = snap.application
    if app.version != cmd.version:
        raise DomainError("STALE_VERSION")  # first: approvals of what the reviewer did not see never land
    level = level_for(caller, app)
    holds_claim(caller, app, now)
    if level is not Level.SITE:
        raise _site_only()
    passing = [i for i in snap.images if i.status is ImageStatus.SUBMITTED and checks.passed(i.checks)]
    decided = [(_decided(i, DecideImage(caller, i.image_id, "approve", i.version), level, now), i.version) for i in passing]
    if not decided:
        return None
    after = replace(app.changed(now.iso), site_deciders=_deciders(app, level, caller.sub))
    return Plan(before=app, after=after, now=now, claim_holder=caller.sub,
                put_images=[(new, version) for (new, _), version in decided],
                audit=[entry for (_, entry), _ in decided]), [new for (new, _), _ in decided]


def _requests(snap: Snapshot, asks: tuple[Ask, ...]) -> tuple[Request, ...]:
    """A return's requests, each against the good images its type has now."""
    app = snap.application
    types = {m.type: m for m in materials_for(app)}
    seen = Counter(a.type for a in asks)
    for ask in asks:
        if ask.type not in types:
            raise DomainError("UNKNOWN_MATERIAL_TYPE", f"requests: {ask.type} is not a material type of this application.",
                              f"requests:{ask.type} 不是该报名需要的材料类型。")
        if seen[ask.type] > 1:
            raise DomainError("INVALID_REQUEST", f"requests: {ask.type} is asked for twice; ask once with the total count.",
                              f"requests:{ask.type} 重复出现,请合并为一条并填写总数。")
    ok = good_counts(snap.images)
    return tuple(Request(type=a.type, count=a.count, note=a.note, baseline=ok[a.type]) for a in asks)


def decide_application(snap: Snapshot | None, cmd: DecideApplication, now: Now) -> Plan:
    caller = cmd.caller
    snap = scoped(caller, snap)
    app = snap.application
    if app.version != cmd.version:
        raise DomainError("STALE_VERSION")  # first: a decision on what the reviewer did not see never lands
    level = level_for(caller, app)
    holds_claim(caller, app, now)
    to = next_status(app.status, cmd.decision, Actor(level.value))
    if cmd.decision in ("return", "reject") and not cmd.comment:
        raise DomainError("INVALID_REQUEST",  # the reviewer reads this: their words, not the field's (R16)
                          "Write a comment to return or reject the application: the candidate reads it at the top of the upload page.",
                          "退回或不通过时须填写审核意见,考生将在上传页面顶部看到。")
    if cmd.requests and cmd.decision != "return":
        raise DomainError("INVALID_REQUEST", "More material can only be asked for with a return.",
                          "只有退回修改时才能要求补充材料。")
    images = [i for i in snap.images if not i.expired(now.seconds) and i.status is not ImageStatus.INVALID]
    if cmd.decision == "approve" and level is Level.SITE and (
            not complete(app, images) or any(i.status is not ImageStatus.APPROVED for i in images)):
        raise DomainError("INCOMPLETE_MATERIALS")
    requests = _requests(snap, cmd.requests) if cmd.decision == "return" else app.requests
    record = {"decision": cmd.decision, "by": caller.sub, "at": now.iso, "comment": cmd.comment}
    region_queue = to is AppStatus.SITE_APPROVED
    after = app.changed(
        now.iso, status=to, claimed_by=None, claim_expires_at=None,
        queue=Level.REGION if region_queue else None, ready_at=now.iso if region_queue else None,
        region_first_ready_at=(app.region_first_ready_at or now.iso) if region_queue else app.region_first_ready_at,
        returns=app.returns + (cmd.decision == "return"), requests=requests,
        site_deciders=_deciders(app, level, caller.sub))
    after = replace(after, site_decision=record) if level is Level.SITE else replace(after, region_decision=record)
    audit = [AuditEntry(at=now.iso, actor=caller.sub, role=level.role, action=cmd.decision, from_status=app.status,
                        to_status=to, note=cmd.comment, level=level.value)]
    if cmd.decision == "return":
        audit += [AuditEntry(at=now.iso, actor=caller.sub, role=level.role, action="request", material_type=r.type,
                             count=r.count, note=r.note, level=level.value) for r in requests]
    return Plan(before=app, after=after, now=now, claim_holder=caller.sub, audit=audit)


def set_phase(snap: Snapshot | None, cmd: SetPhase, now: Now) -> Plan:
    """Later phases of the exam cycle (R20), set by the exam office."""
    snap = scoped(cmd.caller, snap)
    app = snap.application
    to = next_status(app.status, cmd.status, Actor.OFFICE)
    return Plan(before=app, after=app.changed(now.iso, status=to), now=now,
                audit=[AuditEntry(at=now.iso, actor=cmd.caller.sub, role="exam_office", action="phase",
                                  from_status=app.status, to_status=to)])
