"""An application: registration intake, the candidate's list, and the application as the page shows it."""

from typing import Literal

from pydantic import Field

from core import names
from core.contract.base import ExamYear, Model, RequestModel, categories, household_regions, stated
from core.contract.status import Progress


class Registration(RequestModel):
    candidateId: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$",
                             description="the candidate's user id (the `sub` of their sign-in)")
    candidateName: str = Field(min_length=1, max_length=64, description="name as on the identity document",
                               json_schema_extra=names.document_pattern)
    idNumber: str = Field(pattern=r"^[0-9]{17}[0-9Xx]$",
                          description="18-character resident identity number; its GB 11643 check digit must match")
    householdRegion: str = Field(pattern=r"^[0-9]{2}$", description="province of household registration (户籍), GB/T 2260",
                                 json_schema_extra=stated(enum=household_regions))
    region: str = Field(pattern=r"^[0-9]{2}$", description="exam region (考区) code from the catalogue")
    site: str = Field(pattern=r"^[0-9]{4,6}$", description="exam site (考点) code from the catalogue, in `region`")
    category: str = Field(min_length=1, max_length=64, description="one of the catalogue's exam categories",
                          json_schema_extra=stated(enum=categories))
    examYear: ExamYear
    phone: str | None = Field(default=None, pattern=r"^1[3-9][0-9]{9}$", description="mainland mobile number")


class Phase(RequestModel):
    status: Literal["READY_FOR_EXAM", "PASSED", "FAILED"]


class LevelOutcome(Model):
    decision: str
    at: str
    comment: str | None = None


class ReviewLevelOutcome(LevelOutcome):
    by: str = Field(description="who decided (reviewers and the exam office only)")


class Outcomes(Model):
    site: LevelOutcome | None = None
    region: LevelOutcome | None = None


class ReviewOutcomes(Outcomes):
    site: ReviewLevelOutcome | None = None
    region: ReviewLevelOutcome | None = None


class ApplicationOut(Model):
    id: str
    candidateId: str
    candidateName: str
    idNumber: str = Field(description="shown whole only to the candidate, their reviewers and the exam office")
    idNumberMasked: str
    householdRegion: str
    householdRegionName: str | None = Field(None, description="the province's name, e.g. 北京市")
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
    catalogueVersion: int = Field(default=1, description="the requirement catalogue's version it was registered "
                                                        "under: its materials for good")
    outcomes: Outcomes | None = None


class Registered(ApplicationOut):
    uploadPageUrl: str | None = Field(
        default=None, description="the candidate's upload page for this application, where the registration "
                                  "system sends them next (R1); signing in the first time authorises the account")


class ReviewApplicationOut(ApplicationOut):
    outcomes: ReviewOutcomes | None = None
    claimedBy: str | None = None
    claimExpiresAt: str | None = None
    claimExpiresAtEpoch: int | None = None
    queue: str | None = None
    readyAt: str | None = None
    firstReadyAt: str | None = None
    reReview: bool = Field(False, description="the level it waits at has reviewed it before (复审)")


class ApplicationSummary(Model):
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


class ApplicationList(Model):
    items: list[ApplicationSummary]
