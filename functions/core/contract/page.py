"""The materials page (R2, R4, R9-R14, R16): slots, images, reviewer notes and the timeline; the reviewer's variant."""

from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from core.contract.applications import ApplicationOut, ReviewApplicationOut
from core.contract.base import Model


class QualityWarning(Model):
    code: Literal["BLURRY", "TOO_DARK", "OVEREXPOSED", "GLARE", "CUT_OFF", "DUPLICATE"]
    message: str
    messageZh: str


class Quality(Model):
    warnings: list[QualityWarning] = Field(description="empty when the photo looks fine; a warning never refuses it")


class CheckFinding(Model):
    code: Literal["WRONG_DOCUMENT", "ID_NUMBER_MISMATCH", "NAME_MISMATCH", "ID_EXPIRED", "UNREADABLE"]
    message: str = Field(description="what was found and how to fix it")
    messageZh: str


class Checks(Model):
    """The machine pre-checks of a SUBMITTED picture: advice, never a refusal."""

    state: Literal["PENDING", "DONE", "SKIPPED"] = Field(
        description="PENDING until read; SKIPPED for slots the checks do not cover")
    documentType: Literal["ID_CARD_FRONT", "ID_CARD_BACK", "DIPLOMA", "PRACTICE_PROOF", "RESIDENCE_PERMIT", "OTHER"] | None
    passed: bool | None = Field(description="true when done with no finding; null until done")
    findings: list[CheckFinding]


class CheckRead(Model):
    idNumber: str | None = Field(description="the identity number as read from the card (null: not read)")
    name: str | None
    validUntil: str | None = Field(description="the end of the card's validity as read: a date, or 长期")


class ReviewChecks(Checks):
    read: CheckRead = Field(description="what was read, to set beside the registration's values (staff only)")


class DuplicateRef(Model):
    applicationId: str
    imageId: str


class TimelineEntry(Model):
    model_config = ConfigDict(populate_by_name=True)
    at: str
    action: str
    label: str
    labelEn: str
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    materialType: str | None = None
    imageId: str | None = None
    level: str | None = None
    reasonCode: str | None = None
    note: str | None = None
    count: int | None = None


class AuditOut(TimelineEntry):
    actor: str = Field(description="who (reviewers and the exam office only)")
    role: str


class ImageOut(Model):
    imageId: str
    status: str
    statusLabel: str
    statusLabelEn: str
    locked: bool
    version: int
    url: str | None = Field(description="link to the watermarked image; load it only when the picture is opened")
    thumbnailUrl: str | None = Field(description=(
        "link to its watermarked thumbnail (at most 320 px, 24 KB) for pages and queues; the picture's `url` "
        "for an image processed before thumbnails were made"))
    width: int | None
    height: int | None
    bytes: int | None
    reason: str | None
    reasonMessage: str | None
    reasonMessageZh: str | None
    reviewReasonCode: str | None
    reviewNote: str | None
    reviewReasonMessage: str | None
    reviewReasonMessageZh: str | None
    uploadedAt: str
    processedAt: str | None
    fileName: str | None
    quality: Quality | None = Field(default=None, description="instant feedback on a processed photo")
    checks: Checks | None = Field(default=None, description="the machine pre-checks (never what was read)")


class ReviewImageOut(ImageOut):
    reference: str | None = Field(description="the reference drawn in its watermark (trace it: GET /review/trace/{reference})")
    duplicateOf: list[DuplicateRef] = Field(
        description="near-identical pictures in other candidates' applications (never shown to candidates)")
    history: list[AuditOut] = Field(default_factory=list, description="what happened to this image, and who did it: "
                                    "its entries among the page's newest 50 of the trail, oldest first")
    historyCursor: str | None = Field(
        default=None, description="its older entries: GET /review/applications/{id}/images/{imageId}/history?cursor=…; "
                                  "null when the history above is all of it")
    checks: ReviewChecks | None = Field(default=None, description="the machine pre-checks, with what was read")


