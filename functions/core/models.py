"""The domain's nouns: application, image, seat (a place in a slot), audit entry, and the snapshot of
one application's partition that every rule is computed from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class AppStatus(StrEnum):
    DRAFT = "DRAFT"
    RETURNED = "RETURNED"
    SITE_APPROVED = "SITE_APPROVED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    READY_FOR_EXAM = "READY_FOR_EXAM"
    PASSED = "PASSED"
    FAILED = "FAILED"


# R19, R20: the label the candidate sees at the top right of the registration info.
STATUS_LABELS: dict[AppStatus, tuple[str, str]] = {
    AppStatus.DRAFT: ("填报", "Filling in"),
    AppStatus.RETURNED: ("退回修改", "Returned for changes"),
    AppStatus.SITE_APPROVED: ("考点通过", "Site review passed"),
    AppStatus.APPROVED: ("审核通过", "Approved"),
    AppStatus.REJECTED: ("审核拒绝", "Rejected"),
    AppStatus.READY_FOR_EXAM: ("备考", "Preparing for the exam"),
    AppStatus.PASSED: ("通过", "Passed"),
    AppStatus.FAILED: ("未通过", "Not passed"),
}

# The candidate may add, delete and replace images only here (R13, R21).
EDITABLE = frozenset({AppStatus.DRAFT, AppStatus.RETURNED})


class ImageStatus(StrEnum):
    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    INVALID = "INVALID"
    NEEDS_REVISION = "NEEDS_REVISION"
    APPROVED = "APPROVED"


# Images that hold a place in their slot (issue 3); INVALID ones do not, and an expired PENDING
# reservation frees its place by itself.
HOLDS_SEAT = frozenset({ImageStatus.PENDING, ImageStatus.SUBMITTED, ImageStatus.NEEDS_REVISION, ImageStatus.APPROVED})
# Images that count towards a slot's minCount when deciding whether an application is complete.
PROCESSED_OK = frozenset({ImageStatus.SUBMITTED, ImageStatus.APPROVED})


@dataclass
class Application:
    id: str
    candidate_id: str
    region: str
    site: str
    category: str
    exam_year: int
    status: AppStatus = AppStatus.DRAFT
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    ready_at: str | None = None  # when it entered its current review queue (R15)
    queue: str | None = None  # "SITE" / "REGION" while it waits in a review queue
    site_decision: dict | None = None
    region_decision: dict | None = None
    claimed_by: str | None = None
    claim_expires_at: int | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status][0]

    @property
    def label_en(self) -> str:
        return STATUS_LABELS[self.status][1]

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    def changed(self, now: str, **changes) -> Application:
        """The application after a change: every change moves `version` on, so the page's ETag
        changes and a reviewer's decision made on an older version is refused (STALE_VERSION)."""
        return replace(self, version=self.version + 1, updated_at=now, **changes)

    def registration(self) -> dict:
        """The fields the registration system owns (PUT /applications/{id} is idempotent on these)."""
        return {"candidateId": self.candidate_id, "region": self.region, "site": self.site,
                "category": self.category, "examYear": self.exam_year}


@dataclass
class Image:
    image_id: str
    material_type: str
    status: ImageStatus
    version: int
    seat: int | None
    upload_key: str
    uploaded_at: str
    expires_at: int | None = None  # epoch seconds; a PENDING reservation is void after this
    content_type: str = ""
    file_name: str | None = None
    object_key: str | None = None  # the watermarked copy in the materials bucket
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    sha256: str | None = None
    processing_ms: int | None = None
    processed_at: str | None = None
    reason: str | None = None
    reason_found: str | None = None
    review_reason_code: str | None = None
    review_note: str | None = None
    decided_at: str | None = None
    decided_by: str | None = None

    @property
    def locked(self) -> bool:
        return self.status is ImageStatus.APPROVED  # R13, R14

    def expired(self, now: int) -> bool:
        return self.status is ImageStatus.PENDING and self.expires_at is not None and self.expires_at <= now

    def holds_seat(self, now: int) -> bool:
        return self.status in HOLDS_SEAT and not self.expired(now)


@dataclass
class Seat:
    material_type: str
    index: int
    image_id: str
    expires_at: int | None = None

    def free(self, now: int) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass
class AuditEntry:
    at: str
    actor: str
    role: str
    action: str
    from_status: str | None = None
    to_status: str | None = None
    image_id: str | None = None
    material_type: str | None = None
    note: str | None = None
    reason_code: str | None = None
    level: str | None = None  # "SITE" / "REGION" for reviewers' decisions


@dataclass
class Snapshot:
    """Everything in one application's partition, read with one Query."""

    application: Application
    images: list[Image] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)

    def image(self, image_id: str) -> Image | None:
        return next((i for i in self.images if i.image_id == image_id), None)

    def images_of(self, material_type: str) -> list[Image]:
        return [i for i in self.images if i.material_type == material_type]

    def seats_of(self, material_type: str) -> list[Seat]:
        return [s for s in self.seats if s.material_type == material_type]
