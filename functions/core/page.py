"""The materials page (R2, R4, R12, R14, R16, R17), built from one snapshot of the application's
partition: what must I upload here, what is done, what is wrong and how do I fix it, where am I in
the review. Reviewers get the same page plus who did what, each image's history and its watermark
reference. Pure: URLs come from the `sign` functions the caller passes (presigning is local)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from enum import Enum

from core import checks, cursor, season
from core import contract as c
from core.catalog import ACCEPT, MAX_BYTES
from core.models import (
    REVIEWABLE,
    Application,
    AppStatus,
    AuditEntry,
    Image,
    ImageStatus,
    Level,
    Snapshot,
    Window,
    camel,
)
from core.progress import materials_for
from core.reasons import QUALITY_WARNINGS, REVIEW_REASONS, Reason, duplicate_message, invalid_message
from core.views import application_view, review_application_view

# What each audit action means to a candidate (timeline), in both languages.
ACTIONS: dict[str, tuple[str, str]] = {
    "registered": ("报名信息已登记", "Registration received"),
    "image_reserved": ("开始上传图片", "Upload started"),
    "image_submitted": ("图片已提交(已加水印)", "Image submitted (watermarked)"),
    "image_invalid": ("图片未通过检查", "Image not accepted"),
    "image_deleted": ("图片已删除", "Image deleted"),
    "upload_discarded": ("上传过晚,图片未保存", "Upload arrived too late and was not kept"),
    "image_approved": ("图片审核通过(已锁定)", "Image approved (locked)"),
    "image_revise": ("图片需要重新上传", "Image needs to be replaced"),
    "request": ("要求补充材料", "More images requested"),
    "resubmitted": ("修改完成,重新进入审核", "Fixed and back in review"),
    "claimed": ("审核中", "Review started"),
    "claim_released": ("审核暂停", "Review paused"),
    "approve": ("审核通过", "Approved"),
    "return": ("退回修改", "Returned for changes"),
    "reject": ("审核拒绝", "Rejected"),
    "phase": ("考试阶段更新", "Exam phase updated"),
    "viewed": ("查看了考生身份信息", "Viewed the candidate's identity data"),
}
# Actions a candidate does not need to see on the timeline (the trail keeps them for reviewers).
HIDDEN = ("claimed", "claim_released", "viewed")

# Pages stay small however long an application's history grows: each list of its trail (the timeline,
# the audit list, one image's history) shows its newest PAGE_SIZE entries, oldest first, and a cursor
# for the ones before them.
PAGE_SIZE = 50
TIMELINE, AUDIT, HISTORY = "timeline", "audit", "history"

Sign = Callable[[str], str]
# Where each image shows on the page: (material name, English name, its number in that material, from 1).
Places = dict[str, tuple[str, str, int]]


def visible_images(snap: Snapshot, now: int) -> list[Image]:
    """Expired, never-uploaded reservations are neither shown nor counted."""
    return [i for i in snap.images if not i.expired(now)]


def quality_view(image: Image, places: Places | None = None) -> c.Quality | None:
    """The image's quality warnings; DUPLICATE names the image it repeats while that one is on the page."""
    if not image.processed_at or image.status not in REVIEWABLE:
        return None

    def text(code: str) -> Reason:
        place = (places or {}).get(image.same_as or "") if code == "DUPLICATE" else None
        return duplicate_message(*place) if place else QUALITY_WARNINGS[code]

    return c.Quality(warnings=[c.QualityWarning(code=code, message=text(code).message, messageZh=text(code).message_zh)
                               for code in image.quality_warnings if code in QUALITY_WARNINGS])


def _as_stored(image: Image, model: type[c.ImageOut]) -> dict:
    """The image's own attributes the model shows under the same (camelCase) name: a new attribute of
    Image is on the page once ImageOut (or ReviewImageOut) declares it."""
    shown = model.model_fields
    values = {camel(f.name): getattr(image, f.name) for f in fields(image) if camel(f.name) in shown}
    return {name: v.value if isinstance(v, Enum) else v for name, v in values.items()}


