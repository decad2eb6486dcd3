"""Hand-built domain objects for the unit tier: an application's snapshot as `core.db.load` would give
it, built in a line, so a rule is tested on exactly the state it is about. No AWS, no moto.

Defaults follow the demo catalogue's region 11 / site 1101 (identity document 2, diploma 1-2, probation
certificate 1, other 0-5) and a fixed clock, so every expected value can be written out.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.clock import Now
from core.errors import DomainError
from core.identity import Caller
from core.models import (
    HOLDS_SEAT,
    Application,
    AppStatus,
    AuditEntry,
    Image,
    ImageStatus,
    Level,
    Request,
    Seat,
    Snapshot,
)
from process_image.processing import Outcome
from testkit.people import id_number

NOW = Now(1_780_000_000.0)
EARLIER = NOW.plus(-3600)  # when the application first became ready, in the tests that need one
UPLOAD_TTL = 300

# What region 11 / site 1101 requires (catalog.json): type -> minCount.
REQUIRED = {"id_card": 2, "diploma": 1, "practice_proof": 1}


def caller(sub: str, *groups: str, site: str | None = None, region: str | None = None) -> Caller:
    return Caller(sub=sub, groups=frozenset(groups), site=site, region=region)


CANDIDATE = caller("cand-1", "candidate")
SITE = caller("rev-site", "site_reviewer", site="1101", region="11")
SITE2 = caller("rev-site-2", "site_reviewer", site="1101", region="11")
REGION = caller("rev-region", "region_reviewer", region="11")
BOTH = caller("rev-both", "site_reviewer", "region_reviewer", site="1101", region="11")
OFFICE = caller("office", "exam_office")


def application(**changes) -> Application:
    """A registered application of cand-1 in region 11 / site 1101, in 填报, nothing uploaded yet."""
    base = {"id": "app-1", "candidate_id": "cand-1", "region": "11", "site": "1101", "category": "临床执业医师",
            "exam_year": 2026, "candidate_name": "张三", "id_number": id_number(1), "household_region": "11",
            "status": AppStatus.DRAFT, "version": 7, "created_at": EARLIER.plus(-86400).iso,
            "updated_at": EARLIER.iso}
    return Application(**{**base, **changes})


def queued(**changes) -> Application:
    """A complete application waiting in its site's queue since EARLIER."""
    return application(**{"queue": Level.SITE, "ready_at": EARLIER.iso, "site_first_ready_at": EARLIER.iso, **changes})


def claimed_by(app: Application, who: Caller, expires: int = NOW.seconds + 600) -> Application:
    return replace(app, claimed_by=who.sub, claim_expires_at=expires)


# The version an image is at after each step: reserved 1, processed 2, decided 3.
_VERSIONS = {ImageStatus.PENDING: 1, ImageStatus.SUBMITTED: 2, ImageStatus.INVALID: 2,
             ImageStatus.APPROVED: 3, ImageStatus.NEEDS_REVISION: 3}


def image(material_type: str = "id_card", n: int = 0, status: ImageStatus = ImageStatus.SUBMITTED,
          app_id: str = "app-1", **changes) -> Image:
    """Image `n` of a type, sitting in seat n; a processed one has its watermarked copy."""
    image_id = changes.pop("image_id", f"{material_type}-{n}")
    processed = status is not ImageStatus.PENDING
    fields = {
        "image_id": image_id, "material_type": material_type, "status": status, "version": _VERSIONS[status],
        "seat": None if status is ImageStatus.INVALID else n,
        "upload_key": f"uploads/{app_id}/{material_type}/{image_id}", "uploaded_at": EARLIER.plus(n).iso,
        "content_type": "image/jpeg",
        "expires_at": NOW.seconds + UPLOAD_TTL if status is ImageStatus.PENDING else None,
    }
    if processed and status is not ImageStatus.INVALID:
        fields.update(object_key=f"materials/{app_id}/{material_type}/{image_id}.jpg",
                      thumbnail_key=f"materials/{app_id}/{material_type}/{image_id}.thumb.jpg", width=1600, height=1200,
                      bytes=150_000, sha256="ab" * 32, processed_at=EARLIER.plus(n + 1).iso, reference=f"REF{n:07d}")
    if status is ImageStatus.INVALID:
        fields.update(processed_at=EARLIER.plus(n + 1).iso, reason="TOO_SMALL")
    if status is ImageStatus.NEEDS_REVISION:
        fields.update(review_reason_code="BLURRY", review_note="看不清", decided_by="rev-site",
                      decided_at=EARLIER.plus(n + 2).iso)
    if status is ImageStatus.APPROVED:
        fields.update(decided_by="rev-site", decided_at=EARLIER.plus(n + 2).iso)
    return Image(**{**fields, **changes})


def pending(material_type: str = "id_card", n: int = 0, expires_at: int = NOW.seconds + UPLOAD_TTL, **changes) -> Image:
    return image(material_type, n, ImageStatus.PENDING, expires_at=expires_at, **changes)


def seat_of(img: Image) -> Seat:
    return Seat(material_type=img.material_type, index=img.seat, image_id=img.image_id,
                expires_at=img.expires_at if img.status is ImageStatus.PENDING else None)


def complete_images(status: ImageStatus = ImageStatus.SUBMITTED) -> list[Image]:
    """Every image region 11 requires, all in one status."""
    return [image(t, n, status) for t, count in REQUIRED.items() for n in range(count)]


def snapshot(app: Application | None = None, images: list[Image] = (), seats: list[Seat] | None = None,
             audit: list[AuditEntry] = ()) -> Snapshot:
    """The partition as one Query reads it; unless given, each image that holds a place has its seat."""
    images = list(images)
    if seats is None:
        seats = [seat_of(i) for i in images if i.status in HOLDS_SEAT and i.seat is not None]
    return Snapshot(application=app or application(), images=images, seats=list(seats), audit=list(audit))


def entry(action: str, at: Now = EARLIER, actor: str = "cand-1", role: str = "candidate", **fields) -> AuditEntry:
    return AuditEntry(at=at.iso, actor=actor, role=role, action=action, **fields)


def request(material_type: str, count: int = 1, baseline: int = 0, note: str | None = None) -> Request:
    return Request(type=material_type, count=count, note=note, baseline=baseline)


def processed(**changes) -> Outcome:
    """What process_image reports for an accepted photo."""
    base = {"object_key": "materials/app-1/diploma/diploma-0.jpg", "width": 1600, "height": 1200, "bytes": 140_000,
            "sha256": "cd" * 32, "processing_ms": 85, "reference": "7K3M9QXW2A"}
    return Outcome(**{**base, **changes})


def refused(reason: str = "UNSUPPORTED_FORMAT", found: str | None = "HEIC") -> Outcome:
    return Outcome(reason=reason, reason_found=found, processing_ms=3)


def refusal(decide, *args) -> DomainError:
    """The contract error a decision raises (and so writes nothing)."""
    with pytest.raises(DomainError) as e:
        decide(*args)
    return e.value
