"""The only module that talks to S3: presigned POSTs for uploads, presigned GETs for watermarked
images, and the object operations process_image and deletes need. Presigning is local computation
(no network call), which keeps the page read at one DynamoDB Query and zero S3 calls."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import ClientError

from core import aws
from core.keys import sample_key
from core.settings import settings

logger = Logger(child=True)

MIN_UPLOAD_BYTES = 1


@lru_cache(maxsize=1)
def client():
    # Regional endpoint, also in us-east-1: presigned URLs must name the bucket's own region, never
    # the global endpoint that would redirect a browser's POST (R6). botocore picks the partition's
    # domain, and AWS_ENDPOINT_URL where one is configured.
    return aws.client("s3", region=settings().region,
                      config=Config(signature_version="s3v4", retries={"max_attempts": 4, "mode": "standard"},
                                    connect_timeout=2, read_timeout=5,  # as core.db: no 60 s stalls
                                    s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}))


def reset_client() -> None:
    client.cache_clear()


def presigned_post(key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
    """A one-time browser upload straight to the quarantine bucket; S3 itself refuses a file over
    max_bytes, another content type or another key (R6)."""
    return client().generate_presigned_post(
        Bucket=settings().uploads_bucket, Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", MIN_UPLOAD_BYTES, max_bytes],
                    {"key": key}, {"bucket": settings().uploads_bucket}],
        ExpiresIn=expires_in,
    )


def presigned_get(bucket: str, key: str, expires_in: int) -> str:
    return client().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)


@dataclass(frozen=True)
class ObjectHead:
    size: int


def _missing(e: ClientError) -> bool:
    return e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def head_upload(key: str) -> ObjectHead | None:
    try:
        head = client().head_object(Bucket=settings().uploads_bucket, Key=key)
    except ClientError as e:
        if _missing(e):
            return None
        raise
    return ObjectHead(size=head["ContentLength"])


def read_upload(key: str, max_bytes: int) -> bytes | None:
    """The raw upload's bytes, never more than max_bytes + 1 (what is bigger is refused anyway)."""
    try:
        body = client().get_object(Bucket=settings().uploads_bucket, Key=key, Range=f"bytes=0-{max_bytes}")["Body"]
    except ClientError as e:
        if _missing(e):
            return None
        if e.response.get("Error", {}).get("Code") == "InvalidRange":
            return b""
        raise
    return body.read()


def put_material(key: str, data: bytes) -> None:
    client().put_object(Bucket=settings().materials_bucket, Key=key, Body=data, ContentType="image/jpeg",
                         CacheControl="private, max-age=600")


def delete_upload(key: str) -> None:
    client().delete_object(Bucket=settings().uploads_bucket, Key=key)


def delete_material(key: str) -> None:
    client().delete_object(Bucket=settings().materials_bucket, Key=key)


def discard(upload_key: str | None, material_key: str | None) -> None:
    """Remove an image's objects once its record is gone. Best effort: a leftover raw upload expires
    with the bucket's lifecycle, and a leftover watermarked copy is logged for cleanup; neither may
    turn a committed delete into an error for the candidate."""
    try:
        if upload_key:
            delete_upload(upload_key)
        if material_key:
            delete_material(material_key)
    except ClientError:
        logger.exception("objects of a deleted image left behind", extra={"upload": upload_key, "material": material_key})


def material_url(key: str) -> str:
    return presigned_get(settings().materials_bucket, key, settings().view_url_ttl)


def sample_url(name: str) -> str:
    return presigned_get(settings().materials_bucket, sample_key(name), settings().view_url_ttl)

