"""The exam season without a developer: the exam office's windows (when uploads open and close per exam
year and region, until when a returned application may change, each review level's deadline) and the
requirement catalogue it edits in versions (national -> region -> site), with sample pictures and a
preview of the candidate's page."""

from __future__ import annotations

from typing import Annotated

from core import coldstart
from core import contract as c
from core.http import Api, Path, Query, Response
from core.identity import ROLES
from core.params import MaterialTypePath
from season import use_cases

api = Api()
app = api.app
metrics = api.metrics

OFFICE = ("exam_office",)
ExamYearPath = Annotated[int, Path(ge=2000, le=2100, description="exam year")]
RegionPath = Annotated[str, Path(pattern=r"^[0-9]{2}$", description="exam region (考区) code")]
Scope = Annotated[str, Path(pattern=r"^(national|region-[0-9]{2}|site-[0-9]{4,6})$",
                            description="national, region-{code} or site-{code}")]
VersionQuery = Annotated[int | None, Query(ge=1, le=2**31, description="a catalogue version (default: the newest)")]


@api.route("put", "/windows/<examYear>/<region>", roles=OFFICE, summary="Set an exam year's window in a region",
           description="Times are ISO 8601 with their offset and go uploadOpens <= uploadCloses <= fixUntil <= "
                       "siteReviewDue <= regionReviewDue. A reservation or delete outside the time that applies "
                       "(uploadCloses, or fixUntil for a returned application) is 409 WINDOW_CLOSED.",
           errors=["NOT_FOUND"])
def put_window(examYear: ExamYearPath, region: RegionPath, window: c.WindowIn) -> c.WindowOut:
    out = use_cases.set_window(api.caller(), examYear, region, window)
    metrics.add_metric(name="WindowsSet", unit="Count", value=1)
    return out


@api.route("get", "/windows/<examYear>", roles=ROLES, summary="An exam year's windows, by region")
def get_windows(examYear: ExamYearPath) -> c.WindowList:
    return use_cases.windows(examYear)


@api.route("get", "/catalogue", roles=ROLES, summary="The requirement catalogue (the newest version, or one asked for)",
           errors=["NOT_FOUND"])
def get_catalogue(version: VersionQuery = None) -> c.CatalogueOut:
    return use_cases.get_catalogue(version)


@api.route("get", "/catalogue/versions", roles=OFFICE, summary="Who changed the catalogue when, newest first")
def catalogue_versions(limit: Annotated[int, Query(ge=1, le=100)] = 50) -> c.CatalogueHistory:
    return use_cases.history(limit)


@api.route("get", "/catalogue/preview", roles=OFFICE, summary="The materials of the candidate's page for a region and site",
           errors=["UNKNOWN_SCOPE", "NOT_FOUND"])
def catalogue_preview(region: Annotated[str, Query(pattern=r"^[0-9]{2}$")],
                      site: Annotated[str, Query(pattern=r"^[0-9]{4,6}$")],
                      householdRegion: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
                      version: VersionQuery = None) -> c.CataloguePreview:
    return use_cases.preview(region, site, householdRegion, version)


@api.route("put", "/catalogue/<scope>/materials/<type>", roles=OFFICE,
           summary="Ask for a material at a scope, exactly as given: a new catalogue version",
           description="New registrations take the new version; an application keeps the version it was registered under.",
           errors=["INVALID_COUNTS", "UNKNOWN_SCOPE", "NOT_FOUND"])
def put_material(scope: Scope, type: MaterialTypePath, material: c.MaterialIn) -> c.CatalogueChanged:
    out = use_cases.change_material(api.caller(), scope, type, material)
    metrics.add_metric(name="CatalogueChanges", unit="Count", value=1)
    return out


@api.route("delete", "/catalogue/<scope>/materials/<type>", roles=OFFICE,
           summary="No longer ask for a material at a scope: a new catalogue version",
           errors=["UNKNOWN_SCOPE", "UNKNOWN_MATERIAL_TYPE"])
def delete_material(scope: Scope, type: MaterialTypePath) -> c.CatalogueChanged:
    out = use_cases.change_material(api.caller(), scope, type, None)
    metrics.add_metric(name="CatalogueChanges", unit="Count", value=1)
    return out


@api.route("post", "/catalogue/samples/<type>", roles=OFFICE, summary="Upload a sample picture: a presigned POST",
           success={201: "POST the file to upload.url, then name `sample` in PUT /catalogue/{scope}/materials/{type}"})
def sample_upload(type: MaterialTypePath, sample: c.SampleRequest) -> Response[c.SampleUpload]:
    return Response(status_code=201, content_type="application/json", body=use_cases.sample_upload(type, sample))


lambda_handler = api.handler()
coldstart.done()  # loaded: last line of the module
