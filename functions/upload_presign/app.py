"""The candidate's uploads: reserve a place in a slot and get a presigned POST straight to S3
(R6, R9, R10), or delete an image before it is locked (R11, R13)."""

from __future__ import annotations

from core import coldstart
from core import contract as c
from core.http import Api, Response
from core.params import AppId, ImageId, MaterialTypePath
from upload_presign import use_cases

api = Api()
app = api.app
metrics = api.metrics


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
           errors=["NOT_FOUND", "UNKNOWN_MATERIAL_TYPE", "IMAGE_LOCKED", "APPLICATION_NOT_EDITABLE"])
def delete(id: AppId, type: MaterialTypePath, imageId: ImageId) -> Response[str]:
    use_cases.delete_image(api.caller(), id, type, imageId)
    metrics.add_metric(name="ImagesDeleted", unit="Count", value=1)
    return Response(status_code=204, body="")


lambda_handler = api.handler()
coldstart.done()  # loaded: last line of the module