def image_view(image: Image, sign: Sign, histories: dict[str, list[c.AuditOut]] | None = None,
               places: Places | None = None) -> c.ImageOut:
    """The candidate's view of an image; with `histories` (reviewers), also its reference, look-alikes
    and history."""
    visible = bool(image.object_key) and image.status in REVIEWABLE
    url = sign(image.object_key) if visible and image.object_key else None
    # An image processed before thumbnails were made has none: pages show the picture itself.
    thumbnail = sign(image.thumbnail_key) if visible and image.thumbnail_key else url
    invalid = invalid_message(image.reason, image.reason_found) if image.reason else None
    review = REVIEW_REASONS.get(image.review_reason_code or "")
    model, extra = (c.ReviewImageOut, {"history": histories.get(image.image_id, [])}) \
        if histories is not None else (c.ImageOut, {})
    # the machine pre-checks' advice; what was read only on reviewers' (and the office's) pages
    shown = {**_as_stored(image, model), "checks": checks.view(image.checks, with_read=histories is not None)}
    return model(
        **shown, statusLabel=image.label, statusLabelEn=image.label_en,
        locked=image.locked, url=url, thumbnailUrl=thumbnail,
        reasonMessage=invalid.message if invalid else None, reasonMessageZh=invalid.message_zh if invalid else None,
        reviewReasonMessage=review.message if review else None,
        reviewReasonMessageZh=review.message_zh if review else None,
        quality=quality_view(image, places), **extra)


def materials(snap: Snapshot, now: int, sign: Sign, sample: Sign,
              histories: dict[str, list[c.AuditOut]] | None = None) -> list[c.MaterialOut]:
    """Each material type with its images; reviewers' (given the images' histories) with theirs."""
    app = snap.application
    images = visible_images(snap, now)
    material_model = c.ReviewMaterialOut if histories is not None else c.MaterialOut
    asked = {r.type: r for r in app.requests} if app.status is AppStatus.RETURNED else {}
    editable = app.editable and season.is_open(app, snap.window, now)
    wanted = materials_for(app)
    known = {m.type for m in wanted}
    extra = list(dict.fromkeys(i.material_type for i in images if i.material_type not in known))
    mine = {t: [i for i in images if i.material_type == t] for t in [*known, *extra]}
    names = {m.type: (m.name, m.name_en) for m in wanted}
    places = {i.image_id: (*names.get(t, (t, t)), k + 1) for t, shown in mine.items() for k, i in enumerate(shown)}
    out = []
    for m in wanted:
        held = len([i for i in mine[m.type] if i.holds_seat(now)])
        remaining = max(m.max_count - held, 0)
        ok = len([i for i in mine[m.type] if i.status in (ImageStatus.SUBMITTED, ImageStatus.APPROVED)])
        request = asked.get(m.type)
        out.append(material_model(
            type=m.type, name=m.name, nameEn=m.name_en, description=m.description, descriptionEn=m.description_en,
            sampleImageUrl=sample(m.sample) if m.sample else None, minCount=m.min_count, maxCount=m.max_count,
            required=m.required, accept=list(ACCEPT), maxBytes=MAX_BYTES, canUpload=editable and remaining > 0,
            remaining=remaining, complete=ok >= m.min_count,
            requested=c.Requested(count=request.count, note=request.note, met=ok >= request.wanted) if request else None,
            images=[image_view(i, sign, histories, places) for i in mine[m.type]]))
    # Types no longer required but still holding images (the catalogue changed) stay visible.
    for type_ in extra:
        out.append(material_model(
            type=type_, name=type_, nameEn=type_, description="", descriptionEn="", sampleImageUrl=None,
            minCount=0, maxCount=0, required=False, accept=list(ACCEPT), maxBytes=MAX_BYTES, canUpload=False,
            remaining=0, complete=True,
            images=[image_view(i, sign, histories, places) for i in mine[type_]]))
    return out


def _level(level: Level | str | None) -> tuple[str, str]:
    return (Level(level).label, Level(level).label_en) if level else ("", "")


def standing_decision(app: Application) -> tuple[dict, Level] | None:
    """The return or rejection the application stands under, and its level: the later of the two
    levels' decisions, if it is one (the decision records, not the trail: a page reads only the
    trail's newest entries)."""
    made = [(d, level) for d, level in ((app.site_decision, Level.SITE), (app.region_decision, Level.REGION))
            if d and d.get("decision") in ("return", "reject")]
    return max(made, key=lambda d: d[0].get("at") or "", default=None)


