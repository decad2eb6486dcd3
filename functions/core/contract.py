"""The shapes of api-contract.md as typed models: what each route accepts and what it answers.

Handlers are annotated with these, so the OpenAPI document is generated from the code that serves
the requests and cannot describe a different API. Request models are strict (no coercion of "100"
or true into a number) and forbid unknown fields; response models list every field a client may
rely on. camelCase, as the contract writes them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.reasons import REVIEW_REASONS


def _integral(value):
    """JSON Schema's (and the document's) "integer" is any number with no fractional part, 2.0 too;
    strict mode would refuse that float. Strings and booleans stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def integer(**bounds):
    """A strict integer field type with its bounds (ge, le), taking 2.0 as 2. The bounds come first:
    after the validator, pydantic's JSON schema would name them "ge"/"le" instead of minimum/maximum."""
    return Annotated[int, Field(**bounds), BeforeValidator(_integral)]


MAX_VERSION = 2**53 - 1  # the largest integer every JSON client reads exactly
ReviewReason = Literal[tuple(REVIEW_REASONS)]  # type: ignore[valid-type]
Note = Annotated[str | None, Field(default=None, max_length=500)]
MaterialTypeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]

# ---------------------------------------------------------------- requests


class _Model(BaseModel):
    # Validators are built on first use, not at import: a cold start pays only for the models of
    # the route it serves (each function declares dozens it may never use in that instance).
    model_config = ConfigDict(defer_build=True)


class _Request(_Model):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True, defer_build=True)


class Registration(_Request):
    candidateId: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$",
                             description="the candidate's user id (the `sub` of their sign-in)")
    candidateName: str = Field(min_length=1, max_length=64, description="name as on the identity document")
    idNumber: str = Field(pattern=r"^[0-9]{17}[0-9Xx]$",
                          description="18-character resident identity number; its GB 11643 check digit must match")
    householdRegion: str = Field(pattern=r"^[0-9]{2}$", description="province of household registration (户籍), GB/T 2260")
    region: str = Field(pattern=r"^[0-9]{2}$", description="exam region (考区) code from the catalogue")
    site: str = Field(pattern=r"^[0-9]{4,6}$", description="exam site (考点) code from the catalogue, in `region`")
    category: str = Field(min_length=1, max_length=64, description="one of the catalogue's exam categories")
    examYear: integer(ge=2000, le=2100)
    phone: str | None = Field(default=None, pattern=r"^1[3-9][0-9]{9}$", description="mainland mobile number")


class UploadRequest(_Request):
    contentType: str = Field(min_length=1, max_length=100, description="image/jpeg or image/png (R6)")
    size: integer(ge=1) | None = Field(default=None, description="bytes, if the browser knows it; over 200 KB is refused")
    fileName: str | None = Field(default=None, max_length=255)


class ImageDecision(_Request):
    decision: Literal["approve", "revise"]
    reasonCode: ReviewReason | None = Field(default=None, description="required for revise")
    note: Note
    version: integer(ge=1, le=MAX_VERSION) = Field(description="the image's version the reviewer saw")


class MaterialRequest(_Request):
    type: MaterialTypeCode
    count: integer(ge=1, le=10) = Field(description="how many more images of this type")
    note: str | None = Field(default=None, max_length=200)


class ApplicationDecision(_Request):
    decision: Literal["approve", "return", "reject"]
    comment: Note
    version: integer(ge=1, le=MAX_VERSION) = Field(description="the application's version the reviewer saw")
    requests: list[MaterialRequest] | None = Field(
        default=None, max_length=10, description="return only: ask for more images of a type (R16, R21)")


class Phase(_Request):
    status: Literal["READY_FOR_EXAM", "PASSED", "FAILED"]


# ---------------------------------------------------------------- responses


class ErrorDetail(_Model):
    code: str = Field(description="stable machine code (api-contract.md \"Errors\")")
    message: str
    messageZh: str


