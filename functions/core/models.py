"""The domain's nouns: application, image, seat (a place in a slot), audit entry, review level,
and the snapshot of one application's partition that every rule is computed from."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, ClassVar


def camel(name: str) -> str:
    """A field's name where it is stored and shown (DynamoDB attributes, the contract's JSON): `image_id`
    is `imageId`."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def carried(source: Any, target: type) -> dict[str, Any]:
    """The fields of the dataclass `source` that the dataclass `target` has too, by name: how one record
    hands its facts on to the next (a processed picture to its outcome, an outcome to its image), so a
    new fact is declared where it is made and where it lands, and nowhere in between."""
    names = {f.name for f in fields(target)}
    return {f.name: getattr(source, f.name) for f in fields(source) if f.name in names}


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


class Level(StrEnum):
    """The two review levels (R18): exam site (考点) first, then exam region (考区)."""

    SITE = "SITE"
    REGION = "REGION"

    @property
    def label(self) -> str:
        return "考点" if self is Level.SITE else "考区"

    @property
    def label_en(self) -> str:
        return "Exam site" if self is Level.SITE else "Exam region"

    @property
    def role(self) -> str:
        return "site_reviewer" if self is Level.SITE else "region_reviewer"


class ImageStatus(StrEnum):
    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    INVALID = "INVALID"
    NEEDS_REVISION = "NEEDS_REVISION"
    APPROVED = "APPROVED"


IMAGE_LABELS: dict[ImageStatus, tuple[str, str]] = {
    ImageStatus.PENDING: ("处理中", "Processing"),
    ImageStatus.SUBMITTED: ("已提交", "Submitted"),
    ImageStatus.INVALID: ("未通过检查", "Not accepted"),
    ImageStatus.NEEDS_REVISION: ("需重新上传", "Needs a new image"),
    ImageStatus.APPROVED: ("已审核通过", "Approved"),
}

# Images that hold a place in their slot (R10); INVALID ones do not, and an expired PENDING
# reservation frees its place by itself.
HOLDS_SEAT = frozenset({ImageStatus.PENDING, ImageStatus.SUBMITTED, ImageStatus.NEEDS_REVISION, ImageStatus.APPROVED})
# Images that count towards a slot's minCount when deciding whether an application is complete.
PROCESSED_OK = frozenset({ImageStatus.SUBMITTED, ImageStatus.APPROVED})
# Images with a watermarked copy a reviewer looks at.
REVIEWABLE = frozenset({ImageStatus.SUBMITTED, ImageStatus.NEEDS_REVISION, ImageStatus.APPROVED})


@dataclass(frozen=True)
class Request:
    """A reviewer's "add `count` more images of `type`" on a return (R16, R21), without flagging a
    good image. `baseline` is how many good images of the type there were when it was asked: the
    request is met once there are `baseline + count`."""

    type: str
    count: int
    note: str | None
    baseline: int

    @property
    def wanted(self) -> int:
        return self.baseline + self.count


@dataclass
class Application:
    # The fields the registration system owns: PUT /applications/{id} is idempotent on these, and no
    # decision ever changes them.
    REGISTRATION: ClassVar[tuple[str, ...]] = ("candidate_id", "candidate_name", "id_number", "household_region",
                                               "region", "site", "category", "exam_year", "phone")

    id: str
    candidate_id: str
    region: str
    site: str
    category: str
    exam_year: int
    candidate_name: str = ""
    id_number: str = ""
    household_region: str = ""
    phone: str | None = None
    status: AppStatus = AppStatus.DRAFT
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    ready_at: str | None = None  # when it entered its current review queue (the wait shown to the office)
    queue: Level | None = None  # the level whose queue it waits in
    # The first time it became ready at each level: its place in that queue for good (R15), so a
    # fixed return, or a delete and re-upload before review, does not send it to the back.
    site_first_ready_at: str | None = None
    region_first_ready_at: str | None = None
    returns: int = 0  # how often it was returned: a re-review after the first
    requests: tuple[Request, ...] = ()  # the open requests of the last return
    site_deciders: tuple[str, ...] = ()  # everyone who made a site-level decision (separation of duties)
    image_count: int = 0  # images a reviewer will look at (the queue shows it without reading them)
    warning_count: int = 0  # quality warnings on those images: a hint reviewers can sort by
    site_decision: dict | None = None
    region_decision: dict | None = None
    claimed_by: str | None = None
    claim_expires_at: int | None = None
    # The requirement catalogue's version it was registered under: its slots for good, whatever the
    # exam office changes later (an application from before versions existed has the first).
    catalogue_version: int = 1

    def claim_live(self, now: int) -> bool:
        """The one rule for a review lease: held by someone and not yet run out."""
        return bool(self.claimed_by) and (self.claim_expires_at or 0) > now

    def claimed_by_other(self, sub: str, now: int) -> bool:
        return self.claim_live(now) and self.claimed_by != sub

    def first_ready_at(self, level: Level) -> str | None:
        return self.site_first_ready_at if level is Level.SITE else self.region_first_ready_at

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

    def registration(self) -> tuple:
        return tuple(getattr(self, name) for name in self.REGISTRATION)


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
    thumbnail_key: str | None = None  # its thumbnail beside it (none for images processed before thumbnails)
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
    reference: str | None = None  # drawn in its watermark; unique, so a leaked copy can be traced (R7)
    quality_warnings: tuple[str, ...] = ()  # instant feedback on the photo; never refuses it
    phash: str | None = None  # perceptual hashes, hex (near-identical pictures: core.likeness)
    duplicate_of: tuple[dict, ...] = ()  # {applicationId, imageId} of near-identical pictures of other candidates
    same_as: str | None = None  # DUPLICATE: the image of this application it repeats (named on the page)
    checks: dict | None = None  # the machine pre-checks' advice (core.checks): PENDING, DONE or SKIPPED

    @property
    def label(self) -> str:
        return IMAGE_LABELS[self.status][0]

    @property
    def label_en(self) -> str:
        return IMAGE_LABELS[self.status][1]

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
    from_status: str | None = field(default=None, metadata={"attribute": "from"})  # as the audit item names them
    to_status: str | None = field(default=None, metadata={"attribute": "to"})
    image_id: str | None = None
    material_type: str | None = None
    note: str | None = None
    reason_code: str | None = None
    level: str | None = None  # "SITE" / "REGION" for reviewers' decisions
    count: int | None = None  # a request's number of images


