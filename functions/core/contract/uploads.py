"""Asking for an upload: the request and the presigned POST that answers it (R6)."""

from pydantic import Field

from core.contract.base import Bytes, Model, RequestModel, content_type_pattern, max_upload_bytes, stated


class UploadRequest(RequestModel):
    contentType: str = Field(min_length=1, max_length=100, description="image/jpeg or image/png (R6), any case; "
                             "another type is 400 UNSUPPORTED_CONTENT_TYPE",
                             json_schema_extra=stated(pattern=content_type_pattern))
    size: Bytes | None = Field(default=None, json_schema_extra=stated(maximum=max_upload_bytes),
                                       description="bytes, if the browser knows it; over 200 KB is 413 FILE_TOO_LARGE")
    fileName: str | None = Field(default=None, max_length=255)


class PresignedPost(Model):
    url: str
    fields: dict[str, str] = Field(description="send every field, then the file last, as multipart/form-data")


class Reservation(Model):
    imageId: str
    materialType: str
    upload: PresignedPost
    expiresAt: str
    expiresAtEpoch: int
    maxBytes: int
