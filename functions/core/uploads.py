"""The candidate's side of a slot: reserve a place for an upload, delete an image (R9-R11, R13), inside
the exam season's window that applies (core.season). Pure decisions: each takes a snapshot, a command
and the time, and returns the Plan to commit (and what it made), or raises the contract error."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core import season
from core.catalog import ACCEPT, MAX_BYTES, MaterialType
from core.clock import Now
from core.errors import DomainError
from core.identity import Caller
from core.keys import upload_key
from core.models import AuditEntry, Image, ImageStatus, Seat, Snapshot
from core.plan import Likeness, Plan
from core.progress import materials_for, settle


@dataclass(frozen=True)
class Reserve:
    caller: Caller
    material_type: str
    content_type: str
    size: int | None
    file_name: str | None
    image_id: str  # random and unguessable: it is part of the upload key
    ttl: int  # seconds the reservation (and its presigned POST) lives


@dataclass(frozen=True)
class Delete:
    caller: Caller
    material_type: str
    image_id: str


def owned(snap: Snapshot | None, caller: Caller) -> Snapshot:
    """The caller's own application, else 404: a candidate never learns that another's exists."""
    if snap is None or snap.application.candidate_id != caller.sub:
        raise DomainError("NOT_FOUND")
    return snap


def material(snap: Snapshot, material_type: str) -> MaterialType:
    found = next((m for m in materials_for(snap.application) if m.type == material_type), None)
    if found is None:
        raise DomainError("UNKNOWN_MATERIAL_TYPE")
    return found


def free_seats(snap: Snapshot, m: MaterialType, now: Now) -> list[int]:
    """Places in the slot nobody holds, or held by a reservation that expired unused (R10)."""
    held = {s.index: s for s in snap.seats_of(m.type)}
    return [n for n in range(m.max_count) if n not in held or held[n].free(now.seconds)]


# What `normalise_content_type` turns into an accepted type, as one regular expression (stated in the
# OpenAPI document; a unit test checks that both agree): image/jpeg, image/jpg or image/png in any case,
# with parameters after ";".
CONTENT_TYPE_PATTERN = r"^\s*[iI][mM][aA][gG][eE]/(?:[jJ][pP][eE]?[gG]|[pP][nN][gG])\s*(?:;[\s\S]*)?$"


def normalise_content_type(content_type: str) -> str:
    media = content_type.lower().split(";")[0].strip()
    return "image/jpeg" if media == "image/jpg" else media  # some browsers and apps still say image/jpg


def reserve(snap: Snapshot | None, cmd: Reserve, now: Now) -> tuple[Plan, Image]:
    snap = owned(snap, cmd.caller)
    app = snap.application
    if not app.editable:
        raise DomainError("APPLICATION_NOT_EDITABLE")
    season.check_open(app, snap.window, now.seconds)
    m = material(snap, cmd.material_type)
    content_type = normalise_content_type(cmd.content_type)
    if content_type not in ACCEPT:
        raise DomainError(
            "UNSUPPORTED_CONTENT_TYPE",
            f"Only JPG/JPEG or PNG images can be uploaded, not {content_type[:40]}. Save the picture as JPG first.",
            f"仅支持上传 JPG/JPEG 或 PNG 格式的图片,不支持 {content_type[:40]}。请先将图片另存为 JPG。")
    if cmd.size is not None and cmd.size > MAX_BYTES:
        raise DomainError(
            "FILE_TOO_LARGE",
            f"The file is {cmd.size // 1024} KB, more than 200 KB. Reduce the photo's size or resolution first.",
            f"文件大小为 {cmd.size // 1024}KB,超过 200KB。请先压缩照片或降低分辨率。")
    free = free_seats(snap, m, now)
    if not free:
        raise DomainError(
            "SLOT_FULL",
            f"{m.name_en} takes at most {m.max_count} image(s). Delete one to upload another.",
            f"{m.name}最多上传 {m.max_count} 张图片,请先删除一张再上传。")  # R10
    index = free[0]
    stale = next((s for s in snap.seats_of(m.type) if s.index == index), None)
    expired = snap.image(stale.image_id) if stale else None
    expires = now.seconds + cmd.ttl
    image = Image(image_id=cmd.image_id, material_type=m.type, status=ImageStatus.PENDING, version=1, seat=index,
                  upload_key=upload_key(app.id, m.type, cmd.image_id), uploaded_at=now.iso, expires_at=expires,
                  content_type=content_type, file_name=cmd.file_name)
    plan = Plan(
        before=app, after=app.changed(now.iso), now=now,
        put_images=[(image, None)],
        delete_images=[expired] if expired else [],
        take_seats=[Seat(material_type=m.type, index=index, image_id=cmd.image_id, expires_at=expires)],
        audit=[AuditEntry(at=now.iso, actor=cmd.caller.sub, role="candidate", action="image_reserved",
                          image_id=cmd.image_id, material_type=m.type)],
        window_check=season.condition(app, now.seconds),
    )
    return plan, image


def delete(snap: Snapshot | None, cmd: Delete, now: Now) -> Plan:
    snap = owned(snap, cmd.caller)
    app = snap.application
    image = snap.image(cmd.image_id)
    if image is None or image.material_type != cmd.material_type:
        if not any(i.material_type == cmd.material_type for i in snap.images):
            material(snap, cmd.material_type)  # a type this application does not have: say so, as POST does
        raise DomainError("NOT_FOUND")
    if image.locked:
        raise DomainError("IMAGE_LOCKED")  # R13, R14
    if not app.editable:
        raise DomainError("APPLICATION_NOT_EDITABLE")
    season.check_open(app, snap.window, now.seconds)
    seat = next((s for s in snap.seats if s.image_id == cmd.image_id), None)
    remaining = [i for i in snap.images if i.image_id != cmd.image_id]
    after, settled = settle(app.changed(now.iso), remaining, now)
    return Plan(
        before=app, after=after, now=now, delete_images=[image], release_seats=[seat] if seat else [],
        remove_likeness=[Likeness(image.phash, app.id, image.image_id, app.candidate_id)] if image.phash else [],
        audit=[AuditEntry(at=now.iso, actor=cmd.caller.sub, role="candidate", action="image_deleted",
                          image_id=cmd.image_id, material_type=cmd.material_type, from_status=image.status),
               *settled],
        window_check=season.condition(app, now.seconds),
    )


def replaced(images: list[Image], new: Image) -> list[Image]:
    return [new if i.image_id == new.image_id else i for i in images]


def with_status(image: Image, status: ImageStatus, **changes) -> Image:
    return replace(image, status=status, version=image.version + 1, **changes)
