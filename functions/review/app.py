"""Where the exam office works all day (R13-R21): ordered queues, claims, per-image decisions that
lock or flag, the two-level application decision, later exam phases, and the full audit trail."""

from typing import Annotated, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from core import service
from core.http import current_caller, resolver
from core.settings import settings

logger = Logger()
settings()  # validated at cold start: a missing setting fails the init, not the first write
tracer = Tracer()
metrics = Metrics()
app = resolver()

REVIEWERS = ("site_reviewer", "region_reviewer")
AppId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
ImageId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Note = Annotated[str | None, Field(default=None, max_length=500)]


class ImageDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: Literal["approve", "revise"]
    reasonCode: Literal["BLURRY", "INCOMPLETE", "ROTATED", "WRONG_DOCUMENT", "EXPIRED", "GLARE", "OTHER"] | None = None
    note: Note
    version: int = Field(ge=1, description="the image's version the reviewer saw")


class ApplicationDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: Literal["approve", "return", "reject"]
    comment: Note
    version: int = Field(ge=1, description="the application's version the reviewer saw")


class Phase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["READY_FOR_EXAM", "PASSED", "FAILED"]


@app.get("/review/queue", summary="The reviewer's queue, oldest first (R15)")
@tracer.capture_method
def queue(limit: Annotated[int, Query(ge=1, le=100)] = 20, cursor: Annotated[str | None, Query(max_length=2000)] = None,
          level: Annotated[Literal["site", "region"] | None, Query()] = None):
    caller = current_caller(app)
    caller.require(*REVIEWERS)
    return service.review_queue(caller, level, limit, cursor)


@app.post("/review/applications/<id>/claim", summary="Claim (or renew) a 15-minute review lease")
@tracer.capture_method
def claim(id: AppId):
    caller = current_caller(app)
    caller.require(*REVIEWERS)
    return service.claim(caller, id)


@app.delete("/review/applications/<id>/claim", summary="Release the review lease")
@tracer.capture_method
def release(id: AppId):
    caller = current_caller(app)
    caller.require(*REVIEWERS)
    service.release(caller, id)
    return Response(status_code=204, body="")


@app.get("/review/applications/<id>", summary="The page, plus image histories and the audit trail")
@tracer.capture_method
def review_page(id: AppId):
    caller = current_caller(app)
    caller.require(*REVIEWERS, "exam_office")
    return service.review_page(caller, id)


@app.post("/review/applications/<id>/images/<imageId>/decision", summary="Approve (lock) or flag one image")
@tracer.capture_method
def image_decision(id: AppId, imageId: ImageId, body: ImageDecision):
    caller = current_caller(app)
    caller.require(*REVIEWERS)
    result = service.decide_image(caller, id, imageId, body.decision, body.version, body.reasonCode, body.note)
    metrics.add_metric(name=f"Images{body.decision.capitalize()}d", unit="Count", value=1)
    return result


@app.post("/review/applications/<id>/decision", summary="Approve, return or reject the application")
@tracer.capture_method
def application_decision(id: AppId, body: ApplicationDecision):
    caller = current_caller(app)
    caller.require(*REVIEWERS)
    result = service.decide_application(caller, id, body.decision, body.version, body.comment)
    metrics.add_metric(name=f"Applications{body.decision.capitalize()}", unit="Count", value=1)
    return result


@app.post("/review/applications/<id>/phase", summary="Later exam phases (R20), exam office only")
@tracer.capture_method
def phase(id: AppId, body: Phase):
    caller = current_caller(app)
    caller.require("exam_office")
    return service.set_phase(caller, id, body.status)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