class ErrorBody(_Model):
    error: ErrorDetail


class Progress(_Model):
    code: str
    label: str
    labelEn: str


class LevelOutcome(_Model):
    decision: str
    at: str
    comment: str | None = None


class ReviewLevelOutcome(LevelOutcome):
    by: str = Field(description="who decided (reviewers and the exam office only)")


class Outcomes(_Model):
    site: LevelOutcome | None = None
    region: LevelOutcome | None = None


class ReviewOutcomes(_Model):
    site: ReviewLevelOutcome | None = None
    region: ReviewLevelOutcome | None = None


class ApplicationOut(_Model):
    id: str
    candidateId: str
    candidateName: str
    idNumber: str = Field(description="shown whole only to the candidate, their reviewers and the exam office")
    idNumberMasked: str
    householdRegion: str
    region: str
    regionName: str | None
    site: str
    siteName: str | None
    category: str
    examYear: int
    status: str
    statusLabel: str
    statusLabelEn: str
    progress: Progress
    version: int
    createdAt: str
    updatedAt: str
    outcomes: Outcomes | None = None


class ReviewApplicationOut(ApplicationOut):
    outcomes: ReviewOutcomes | None = None
    claimedBy: str | None = None
    claimExpiresAt: str | None = None
    claimExpiresAtEpoch: int | None = None
    queue: str | None = None
    readyAt: str | None = None
    firstReadyAt: str | None = None
    reReview: bool = False


class StatusOut(_Model):
    status: str
    statusLabel: str
    statusLabelEn: str
    progress: Progress
    version: int
    updatedAt: str


class ApplicationSummary(_Model):
    id: str
    status: str
    statusLabel: str
    statusLabelEn: str
    progress: Progress
    region: str
    regionName: str | None
    site: str
    siteName: str | None
    category: str
    examYear: int
    updatedAt: str


class ApplicationList(_Model):
    items: list[ApplicationSummary]


class QualityWarning(_Model):
    code: Literal["BLURRY", "TOO_DARK", "OVEREXPOSED", "GLARE", "CUT_OFF", "DUPLICATE"]
    message: str
    messageZh: str


class Quality(_Model):
    warnings: list[QualityWarning] = Field(description="empty when the photo looks fine; a warning never refuses it")


class DuplicateRef(_Model):
    applicationId: str
    imageId: str


class ImageOut(_Model):
    imageId: str
    status: str
    statusLabel: str
    statusLabelEn: str
    locked: bool
    version: int
    url: str | None = Field(description="short-lived link to the watermarked image")
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


class ReviewImageOut(ImageOut):
    reference: str | None = Field(description="the reference drawn in its watermark (trace it: GET /review/trace/{reference})")
    duplicateOf: list[DuplicateRef] = Field(
        description="near-identical pictures in other candidates' applications (never shown to candidates)")


class Requested(_Model):
    count: int
    note: str | None
    met: bool


class MaterialOut(_Model):
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
    images: list[ImageOut]


class ReviewMaterialOut(MaterialOut):
    images: list[ReviewImageOut]


class ReviewNote(_Model):
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


class TimelineEntry(_Model):
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


class Page(_Model):
    application: ApplicationOut
    reviewNotes: list[ReviewNote]
    materials: list[MaterialOut]
    timeline: list[TimelineEntry]


class ReviewPage(_Model):
    application: ReviewApplicationOut
    reviewNotes: list[ReviewNote]
    materials: list[ReviewMaterialOut]
    audit: list[AuditOut]
    imageHistory: dict[str, list[AuditOut]]


class PresignedPost(_Model):
    url: str
    fields: dict[str, str] = Field(description="send every field, then the file last, as multipart/form-data")


class Reservation(_Model):
    imageId: str
    materialType: str
    upload: PresignedPost
    expiresAt: str
    expiresAtEpoch: int
    maxBytes: int


