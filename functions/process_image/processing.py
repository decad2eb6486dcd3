"""What a processed upload changes: the reservation becomes SUBMITTED (watermarked, visible, R12) or
INVALID with a reason (R6); or, if it came too late, it is discarded. Pure decisions.

`waiting` is None when the object is not (or no longer) the one its reservation expects: a duplicate
delivery, or an orphan of a deleted or replaced reservation. An upload that arrives after its
application left 填报/退回修改 (a reviewer decided meanwhile), or after its reservation lost its
place in the slot, never becomes an image: it is discarded with an `upload_discarded` audit entry,
so a decided application never gains an image and no slot ever holds more than its maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import checks
from core.clock import Now
from core.likeness import Bounds, alike, nearness
from core.models import REVIEWABLE, AuditEntry, Image, ImageStatus, Snapshot, carried
from core.plan import Likeness, Plan, Reference
from core.progress import settle
from core.uploads import replaced, with_status

SYSTEM = "process_image"


@dataclass(frozen=True)
class Outcome:
    """What process_image made of the file: a stored watermarked copy, or the reason it is refused."""

    object_key: str | None = None
    thumbnail_key: str | None = None  # stored beside object_key, for pages and queues
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    sha256: str | None = None
    processing_ms: int | None = None
    reference: str | None = None  # drawn in the watermark
    reason: str | None = None  # set when the file is INVALID
    reason_found: str | None = None  # the format it really is, for UNSUPPORTED_FORMAT
    quality_warnings: tuple[str, ...] = ()  # on the picture (never a refusal)
    phash: str | None = None  # perceptual hashes, hex (core.likeness)
    duplicate_bounds: Bounds = Bounds(0, 0)  # Hamming distances within which two pictures are the same one
    duplicate_of: tuple[dict, ...] = ()  # near-identical pictures in other candidates' applications
    probes: tuple[str, ...] = ()  # the likeness index's bands to look in for those


def waiting(snap: Snapshot | None, image_id: str, upload_key: str) -> Image | None:
    """The reservation this object fulfils, if it still waits for exactly this object."""
    if snap is None:
        return None
    image = snap.image(image_id)
    if image is None or image.upload_key != upload_key or image.status is not ImageStatus.PENDING:
        return None
    return image


def repeated(snap: Snapshot, image_id: str, outcome: Outcome) -> Image | None:
    """The image of this application this picture repeats, if any (e.g. one side of the identity card
    uploaded twice): the nearest alike. Decided on the snapshot the record commits against, so two
    uploads of one picture processed at the same moment still see each other (the later one retries on
    a fresh read)."""
    mine = outcome.phash
    if not mine:
        return None
    alike_ones = [other for other in snap.images
                  if other.phash and other.image_id != image_id and other.status in REVIEWABLE
                  and alike(mine, other.phash, outcome.duplicate_bounds)]  # fmt: skip
    return min(alike_ones, key=lambda other: nearness(mine, other.phash or ""), default=None)


def too_late(snap: Snapshot, image: Image) -> str | None:
    """Why an upload may no longer become an image, if it may not."""
    if not snap.application.editable:
        return "application_not_editable"
    seat = next((s for s in snap.seats if s.image_id == image.image_id), None)
    if seat is None:
        return "seat_lost"
    return None


def record(snap: Snapshot | None, image_id: str, upload_key: str, outcome: Outcome,
           now: Now) -> tuple[Plan, str] | None:
    """The plan and what became of the upload ("submitted", "invalid" or "discarded"), or None."""
    image = waiting(snap, image_id, upload_key)
    if snap is None or image is None:
        return None
    app = snap.application
    seat = next((s for s in snap.seats if s.image_id == image_id), None)
    late = too_late(snap, image)
    if late:
        return Plan(
            before=app, after=app.changed(now.iso), now=now, delete_images=[image],
            release_seats=[seat] if seat else [],
            audit=[AuditEntry(at=now.iso, actor=SYSTEM, role="system", action="upload_discarded", image_id=image_id,
                              material_type=image.material_type, from_status=image.status, note=late)],
        ), "discarded"
    references, likeness = [], []
    found = carried(outcome, Image)  # what processing says of the picture, by name
    if outcome.reason:
        new = with_status(image, ImageStatus.INVALID, **found, expires_at=None, seat=None, processed_at=now.iso)
        action = "image_invalid"
    else:
        twin = repeated(snap, image_id, outcome)
        found["quality_warnings"] += ("DUPLICATE",) if twin else ()
        # The machine pre-checks read it next, on their own queue (functions/precheck): PENDING until then.
        new = with_status(image, ImageStatus.SUBMITTED, **found, expires_at=None, processed_at=now.iso,
                          same_as=twin.image_id if twin else None, checks=checks.queued(image.material_type))
        action = "image_submitted"
        if outcome.reference:
            references.append(Reference(outcome.reference, app.id, image_id, image.material_type, now.iso))
        if outcome.phash:
            likeness.append(Likeness(outcome.phash, app.id, image_id, app.candidate_id))
    after, settled = settle(app.changed(now.iso), replaced(snap.images, new), now)
    return Plan(
        before=app, after=after, now=now, put_images=[(new, image.version)],
        # INVALID images hold no place in their slot; a SUBMITTED one keeps its place for good.
        keep_seats=[seat] if seat and new.status is ImageStatus.SUBMITTED else [],
        release_seats=[seat] if seat and new.status is ImageStatus.INVALID else [],
        references=references, add_likeness=likeness,
        audit=[AuditEntry(at=now.iso, actor=SYSTEM, role="system", action=action, image_id=image_id,
                          material_type=image.material_type, from_status=image.status, to_status=new.status,
                          reason_code=outcome.reason), *settled],
    ), ("invalid" if outcome.reason else "submitted")