class Requested(Model):
    count: int
    note: str | None
    met: bool


class MaterialOut(Model):
    type: str
    name: str
    nameEn: str
    description: str
    descriptionEn: str
    sampleImageUrl: str | None
    minCount: int
    maxCount: int
    required: bool
    accept: list[str]
    maxBytes: int
    canUpload: bool
    remaining: int
    complete: bool
    requested: Requested | None = None
    images: Sequence[ImageOut]


class ReviewMaterialOut(MaterialOut):
    images: Sequence[ReviewImageOut]


class ReviewNote(Model):
    kind: Literal["comment", "image", "request"]
    level: str | None
    levelLabel: str
    levelLabelEn: str
    at: str
    decision: str
    comment: str | None
    imageId: str | None = None
    materialType: str | None = None
    count: int | None = None
    reasonCode: str | None = None
    reasonMessage: str | None = None
    reasonMessageZh: str | None = None


TIMELINE = "the newest 50 entries (or fewer), oldest first"
OLDER_TIMELINE = "the entries before these: GET /applications/{id}/timeline?cursor=…; null when there are none"


class PageWindow(Model):
    """The candidate's window: the times, which one limits this application now, and whether it is open."""
    uploadOpens: str
    uploadCloses: str
    fixUntil: str
    siteReviewDue: str
    regionReviewDue: str
    applies: Literal["uploadCloses", "fixUntil"] | None = Field(
        description="the time until which this application may change (none once it is past the candidate)")
    closesAt: str | None = Field(description="that time (ISO 8601, +08:00)")
    closesAtEpoch: int | None
    open: bool = Field(description="whether the candidate may reserve and delete now")


class ReviewDeadline(Model):
    level: Literal["SITE", "REGION"]
    due: str = Field(description="ISO 8601, +08:00")
    dueEpoch: int
    overdue: bool


class Page(Model):
    application: ApplicationOut
    reviewNotes: list[ReviewNote]
    materials: list[MaterialOut]
    timeline: list[TimelineEntry] = Field(description=TIMELINE)
    timelineCursor: str | None = Field(default=None, description=OLDER_TIMELINE)
    window: PageWindow | None = Field(default=None, description="the exam season's window of its year and region, "
                                                                "if the exam office set one (times in Beijing time)")


class ReviewPage(Model):
    """The candidate's page (Page) as reviewers see it, plus who did what: each image's history on the
    image, the whole audit trail, and every image's history by id (replaced and deleted ones too)."""
    application: ReviewApplicationOut
    reviewNotes: list[ReviewNote]
    materials: list[ReviewMaterialOut]
    timeline: list[TimelineEntry] = Field(description=TIMELINE)
    timelineCursor: str | None = Field(default=None, description=OLDER_TIMELINE)
    audit: list[AuditOut] = Field(description="the trail's newest 50 entries, oldest first, with who did each")
    auditCursor: str | None = Field(
        default=None, description="the entries before these: GET /review/applications/{id}/audit?cursor=…; null when "
                                  "there are none")
    imageHistory: dict[str, list[AuditOut]] = Field(
        description="the audit list's entries by image (deleted and replaced images too); older ones come with "
                    "auditCursor's pages")
    window: PageWindow | None = None
    reviewDeadline: ReviewDeadline | None = Field(default=None, description="the deadline of the level it waits at")


class TimelinePage(Model):
    """Older entries of a timeline: the 50 (or fewer) before the cursor, oldest first."""
    items: list[TimelineEntry]
    nextCursor: str | None = Field(description="the entries before these; null when there are none")


class AuditPage(Model):
    """Older entries of the audit list or of one image's history: the 50 (or fewer) before the cursor, oldest first."""
    items: list[AuditOut]
    nextCursor: str | None = Field(description="the entries before these; null when there are none")
