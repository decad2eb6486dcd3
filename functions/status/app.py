"""Applications and what the candidate sees of them: registration intake (registrar), the list
(R2), the light status poll (R19, R20) and the materials page."""


from typing import Annotated

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from core import service, views
from core.access import READERS
from core.http import current_caller, json_response, resolver
from core.settings import settings

logger = Logger()
settings()  # validated at cold start: a missing setting fails the init, not the first write
tracer = Tracer()
metrics = Metrics()
app = resolver()

AppId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    candidateId: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    region: str = Field(pattern=r"^\d{2}$", description="exam region (考区) code")
    site: str = Field(pattern=r"^\d{4,6}$", description="exam site (考点) code")
    category: str = Field(min_length=1, max_length=64)
    examYear: int = Field(ge=2000, le=2100)


@app.put("/applications/<id>", summary="Register an application (registration system)")
@tracer.capture_method
def put_application(id: AppId, registration: Registration):
    current_caller(app).require("registrar")
    application, created = service.register(id, registration.model_dump())
    metrics.add_metric(name="ApplicationsRegistered", unit="Count", value=int(created))
    return json_response(201 if created else 200, views.application_view(application))


@app.get("/applications", summary="The candidate's applications, newest exam year first (R2)")
@tracer.capture_method
def list_applications():
    caller = current_caller(app)
    caller.require("candidate")
    return {"items": [views.list_item(a) for a in service.my_applications(caller)]}


@app.get("/applications/<id>", summary="Everything the upload page shows, in one read")
@tracer.capture_method
def get_page(id: AppId):
    caller = current_caller(app)
    caller.require(*READERS)
    return service.materials_page(caller, id)


@app.get("/applications/<id>/status", summary="Status poll with ETag / If-None-Match")
@tracer.capture_method
def get_status(id: AppId):
    caller = current_caller(app)
    caller.require(*READERS)
    application = service.application(caller, id)
    tag = views.etag(application)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if views.etag_matches(app.current_event.headers.get("if-none-match"), tag):
        return Response(status_code=304, body="", headers=headers)  # nothing changed: no body
    return json_response(200, views.status_view(application), headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