def flagged_level(app: Application, image: Image) -> Level:
    """Who asked for a new image: a site reviewer made every site-level decision they made on it, and
    may never decide at region level (separation of duties), so its decider tells the level."""
    return Level.SITE if image.decided_by in app.site_deciders else Level.REGION


def review_notes(snap: Snapshot, now: int) -> list[c.ReviewNote]:
    """The comments shown at the top of the page (R16, R21), newest first; none once all is well (R17).

    An application comment shows while its return or rejection stands; an image's note while that
    image still waits to be replaced; a request for more images while it is not met. All from the
    application and its images, whatever the length of its trail."""
    app = snap.application
    notes: list[c.ReviewNote] = []
    standing = standing_decision(app) if app.status in (AppStatus.RETURNED, AppStatus.REJECTED) else None
    if standing is not None:
        decision, level = standing
        if decision.get("comment"):
            notes.append(c.ReviewNote(kind="comment", level=level.value, levelLabel=level.label,
                                      levelLabelEn=level.label_en, at=decision["at"], decision=decision["decision"],
                                      comment=decision["comment"]))
    if app.status is AppStatus.RETURNED:
        level_of, at = (standing[1], standing[0]["at"]) if standing else (None, app.updated_at)
        label, label_en = _level(level_of)
        for m in materials(snap, now, lambda _: "", lambda _: ""):
            if m.requested and not m.requested.met:
                notes.append(c.ReviewNote(
                    kind="request", level=level_of.value if level_of else None, levelLabel=label,
                    levelLabelEn=label_en, at=at, decision="request", comment=m.requested.note,
                    materialType=m.type, count=m.requested.count))
    for image in snap.images:
        if image.status is ImageStatus.NEEDS_REVISION:
            level = flagged_level(app, image)
            reason = REVIEW_REASONS.get(image.review_reason_code or "")
            notes.append(c.ReviewNote(
                kind="image", level=level.value, levelLabel=level.label, levelLabelEn=level.label_en,
                at=image.decided_at or app.updated_at, decision="image_revise", comment=image.review_note,
                imageId=image.image_id, materialType=image.material_type, reasonCode=image.review_reason_code,
                reasonMessage=reason.message if reason else None,
                reasonMessageZh=reason.message_zh if reason else None))
    return sorted(notes, key=lambda n: n.at, reverse=True)


def _fields(e: AuditEntry) -> dict:
    label = ACTIONS.get(e.action, (e.action, e.action))
    return {"at": e.at, "action": e.action, "label": label[0], "labelEn": label[1], "from": e.from_status,
            "to": e.to_status, "materialType": e.material_type, "imageId": e.image_id, "level": e.level,
            "reasonCode": e.reason_code, "note": e.note, "count": e.count}


def trail_scope(list_: str, app_id: str, image_id: str | None = None) -> str:
    """The list a trail cursor belongs to: one of an application's lists, or one image's history."""
    return ":".join((list_, app_id, *((image_id,) if image_id else ())))


def trail_cursor(list_: str, app_id: str, older: dict | None, image_id: str | None = None) -> str | None:
    """The cursor to the entries before a page (`older`: where the trail's Query stopped; None: no more)."""
    return cursor.encode(trail_scope(list_, app_id, image_id), older)


def timeline_entries(entries: list[AuditEntry]) -> list[c.TimelineEntry]:
    """What happened, oldest first. Candidates do not see who reviewed (only the level)."""
    return [c.TimelineEntry(**_fields(e)) for e in entries if e.action not in HIDDEN]


def audit_entries(entries: list[AuditEntry]) -> list[c.AuditOut]:
    """Everything that happened and who did it, for reviewers and the exam office."""
    return [c.AuditOut(**_fields(e), actor=e.actor, role=e.role) for e in entries]


def timeline(snap: Snapshot) -> list[c.TimelineEntry]:
    return timeline_entries(snap.audit)


def audit(snap: Snapshot) -> list[c.AuditOut]:
    return audit_entries(snap.audit)


