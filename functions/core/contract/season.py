"""The exam season: the office's windows (upload, fix-by and review dates per exam year and region) and
the requirement catalogue it edits in versions; what the candidate's page and the reviewers see of them."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from core.contract.base import Integral, Model, RequestModel, household_regions, stated
from core.contract.page import MaterialOut
from core.contract.uploads import PresignedPost

Time = Annotated[str, Field(min_length=16, max_length=40, json_schema_extra={"format": "date-time"},
                            description="ISO 8601 with its offset, e.g. 2026-03-20T17:00:00+08:00")]
TEXT: JsonDict = {"pattern": "\\S"}  # not only spaces (they are stripped, and then it would be empty)


class WindowIn(RequestModel):
    """The times go uploadOpens <= uploadCloses <= fixUntil <= siteReviewDue <= regionReviewDue (else 400
    INVALID_REQUEST naming the two out of order)."""
    uploadOpens: Time
    uploadCloses: Time = Field(description="after it, a candidate being filled in can no longer reserve or delete")
    fixUntil: Time = Field(description="a returned application may still change until then")
    siteReviewDue: Time
    regionReviewDue: Time


class WindowOut(Model):
    examYear: int
    region: str
    regionName: str | None
    uploadOpens: str = Field(description="ISO 8601, Beijing time (+08:00)")
    uploadCloses: str
    fixUntil: str
    siteReviewDue: str
    regionReviewDue: str
    version: int
    updatedBy: str
    updatedAt: str


class WindowList(Model):
    examYear: int
    items: list[WindowOut] = Field(description="the regions with a window set, by region code")


# ---------------------------------------------------------------- the requirement catalogue

class When(RequestModel):
    """Whom a material applies to, by household region (户籍): e.g. non-local candidates of region 31 are
    householdRegionNotIn ["31"]."""
    householdRegionIn: list[Annotated[str, Field(json_schema_extra=stated(enum=household_regions))]] | None = Field(
        default=None, min_length=1, max_length=40)
    householdRegionNotIn: list[Annotated[str, Field(json_schema_extra=stated(enum=household_regions))]] | None = Field(
        default=None, min_length=1, max_length=40)


def _counts_in_order(schema: dict) -> None:
    """minCount <= maxCount, stated: one branch per maxCount (JSON Schema compares no two fields)."""
    from core.catalog import MAX_COUNT

    schema["anyOf"] = [{"properties": {"maxCount": {"const": k}, "minCount": {"maximum": k}}}
                       for k in range(1, MAX_COUNT + 1)]


def _count(least: int):
    def extra(schema: dict) -> None:
        from core.catalog import MAX_COUNT

        schema.update(minimum=least, maximum=MAX_COUNT)
    return extra


class MaterialIn(RequestModel):
    """A material as the scope asks for it, exactly (fields left out are not inherited from above)."""
    model_config = ConfigDict(json_schema_extra=_counts_in_order)

    name: str = Field(min_length=1, max_length=40, json_schema_extra=TEXT, description="Chinese name, e.g. 居住证明")
    nameEn: str = Field(min_length=1, max_length=80, json_schema_extra=TEXT)
    description: str = Field(min_length=1, max_length=500, json_schema_extra=TEXT,
                             description="what to upload and how, in Chinese")
    descriptionEn: str | None = Field(default=None, min_length=1, max_length=500, json_schema_extra=TEXT,
                                      description="the English text (default: the Chinese one)")
    minCount: Annotated[int, Integral] = Field(json_schema_extra=_count(0),
                                               description="0: optional; else 400 INVALID_COUNTS out of range or order")
    maxCount: Annotated[int, Integral] = Field(json_schema_extra=_count(1))
    when: When | None = Field(default=None, description="whom it applies to (default: every candidate)")
    sample: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,39}(/[A-Za-z0-9_-]{8,64})?\.(png|jpg)$",
                               description="a sample picture: `sample` of POST /catalogue/samples/{type}, "
                                           "once uploaded (404 if it was not)")


class CatalogueOut(Model):
    """The catalogue as of a version: what the exam office edits (merged national -> region -> site)."""
    version: int
    changedBy: str
    changedAt: str
    change: dict = Field(description="what this version changed: {scope, type, action}")
    current: int = Field(description="the newest version")
    categories: list[str]
    householdRegions: dict[str, str]
    materialTypes: dict[str, dict]
    national: dict[str, dict | None]
    regions: dict[str, dict]
    sites: dict[str, dict]


class CatalogueChange(Model):
    version: int
    by: str
    at: str
    change: dict


class CatalogueHistory(Model):
    items: list[CatalogueChange] = Field(description="newest first")


class CatalogueChanged(Model):
    version: int = Field(description="the new version")
    scope: str
    type: str
    action: Literal["put", "delete"]


class CataloguePreview(Model):
    """The materials of the candidate's page for a region, site and household region (empty slots)."""
    version: int
    region: str
    regionName: str | None
    site: str
    siteName: str | None
    householdRegion: str
    materials: list[MaterialOut]


class SampleRequest(RequestModel):
    contentType: Literal["image/png", "image/jpeg"] = Field(description="the picture's type; S3 holds the upload to it")


class SampleUpload(Model):
    sample: str = Field(description="the name to give as `sample` in PUT /catalogue/{scope}/materials/{type}")
    upload: PresignedPost
    expiresAt: str
    maxBytes: int
