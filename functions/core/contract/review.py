"""Reviewers' and the exam office's work: decisions, queues, claims, search, statistics and tracing (R13-R18)."""

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from core.contract.base import Count, MaterialTypeCode, Model, Note, RequestModel, ReviewReason, Version
from core.contract.status import Progress

# The decisions' rules that tie one field to another (review.rules checks them, INVALID_REQUEST), stated:
# a request for a new image names its reason; a return or rejection has a comment the candidate reads
# (R16), and only a return asks for more material.
WITH_COMMENT: JsonDict = {"type": "string", "pattern": "\\S"}
NOTHING_ASKED: JsonDict = {"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]}


class ImageDecision(RequestModel):
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"properties": {"decision": {"const": "approve"}}},
        {"properties": {"decision": {"const": "revise"}, "reasonCode": {"type": "string"}}, "required": ["reasonCode"]},
    ]})

    decision: Literal["approve", "revise"]
    reasonCode: ReviewReason | None = Field(default=None, description="required for revise")
    note: Note
    version: Version = Field(description="the image's version the reviewer saw")


class ApprovePassed(RequestModel):
    version: Version = Field(description="the application's version the reviewer saw")


class MaterialRequest(RequestModel):
    type: MaterialTypeCode
    count: Count = Field(description="how many more images of this type")
    note: str | None = Field(default=None, max_length=200)


class ApplicationDecision(RequestModel):
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"properties": {"decision": {"const": "approve"}, "requests": NOTHING_ASKED}},
        {"properties": {"decision": {"const": "return"}, "comment": WITH_COMMENT}, "required": ["comment"]},
        {"properties": {"decision": {"const": "reject"}, "comment": WITH_COMMENT, "requests": NOTHING_ASKED},
         "required": ["comment"]},
    ]})

    decision: Literal["approve", "return", "reject"]
    comment: Note
    version: Version = Field(description="the application's version the reviewer saw")
    requests: list[MaterialRequest] | None = Field(
        default=None, max_length=10,
        description="return only: ask for more images of a type (R16, R21), each type at most once")


class QueueItem(Model):
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
    reReview: bool = Field(description="the level it waits at has reviewed it before (复审)")
    imageCount: int
    warningCount: int = Field(description="quality warnings on its images: a hint to sort by")
    claimedBy: str | None
    claimExpiresAt: str | None
    claimExpiresAtEpoch: int | None
    reviewDue: str | None = Field(default=None, description="its level's review deadline (the exam season's window), "
                                                            "ISO 8601 +08:00, while it waits for a review")
    overdue: bool = Field(default=False, description="waiting past that deadline")


class QueuePage(Model):
    level: Literal["SITE", "REGION"]
    items: list[QueueItem]
    nextCursor: str | None


class Claim(Model):
    claimedBy: str
    level: Literal["SITE", "REGION"]
    expiresAt: str
    expiresAtEpoch: int


class ImageDecisionOut(Model):
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


class SearchPage(Model):
    items: list[SearchItem]
    nextCursor: str | None


class Waiting(Model):
    count: int
    p50Seconds: int | None
    p90Seconds: int | None


class Overdue(Model):
    """Applications past the deadline that applies to them now (the exam season's windows)."""
    siteReview: int = Field(description="waiting for the site's review past siteReviewDue")
    regionReview: int = Field(description="waiting for the region's review past regionReviewDue")
    filling: int = Field(description="still being filled in after uploadCloses")
    returned: int = Field(description="returned and not fixed by fixUntil")


class SiteStats(Model):
    site: str
    siteName: str
    region: str
    regionName: str | None = None
    byStatus: dict[str, int]
    byProgress: dict[str, int]
    waiting: Waiting
    overdue: Overdue


class Stats(Model):
    asOf: str
    sites: list[SiteStats]


class Trace(Model):
    reference: str
    applicationId: str
    imageId: str
    type: str
    candidateName: str
    idNumberMasked: str
    watermarkedAt: str