@dataclass
class Snapshot:
    """Everything in one application's partition, read with one Query."""

    application: Application
    images: list[Image] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    # The exam year's window for its region, where the decision needs it: None when there is none, or when
    # it was not read (a candidate's change carries the window's condition, core.season, so it holds either way).
    window: Window | None = None

    def image(self, image_id: str) -> Image | None:
        return next((i for i in self.images if i.image_id == image_id), None)

    def images_of(self, material_type: str) -> list[Image]:
        return [i for i in self.images if i.material_type == material_type]

    def seats_of(self, material_type: str) -> list[Seat]:
        return [s for s in self.seats if s.material_type == material_type]


@dataclass(frozen=True)
class Window:
    """One exam year's dates in one exam region, set by the exam office (core.season): uploads open and
    close, a returned application may still change until `fix_until`, and each review level's deadline.
    Epoch seconds (the conditions compare them); shown in Beijing time."""

    exam_year: int
    region: str
    upload_opens: int
    upload_closes: int
    fix_until: int
    site_review_due: int
    region_review_due: int
    version: int = 1
    by: str = ""
    at: str = ""


# ---------------------------------------------------------------- notifications (R22, status changes)


@dataclass(frozen=True)
class Contact:
    """A candidate's mobile number, stored once per user, with the consent it may be used under.
    Never logged; shown only masked (notify.contacts.masked)."""

    user: str
    phone: str  # 11 digits, mainland mobile (notify.contacts.normalise)
    consent_at: str  # when the candidate agreed to the privacy notice
    notice: str  # which version of the notice they agreed to
    updated_at: str
    verified_at: str | None = None  # when the candidate typed the code texted to this number

    @property
    def consented(self) -> bool:
        """The one test before any message to this number (status changes, announcements, deadline
        reminders): its owner agreed to the notice and proved the number theirs with the code sent to
        it. A number saved before verification existed is not, until it is verified."""
        return bool(self.consent_at and self.verified_at)


@dataclass(frozen=True)
class Verification:
    """A number given and not yet verified: the code texted to it, kept only as a hash (salted with the
    code's `token`), how often a wrong code was typed, and the consent that comes with the number once
    it is verified."""

    user: str
    phone: str
    code_hash: str
    token: str  # this code's: every write about it is conditional on it (a newer code voids the older)
    sent_at: int  # epoch seconds
    expires_at: int
    consent_at: str
    notice: str
    tries: int = 0  # wrong codes typed


@dataclass(frozen=True)
class Subscription:
    """"Tell me when registration for this exam opens" (R22): one per user, exam year and category."""

    id: str
    user: str
    exam_year: int
    category: str
    created_at: str


@dataclass(frozen=True)
class Announcement:
    """The exam office's "registration is open" for one exam year and category, and how far its
    fan-out to the subscribers has got: `cursor` is the last subscriber handled, the counts are
    those of every subscriber before it (each counted exactly once, in the same write that moves it)."""

    id: str
    exam_year: int
    category: str
    by: str
    created_at: str
    text: str | None = None
    cursor: str | None = None
    recipients: int = 0  # subscribers with a consented contact, so far
    sent: int = 0  # accepted by the channel
    failed: int = 0  # refused by the channel (an invalid or unreachable number)
    unconfirmed: int = 0  # the sender stopped between the request and its answer: maybe sent, never resent
    done: bool = False
    finished_at: str | None = None


class Delivery(StrEnum):
    """One message to one person, as its marker records it (the marker is written, conditionally,
    before anything is sent: what makes every message at most once)."""

    SENDING = "SENDING"  # claimed; the channel was (or was about to be) called
    SENT = "SENT"
    FAILED = "FAILED"
    UNCONFIRMED = "UNCONFIRMED"


@dataclass(frozen=True)
class Marker:
    """Where one message's delivery is recorded, and by which attempt (`token`): the announcement's
    partition and the subscriber, or the application's notices and the audit entry told about."""

    pk: str
    sk: str
    message_kind: str
    ref: str
    channel: str
    token: str
    claimed_at: str
    ttl: int | None  # None: kept for good (RETENTION_DAYS 0)
