"""Where the exam office works all day (R13-R21): ordered queues, claims, per-image decisions that
lock or flag, the two-level application decision, later exam phases, the full audit trail, and the
office's search, season view and watermark trace."""

from __future__ import annotations

from typing import Annotated, Literal

from core import coldstart
from core import contract as c
from core.http import Api, Path, Query, Response
from core.identity import REVIEWERS
from core.params import AppId, ImageId
from review import use_cases

api = Api()
app = api.app
metrics = api.metrics

OFFICE = ("exam_office",)
Limit = Annotated[int, Query(ge=1, le=100, description="page size")]
Cursor = Annotated[str | None, Query(max_length=2000, description="nextCursor of the previous page")]
Status = Annotated[Literal["DRAFT", "RETURNED", "SITE_APPROVED", "APPROVED", "REJECTED", "READY_FOR_EXAM", "PASSED",
                           "FAILED"] | None, Query()]
RegionCode = Annotated[str | None, Query(pattern=r"^[0-9]{2}$")]
SiteCode = Annotated[str | None, Query(pattern=r"^[0-9]{4,6}$")]
# No pattern or length: a person's typing is read as meant (core.references), the rest is not found.
Reference = Annotated[str, Path(min_length=1, description=(
    "the reference printed in a watermark, as typed: '#N1FG2Z9XJ2', spaces, lower case and O/I/L for 0/1 are "
    "read as meant; anything that cannot be a reference is not found"))]


@api.route("get", "/review/queue", roles=REVIEWERS, summary="The reviewer's queue, in the order applications became ready (R15)")
def queue(limit: Limit = 20, cursor: Cursor = None,
          level: Annotated[Literal["site", "region", "SITE", "REGION"] | None, Query()] = None) -> c.QueuePage:
    return use_cases.queue(api.caller(), level, limit, cursor)


@api.route("post", "/review/applications/<id>/claim", roles=REVIEWERS,
           summary="Claim (or renew) a 15-minute review lease",
           errors=["NOT_FOUND", "CLAIMED_BY_OTHER", "INCOMPLETE_MATERIALS", "INVALID_TRANSITION", "SEPARATION_OF_DUTIES"])
def claim(id: AppId) -> c.Claim:
    return use_cases.claim(api.caller(), id)


@api.route("delete", "/review/applications/<id>/claim", roles=REVIEWERS, summary="Release the review lease",
           success={204: "Released"}, errors=["NOT_FOUND", "NOT_CLAIMED"])
def release(id: AppId) -> Response[str]:
    use_cases.release(api.caller(), id)
    return Response(status_code=204, body="")


@api.route("get", "/review/applications", roles=(*REVIEWERS, *OFFICE),
           summary="Find applications: by id, id number or name (q), or by status, region and site")
def search(status: Status = None, region: RegionCode = None, site: SiteCode = None,
           q: Annotated[str | None, Query(min_length=1, max_length=64)] = None, limit: Limit = 20,
           cursor: Cursor = None) -> c.SearchPage:
    return use_cases.search(api.caller(), status, region, site, q, limit, cursor)


@api.route("get", "/review/stats", roles=(*REVIEWERS, *OFFICE), summary="The season at a glance, per site, as of now")
def stats(region: RegionCode = None, site: SiteCode = None) -> c.Stats:
    return use_cases.stats(api.caller(), region, site)


@api.route("get", "/review/trace/<reference>", roles=OFFICE, summary="Whose image a watermark reference belongs to (R7)",
           errors=["NOT_FOUND"])
def trace(reference: Reference) -> c.Trace:
    return use_cases.trace(api.caller(), reference)


@api.route("get", "/review/applications/<id>", roles=(*REVIEWERS, *OFFICE),
           summary="The page, plus who did what, image histories and watermark references", errors=["NOT_FOUND"])
def review_page(id: AppId) -> c.ReviewPage:
    return use_cases.review_page(api.caller(), id)


@api.route("post", "/review/applications/<id>/images/<imageId>/decision", roles=REVIEWERS,
           summary="Approve (lock, R13, R14) or flag one image",
           errors=["NOT_FOUND", "STALE_VERSION", "NOT_CLAIMED", "CLAIMED_BY_OTHER", "INVALID_TRANSITION",
                   "SEPARATION_OF_DUTIES"])
def image_decision(id: AppId, imageId: ImageId, body: c.ImageDecision) -> c.ImageDecisionOut:
    result = use_cases.decide_image(api.caller(), id, imageId, body)
    metrics.add_metric(name="ImageDecisions", unit="Count", value=1)
    return result


@api.route("post", "/review/applications/<id>/images/approve-passed", roles=REVIEWERS,
           summary="Approve every submitted image whose machine pre-checks passed, in one transaction",
           errors=["NOT_FOUND", "STALE_VERSION", "NOT_CLAIMED", "CLAIMED_BY_OTHER", "INVALID_TRANSITION",
                   "SEPARATION_OF_DUTIES"])
def approve_passed(id: AppId, body: c.ApprovePassed) -> c.ReviewPage:
    page, approved = use_cases.approve_passed(api.caller(), id, body)
    metrics.add_metric(name="ImageDecisions", unit="Count", value=approved)
    return page


@api.route("post", "/review/applications/<id>/decision", roles=REVIEWERS,
           summary="Approve, return (with comments and requests) or reject the application",
           errors=["NOT_FOUND", "STALE_VERSION", "NOT_CLAIMED", "CLAIMED_BY_OTHER", "INCOMPLETE_MATERIALS",
                   "INVALID_TRANSITION", "SEPARATION_OF_DUTIES", "UNKNOWN_MATERIAL_TYPE"])
def application_decision(id: AppId, body: c.ApplicationDecision) -> c.ApplicationOut:
    result = use_cases.decide_application(api.caller(), id, body)
    metrics.add_metric(name="ApplicationDecisions", unit="Count", value=1)
    return result


@api.route("post", "/review/applications/<id>/phase", roles=OFFICE, summary="Later exam phases (R20)",
           errors=["NOT_FOUND", "INVALID_TRANSITION"])
def phase(id: AppId, body: c.Phase) -> c.ApplicationOut:
    return use_cases.set_phase(api.caller(), id, body)


lambda_handler = api.handler()
coldstart.done()  # loaded: last line of the module
