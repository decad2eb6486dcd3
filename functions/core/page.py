"""The candidate's materials page (issue 5), built from one snapshot of the application's partition:
what must I upload here, what is done, what is wrong and how do I fix it, where am I in the review.
Pure: URLs come from the `sign` function the caller passes (presigning is local, no S3 call)."""

from __future__ import annotations

from collections.abc import Callable

from core.catalog import ACCEPT, MAX_BYTES, catalog
from core.models import AppStatus, AuditEntry, Image, ImageStatus, Snapshot
from core.reasons import REVIEW_REASONS, invalid_message
from core.views import application_view

LEVELS = {"SITE": ("考点", "Exam site"), "REGION": ("考区", "Exam region")}

# What each audit action means to a candidate (timeline), in both languages.
ACTIONS: dict[str, tuple[str, str]] = {
    "registered": ("报名信息已登记", "Registration received"),
    "image_reserved": ("开始上传图片", "Upload started"),
    "image_submitted": ("图片已提交(已加水印)", "Image submitted (watermarked)"),
    "image_invalid": ("图片未通过检查", "Image not accepted"),
    "image_deleted": ("图片已删除", "Image deleted"),
    "image_approved": ("图片审核通过(已锁定)", "Image approved (locked)"),
    "image_revise": ("图片需要重新上传", "Image needs to be replaced"),
    "resubmitted": ("修改完成,重新进入审核", "Fixed and back in review"),
    "claimed": ("审核中", "Review started"),
    "approve": ("审核通过", "Approved"),
    "return": ("退回修改", "Returned for changes"),
    "reject": ("审核拒绝", "Rejected"),
    "phase": ("考试阶段更新", "Exam phase updated"),
}
# Actions a candidate does not need to see on the timeline.
HIDDEN = {"claimed", "claim_released"}

Sign = Callable[[str], str]


def visible_images(snap: Snapshot, now: int) -> list[Image]:
    """Expired, never-uploaded reservations are neither shown nor counted (issue 5)."""
    return [i for i in snap.images if not i.expired(now)]


def image_view(image: Image, sign: Sign) -> dict:
    shown = image.object_key and image.status in (ImageStatus.SUBMITTED, ImageStatus.NEEDS_REVISION, ImageStatus.APPROVED)
    invalid = invalid_message(image.reason, image.reason_found) if image.reason else None
    review = REVIEW_REASONS.get(image.review_reason_code or "")
    return {
        "imageId": image.image_id, "status": image.status.value, "locked": image.locked, "version": image.version,
        "url": sign(image.object_key) if shown else None,
        "width": image.width, "height": image.height, "bytes": image.bytes,
        "reason": image.reason, "reasonMessage": invalid.message if invalid else None,
        "reasonMessageZh": invalid.message_zh if invalid else None,
        "reviewReasonCode": image.review_reason_code, "reviewNote": image.review_note,
        "reviewReasonMessage": review.message if review else None,
        "reviewReasonMessageZh": review.message_zh if review else None,
        "uploadedAt": image.uploaded_at, "processedAt": image.processed_at, "fileName": image.file_name,
    }


