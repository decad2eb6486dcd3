"""The candidate's side of a slot: reserve a place for an upload, delete an image (R9-R11, R13).
Pure decisions: each returns the Plan to commit, or raises the contract error."""

from __future__ import annotations

from dataclasses import replace

from core.catalog import ACCEPT, MAX_BYTES, MaterialType, catalog
from core.errors import DomainError
from core.identity import Caller
from core.keys import upload_key
from core.models import AuditEntry, Image, ImageStatus, Seat, Snapshot
from core.plan import Plan
from core.progress import settle


def owned(snap: Snapshot | None, caller: Caller) -> Snapshot:
    """The caller's own application, else 404: a candidate never learns that another's exists."""
    if snap is None or snap.application.candidate_id != caller.sub:
        raise DomainError("NOT_FOUND")
    return snap


def material(snap: Snapshot, material_type: str) -> MaterialType:
    app = snap.application
    found = catalog().requirement(app.region, app.site, material_type)
    if found is None:
        raise DomainError("UNKNOWN_MATERIAL_TYPE")
    return found


def free_seats(snap: Snapshot, m: MaterialType, now: int) -> list[int]:
    """Places in the slot nobody holds, or held by a reservation that expired unused (issue 3)."""
    held = {s.index: s for s in snap.seats_of(m.type)}
    return [n for n in range(m.max_count) if n not in held or held[n].free(now)]


def reserve(snap: Snapshot, caller: Caller, material_type: str, content_type: str, size: int | None,
            file_name: str | None, image_id: str, now: int, at: str, ttl: int) -> tuple[Plan, Image]:
    app = owned(snap, caller).application
    if not app.editable:
        raise DomainError("APPLICATION_NOT_EDITABLE")
    m = material(snap, material_type)
    if content_type not in ACCEPT:
        raise DomainError("UNSUPPORTED_CONTENT_TYPE")
    if size is not None and size > MAX_BYTES:
        raise DomainError("FILE_TOO_LARGE")
    free = free_seats(snap, m, now)
    if not free:
        raise DomainError("SLOT_FULL")  # R10
    index = free[0]
    stale = next((s for s in snap.seats_of(m.type) if s.index == index), None)
    expired = snap.image(stale.image_id) if stale else None
    image = Image(image_id=image_id, material_type=m.type, status=ImageStatus.PENDING, version=1, seat=index,
                  upload_key=upload_key(app.id, m.type, image_id), uploaded_at=at, expires_at=now + ttl,
                  content_type=content_type, file_name=file_name)
    plan = Plan(
        before=app, after=app.changed(at), now=now,
        put_images=[(image, None)],
        delete_images=[expired] if expired else [],
        take_seats=[Seat(material_type=m.type, index=index, image_id=image_id, expires_at=now + ttl)],
        audit=[AuditEntry(at=at, actor=caller.sub, role="candidate", action="image_reserved", image_id=image_id,
                          material_type=m.type)],
    )
    return plan, image


def delete(snap: Snapshot, caller: Caller, material_type: str, image_id: str, now: int, at: str) -> Plan:
    app = owned(snap, caller).application
    image = snap.image(image_id)
    if image is None or image.material_type != material_type:
        raise DomainError("NOT_FOUND")
    if image.locked:
        raise DomainError("IMAGE_LOCKED")  # R13, R14
    if not app.editable:
        raise DomainError("APPLICATION_NOT_EDITABLE")
    seat = next((s for s in snap.seats if s.image_id == image_id), None)
    remaining = [i for i in snap.images if i.image_id != image_id]
    after, settled = settle(app.changed(at), remaining, at)
    return Plan(
        before=app, after=after, now=now, delete_images=[image], release_seats=[seat] if seat else [],
        audit=[AuditEntry(at=at, actor=caller.sub, role="candidate", action="image_deleted", image_id=image_id,
                          material_type=material_type, from_status=image.status), *settled],
    )


def replaced(images: list[Image], new: Image) -> list[Image]:
    return [new if i.image_id == new.image_id else i for i in images]


def with_status(image: Image, status: ImageStatus, **changes) -> Image:
    return replace(image, status=status, version=image.version + 1, **changes)