def image_histories(snap: Snapshot) -> dict[str, list[c.AuditOut]]:
    """Each image's history for reviewers, including images the candidate deleted or replaced."""
    out: dict[str, list[c.AuditOut]] = {}
    for entry, e in zip(audit(snap), snap.audit, strict=True):
        if e.image_id:
            out.setdefault(e.image_id, []).append(entry)
    return out


def _history_cursor(app: Application, image_id: str, shown: list[c.AuditOut], older: dict | None) -> str | None:
    """Where an image's history goes on past the page's entries: nowhere once its reservation, its
    first entry, is among them."""
    if older is None or any(e.action == "image_reserved" for e in shown):
        return None
    return trail_cursor(HISTORY, app.id, older, image_id)


def outcomes(snap: Snapshot) -> c.Outcomes:
    """Per-level outcomes (考点 / 考区) of the application, as the candidate sees them."""
    app = snap.application

    def one(decision: dict | None) -> c.LevelOutcome | None:
        return c.LevelOutcome(**{k: v for k, v in decision.items() if k != "by"}) if decision else None

    return c.Outcomes(site=one(app.site_decision), region=one(app.region_decision))


def review_outcomes(snap: Snapshot) -> c.ReviewOutcomes:
    """The same with who decided (reviewers and the exam office)."""
    app = snap.application

    def one(decision: dict | None) -> c.ReviewLevelOutcome | None:
        return c.ReviewLevelOutcome(**decision) if decision else None

    return c.ReviewOutcomes(site=one(app.site_decision), region=one(app.region_decision))


def window_view(app: Application, w: Window | None, now: int) -> c.PageWindow | None:
    """The exam season's window as the page shows it: its times (Beijing time), which one limits this
    application now, and whether the candidate may change it (the countdown's end)."""
    if w is None:
        return None
    due = season.deadline(app, w)
    return c.PageWindow(
        uploadOpens=season.iso_beijing(w.upload_opens), uploadCloses=season.iso_beijing(w.upload_closes),
        fixUntil=season.iso_beijing(w.fix_until), siteReviewDue=season.iso_beijing(w.site_review_due),
        regionReviewDue=season.iso_beijing(w.region_review_due),
        applies=due.field if due else None, closesAt=season.iso_beijing(due.at) if due else None,
        closesAtEpoch=due.at if due else None, open=season.is_open(app, w, now) if due else False)


def review_deadline(app: Application, w: Window | None, now: int) -> c.ReviewDeadline | None:
    """The deadline of the review level the application waits at, if a window sets one."""
    due = season.review_due(w, app.queue) if app.queue else None
    if app.queue is None or due is None:
        return None
    return c.ReviewDeadline(level="SITE" if app.queue is Level.SITE else "REGION", due=season.iso_beijing(due),
                            dueEpoch=due, overdue=now >= due)


def candidate_page(snap: Snapshot, now: int, sign: Sign, sample: Sign, older: dict | None = None) -> c.Page:
    """`snap.audit`: the timeline's newest entries (a page); `older`: where the ones before them start."""
    view = application_view(snap.application, now)
    view.outcomes = outcomes(snap)
    return c.Page(application=view, reviewNotes=review_notes(snap, now), materials=materials(snap, now, sign, sample),
                  timeline=timeline(snap), timelineCursor=trail_cursor(TIMELINE, snap.application.id, older),
                  window=window_view(snap.application, snap.window, now))


def review_page(snap: Snapshot, now: int, sign: Sign, sample: Sign, older: dict | None = None) -> c.ReviewPage:
    """`snap.audit`: the trail's newest entries (a page); `older`: where the ones before them start."""
    app = snap.application
    view = review_application_view(app, now)
    view.outcomes = review_outcomes(snap)
    histories = image_histories(snap)
    shown = materials(snap, now, sign, sample, histories)
    for material in shown:
        for image in material.images:
            if isinstance(image, c.ReviewImageOut):
                image.historyCursor = _history_cursor(app, image.imageId, image.history, older)
    return c.ReviewPage(application=view, reviewNotes=review_notes(snap, now), materials=shown, timeline=timeline(snap),
                        timelineCursor=trail_cursor(TIMELINE, app.id, older), audit=audit(snap),
                        auditCursor=trail_cursor(AUDIT, app.id, older), imageHistory=histories,
                        window=window_view(app, snap.window, now), reviewDeadline=review_deadline(app, snap.window, now))