def materials(snap: Snapshot, now: int, sign: Sign, sample: Sign) -> list[dict]:
    app = snap.application
    images = visible_images(snap, now)
    out = []
    for m in catalog().requirements(app.region, app.site):
        mine = [i for i in images if i.material_type == m.type]
        held = len([i for i in mine if i.holds_seat(now)])
        remaining = max(m.max_count - held, 0)
        ok = len([i for i in mine if i.status in (ImageStatus.SUBMITTED, ImageStatus.APPROVED)])
        out.append({
            "type": m.type, "name": m.name, "nameEn": m.name_en, "description": m.description,
            "descriptionEn": m.description_en, "sampleImageUrl": sample(m.sample) if m.sample else None,
            "minCount": m.min_count, "maxCount": m.max_count, "required": m.required, "accept": list(ACCEPT),
            "maxBytes": MAX_BYTES, "canUpload": app.editable and remaining > 0, "remaining": remaining,
            "complete": ok >= m.min_count, "images": [image_view(i, sign) for i in mine],
        })
    # Types no longer required but still holding images (the catalogue changed) stay visible.
    known = {m["type"] for m in out}
    for type_ in dict.fromkeys(i.material_type for i in images if i.material_type not in known):
        out.append({"type": type_, "name": type_, "nameEn": type_, "description": "", "descriptionEn": "",
                    "sampleImageUrl": None, "minCount": 0, "maxCount": 0, "required": False, "accept": list(ACCEPT),
                    "maxBytes": MAX_BYTES, "canUpload": False, "remaining": 0, "complete": True,
                    "images": [image_view(i, sign) for i in images if i.material_type == type_]})
    return out


def review_notes(snap: Snapshot) -> list[dict]:
    """The comments shown at the top of the page (R16, R21), newest first; none once all is well (R17).

    An application comment shows while its return or rejection stands; an image's note shows while
    that image still waits to be replaced."""
    app = snap.application
    notes: list[dict] = []
    if app.status in (AppStatus.RETURNED, AppStatus.REJECTED):
        decision = next((e for e in reversed(snap.audit) if e.action in ("return", "reject")), None)
        if decision and decision.note:
            notes.append(_note(decision, None))
    flagged = {i.image_id: i for i in snap.images if i.status is ImageStatus.NEEDS_REVISION}
    for entry in reversed(snap.audit):
        image = flagged.pop(entry.image_id, None) if entry.action == "image_revise" else None
        if image is not None:
            notes.append(_note(entry, image))
    return sorted(notes, key=lambda n: n["at"], reverse=True)


def _note(entry: AuditEntry, image: Image | None) -> dict:
    level = LEVELS.get(entry.level or "", ("", ""))
    reason = REVIEW_REASONS.get(entry.reason_code or "")
    return {
        "level": entry.level, "levelLabel": level[0], "levelLabelEn": level[1], "at": entry.at,
        "decision": entry.action, "comment": entry.note,
        "imageId": image.image_id if image else None, "materialType": image.material_type if image else None,
        "reasonCode": entry.reason_code, "reasonMessage": reason.message if reason else None,
        "reasonMessageZh": reason.message_zh if reason else None,
    }


def timeline(snap: Snapshot, with_identities: bool = False) -> list[dict]:
    """What happened, oldest first. Candidates do not see who reviewed (only the level)."""
    out = []
    for e in snap.audit:
        if e.action in HIDDEN and not with_identities:
            continue
        label = ACTIONS.get(e.action, (e.action, e.action))
        item = {"at": e.at, "action": e.action, "label": label[0], "labelEn": label[1], "from": e.from_status,
                "to": e.to_status, "materialType": e.material_type, "imageId": e.image_id, "level": e.level,
                "reasonCode": e.reason_code, "note": e.note}
        if with_identities:
            item.update({"actor": e.actor, "role": e.role})
        out.append(item)
    return out


def decisions(snap: Snapshot, with_identities: bool = False) -> dict:
    """Per-level outcomes (考点 / 考区) of the application."""
    app = snap.application
    out = {}
    for level, decision in (("site", app.site_decision), ("region", app.region_decision)):
        if decision:
            shown = {k: v for k, v in decision.items() if with_identities or k != "by"}
            out[level] = shown
        else:
            out[level] = None
    return out


def page(snap: Snapshot, now: int, sign: Sign, sample: Sign, with_identities: bool = False) -> dict:
    view = application_view(snap.application)
    view["outcomes"] = decisions(snap, with_identities)
    return {
        "application": view,
        "reviewNotes": review_notes(snap),
        "materials": materials(snap, now, sign, sample),
        "timeline": timeline(snap, with_identities),
    }
