"""The candidate's uploads: reserve a place in a slot and get a presigned POST straight to S3
(R6, R9, R10), or delete an image before it is locked (R11, R13)."""


from typing import Annotated

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from core import service
from core.http import current_caller, json_response, resolver
from core.settings import settings

logger = Logger()
settings()  # validated at cold start: a missing setting fails the init, not the first write
tracer = Tracer()
metrics = Metrics()
app = resolver()

AppId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
MaterialType = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
ImageId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    contentType: str = Field(min_length=1, max_length=100, description="image/jpeg or image/png (R6)")
    size: int | None = Field(default=None, ge=1, description="bytes, if the browser knows it; over 200 KB is refused")
    fileName: str | None = Field(default=None, max_length=255)


@app.post("/applications/<id>/materials/<type>/images", summary="Reserve a place and get a presigned S3 POST")
@tracer.capture_method
def reserve(id: AppId, type: MaterialType, upload: UploadRequest):
    caller = current_caller(app)
    caller.require("candidate")
    content_type = upload.contentType.lower().split(";")[0].strip()
    if content_type == "image/jpg":  # some browsers and apps still say so
        content_type = "image/jpeg"
    body = service.reserve_upload(caller, id, type, content_type, upload.size, upload.fileName)
    metrics.add_metric(name="UploadsReserved", unit="Count", value=1)
    return json_response(201, body)


@app.delete("/applications/<id>/materials/<type>/images/<imageId>", summary="Delete an image that is not locked")
@tracer.capture_method
def delete(id: AppId, type: MaterialType, imageId: ImageId):
    caller = current_caller(app)
    caller.require("candidate")
    service.delete_image(caller, id, type, imageId)
    metrics.add_metric(name="ImagesDeleted", unit="Count", value=1)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
