"""What a processed upload changes: the reservation becomes SUBMITTED (watermarked, visible, R12) or
INVALID with a reason (R6). Pure decisions; None means the object is not (or no longer) the one
its reservation expects: a duplicate delivery, or an orphan of a deleted or replaced reservation."""

from __future__ import annotations

from dataclasses import dataclass

from core.models import AuditEntry, Image, ImageStatus, Snapshot
from core.plan import Plan
from core.progress import settle
from core.uploads import replaced, with_status

SYSTEM = "process_image"


@dataclass(frozen=True)
class Outcome:
    object_key: str | None = None
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    sha256: str | None = None
    processing_ms: int | None = None
    reason: str | None = None  # set when the file is INVALID
    found: str | None = None


def waiting(snap: Snapshot | None, image_id: str, upload_key: str) -> Image | None:
    """The reservation this object fulfils, if it still waits for exactly this object."""
    if snap is None:
        return None
    image = snap.image(image_id)
    if image is None or image.upload_key != upload_key or image.status is not ImageStatus.PENDING:
        return None
    return image


def record(snap: Snapshot, image_id: str, upload_key: str, outcome: Outcome, now: int, at: str) -> Plan | None:
    image = waiting(snap, image_id, upload_key)
    if image is None:
        return None
    app = snap.application
    seat = next((s for s in snap.seats if s.image_id == image_id), None)
    if outcome.reason:
        new = with_status(image, ImageStatus.INVALID, expires_at=None, seat=None, processed_at=at,
                          reason=outcome.reason, reason_found=outcome.found, processing_ms=outcome.processing_ms)
        action = "image_invalid"
    else:
        new = with_status(image, ImageStatus.SUBMITTED, expires_at=None, processed_at=at,
                          object_key=outcome.object_key, width=outcome.width, height=outcome.height,
                          bytes=outcome.bytes, sha256=outcome.sha256, processing_ms=outcome.processing_ms)
        action = "image_submitted"
    after, settled = settle(app.changed(at), replaced(snap.images, new), at)
    return Plan(
        before=app, after=after, now=now, put_images=[(new, image.version)],
        # INVALID images hold no place in their slot; a SUBMITTED one keeps its place for good.
        keep_seats=[seat] if seat and new.status is ImageStatus.SUBMITTED else [],
        release_seats=[seat] if seat and new.status is ImageStatus.INVALID else [],
        audit=[AuditEntry(at=at, actor=SYSTEM, role="system", action=action, image_id=image_id,
                          material_type=image.material_type, from_status=image.status, to_status=new.status,
                          reason_code=outcome.reason), *settled],
    )
