"""Applications and what the candidate sees of them: registration intake (registrar), the list
(R2), the light status poll (R19, R20) and the materials page."""

from __future__ import annotations

from typing import Annotated

from core import coldstart
from core import contract as c
from core.http import Api, Header, Response
from core.identity import READERS
from core.params import AppId, TrailCursor
from status import use_cases

api = Api()
app = api.app
metrics = api.metrics

ETAG = {"ETag": {"description": "changes whenever anything on the application's page changes",
                 "schema": {"type": "string"}}}


@api.route("put", "/applications/<id>", roles=["registrar"], summary="Register an application (registration system)",
           success={201: "Created", 200: "Already registered with exactly these data (idempotent)"},
           errors=["INVALID_NAME", "INVALID_ID_NUMBER", "UNKNOWN_REGION", "UNKNOWN_SITE", "SITE_NOT_IN_REGION", "UNKNOWN_CATEGORY",
                   "APPLICATION_EXISTS"])
def put_application(id: AppId, registration: c.Registration) -> Response[c.Registered]:
    application, created = use_cases.register(id, registration)
    metrics.add_metric(name="ApplicationsRegistered", unit="Count", value=int(created))
    return Response(status_code=201 if created else 200, content_type="application/json", body=application)


@api.route("get", "/applications", roles=["candidate"], summary="The candidate's applications, newest exam year first (R2)")
def list_applications() -> c.ApplicationList:
    return use_cases.my_applications(api.caller())


@api.route("get", "/applications/<id>", roles=READERS, summary="Everything the upload page shows, in one read",
           description="A reviewer's or the exam office's read is audited: a `viewed` entry on the trail, at most one "
                       "per person and hour. The ETag is the status's as of this read: the poll's first If-None-Match.",
           success={200: {"description": "The page", "headers": ETAG}}, errors=["NOT_FOUND"])
def get_page(id: AppId) -> Response[c.Page]:
    page, tag = use_cases.tagged_page(api.caller(), id)
    return Response(status_code=200, content_type="application/json", body=page, headers={"ETag": tag})


@api.route("get", "/applications/<id>/timeline", roles=READERS,
           summary="Older timeline entries: the 50 before the cursor (the page shows the newest)",
           errors=["NOT_FOUND"])
def get_timeline(id: AppId, cursor: TrailCursor = None) -> c.TimelinePage:
    return use_cases.timeline(api.caller(), id, cursor)


@api.route("get", "/applications/<id>/status", roles=READERS, summary="Status poll with ETag / If-None-Match",
           success={200: {"description": "The status", "headers": ETAG},
                    304: {"description": "Not modified since the ETag sent in If-None-Match", "headers": ETAG}},
           errors=["NOT_FOUND"], model=c.StatusOut)
def get_status(id: AppId, if_none_match: Annotated[str | None, Header(alias="if-none-match")] = None
               ) -> Response[c.StatusOut | None]:
    body, tag = use_cases.status(api.caller(), id, if_none_match)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if body is None:
        return Response(status_code=304, body=None, headers=headers)  # nothing changed: no body
    return Response(status_code=200, content_type="application/json", body=body, headers=headers)


lambda_handler = api.handler()
coldstart.done()  # loaded: last line of the module