class QueueItem(_Model):
    applicationId: str
    candidateId: str
    candidateName: str
    idNumberMasked: str
    region: str
    site: str
    status: str
    statusLabel: str
    readyAt: str | None
    firstReadyAt: str | None
    reReview: bool
    imageCount: int
    warningCount: int = Field(description="quality warnings on its images: a hint to sort by")
    claimedBy: str | None
    claimExpiresAt: str | None
    claimExpiresAtEpoch: int | None


class QueuePage(_Model):
    level: Literal["SITE", "REGION"]
    items: list[QueueItem]
    nextCursor: str | None


class Claim(_Model):
    claimedBy: str
    level: Literal["SITE", "REGION"]
    expiresAt: str
    expiresAtEpoch: int


class ImageDecisionOut(_Model):
    imageId: str
    status: str
    statusLabel: str
    locked: bool
    version: int
    applicationVersion: int


class SearchItem(QueueItem):
    regionName: str | None
    siteName: str | None
    statusLabelEn: str
    progress: Progress
    updatedAt: str


class SearchPage(_Model):
    items: list[SearchItem]
    nextCursor: str | None


class Waiting(_Model):
    count: int
    p50Seconds: int | None
    p90Seconds: int | None


class SiteStats(_Model):
    site: str
    siteName: str
    region: str
    byStatus: dict[str, int]
    byProgress: dict[str, int]
    waiting: Waiting


class Stats(_Model):
    asOf: str
    sites: list[SiteStats]


class Trace(_Model):
    reference: str
    applicationId: str
    imageId: str
    type: str
    candidateName: str
    idNumberMasked: str
    watermarkedAt: str


# ---------------------------------------------------------------- notifications (R22, status changes)
# No model here has a password, or any other site's credentials: R22's source asked for them; this
# API never does (tests/integration/test_notify_api.py reads the OpenAPI document for it).


class ContactIn(_Request):
    phone: str = Field(min_length=1, max_length=20,
                       description="mainland mobile number, 1[3-9] and 9 more digits (spaces, dashes and +86 are accepted)")
    consent: bool = Field(description="agreement to the privacy notice; must be true, and is recorded with its time")


class ContactOut(_Model):
    phoneMasked: str = Field(description="e.g. 138****5678: the number itself is never shown again")
    channel: Literal["sms"]
    consent: bool
    consentAt: str
    noticeVersion: str = Field(description="the version of the privacy notice agreed to")
    updatedAt: str


class SubscriptionIn(_Request):
    examYear: integer(ge=2000, le=2100) = Field(description="this year's exam or one of the next two")
    category: str = Field(min_length=1, max_length=64, description="one of the catalogue's exam categories")


class SubscriptionOut(_Model):
    id: str
    examYear: int
    category: str
    createdAt: str


class SubscriptionList(_Model):
    items: list[SubscriptionOut]
    hasContact: bool = Field(description="false: nothing can be sent until PUT /me/contact")


class Categories(_Model):
    categories: list[str] = Field(description="the exam categories one can subscribe to or announce")
    examYears: list[int] = Field(description="the exam years one can subscribe to now")


class AnnouncementIn(_Request):
    examYear: integer(ge=2000, le=2100)
    category: str = Field(min_length=1, max_length=64)
    text: str | None = Field(default=None, min_length=1, max_length=300,
                             description="the message after the signature; default: registration for the exam is open")


class AnnouncementAccepted(_Model):
    announcementId: str


class AnnouncementProgress(_Model):
    announcementId: str
    examYear: int
    category: str
    createdAt: str
    recipients: int = Field(description="subscribers with a consented contact reached so far (final once done)")
    sent: int = Field(description="messages the SMS provider accepted")
    failed: int = Field(description="numbers the provider refused, plus unconfirmed")
    unconfirmed: int = Field(description="the sender stopped between the request and its answer: maybe sent, never resent")
    done: bool
    finishedAt: str | None = None
