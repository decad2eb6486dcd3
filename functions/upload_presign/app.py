"""The candidate's uploads: reserve a place in a slot and get a presigned POST straight to S3
(R6, R9, R10), or delete an image before it is locked (R11, R13)."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contract as c
from core.http import Api, Response
from core.params import AppId, ImageId, MaterialTypePath
from core.settings import settings
from upload_presign import use_cases

logger = Logger()
settings()  # validated at cold start: a missing setting fails the init, not the first write
tracer = Tracer()
metrics = Metrics()
api = Api()
app = api.app


@api.route("post", "/applications/<id>/materials/<type>/images", roles=["candidate"],
           summary="Reserve a place in a slot and get a presigned S3 POST (send the fields, then the file last)",
           success={201: "Reserved: POST the file to upload.url within expiresAt"},
           errors=["UNSUPPORTED_CONTENT_TYPE", "NOT_FOUND", "UNKNOWN_MATERIAL_TYPE", "SLOT_FULL",
                   "APPLICATION_NOT_EDITABLE", "FILE_TOO_LARGE"])
def reserve(id: AppId, type: MaterialTypePath, upload: c.UploadRequest) -> c.Reservation:
    reservation = use_cases.reserve_upload(api.caller(), id, type, upload)
    metrics.add_metric(name="UploadsReserved", unit="Count", value=1)
    return reservation


@api.route("delete", "/applications/<id>/materials/<type>/images/<imageId>", roles=["candidate"],
           summary="Delete an image that is not locked (R11, R13)", success={204: "Deleted"},
           errors=["NOT_FOUND", "IMAGE_LOCKED", "APPLICATION_NOT_EDITABLE"])
def delete(id: AppId, type: MaterialTypePath, imageId: ImageId) -> None:
    use_cases.delete_image(api.caller(), id, type, imageId)
    metrics.add_metric(name="ImagesDeleted", unit="Count", value=1)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.resolve(event, context)
