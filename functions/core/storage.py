"""The only module that talks to S3: presigned POSTs for uploads, presigned GETs for watermarked
images and their thumbnails, and the object operations process_image and deletes need. Presigning is
local computation (no network call), which keeps the page read at one DynamoDB Query and zero S3 calls.

Image links a browser can cache: the object behind a watermarked picture's key never changes once a
link to it is out (``core.keys``), and its GET link is signed as at the start of a fixed window
(``view_url_window``, an hour, aligned to the clock) instead of now. Every page read within the window
gets the same link, byte for byte, and the browser reuses what it fetched: the link carries
``response-cache-control`` (S3 answers with that header) allowing it for the link's whole life, and
``immutable``, so a reload does not even ask. Each link is valid for the window plus ``view_url_ttl``
(10 minutes), so the last one handed out in a window still has those 10 minutes.

Why an hour and not the 7 days SigV4 allows: the functions sign with their role's temporary
credentials, and a link signed with temporary credentials stops working when they expire, whatever it
says (S3's presigned-URL guide; Lambda's role sessions do not follow the role's session duration).
No link here needs its signer for more than the window plus 10 minutes after the window began; and
another signer (another Lambda environment, or renewed credentials) signs another link for the same
object, which costs one more download, never a broken picture. A longer window would also keep a
leaked link alive longer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aws_lambda_powertools import Logger
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.utils import percent_encode

from core import aws
from core.keys import sample_key, thumbnail_key
from core.settings import settings

logger = Logger(child=True)

MIN_UPLOAD_BYTES = 1
# A stored picture never changes under its key (core.keys): any copy of it is good for as long as
# anyone keeps it. ``private``: a browser's cache, never a shared proxy's (these are personal documents).
OBJECT_CACHE_CONTROL = "private, max-age=31536000, immutable"


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
    _url_form.cache_clear()


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


def window_start(now: float, window: int) -> int:
    """The start of the fixed window ``now`` falls in (epoch seconds, windows aligned to the epoch)."""
    return int(now) // window * window


class _SignedAt(S3SigV4QueryAuth):
    """botocore's S3 query-string signing (SigV4), as of a given time instead of the clock's."""

    def __init__(self, credentials, region: str, expires: int, at: int):
        super().__init__(credentials, "s3", region, expires=expires)
        self._at = datetime.fromtimestamp(at, UTC).strftime("%Y%m%dT%H%M%SZ")

    def add_auth(self, request):  # SigV4Auth.add_auth with the window's start for the timestamp
        request.context["timestamp"] = self._at
        self._modify_request_before_signing(request)
        string_to_sign = self.string_to_sign(request, self.canonical_request(request))
        self._inject_signature_to_request(request, self.signature(string_to_sign, request))


@lru_cache(maxsize=8)
def _url_form(bucket: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """How botocore writes a GET of an object in ``bucket`` (endpoint, partition, addressing style,
    AWS_ENDPOINT_URL): the URL up to the key, and the operation's own query parameters. Learnt once:
    botocore's endpoint resolution costs ~0.6 ms a link, the signature itself ~0.05 ms."""
    probe = "k"
    parts = urlsplit(client().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": probe}))
    if not parts.path.endswith(f"/{probe}"):
        raise RuntimeError(f"unexpected presigned URL form for bucket {bucket}")
    base = urlunsplit(parts._replace(path=parts.path[: -len(probe)], query=""))
    return base, tuple((k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith("x-amz-"))


def presigned_get(bucket: str, key: str, now: float | None = None) -> str:
    """A GET link to an object that stays the same all through the current window (same signer), valid
    to the window's end plus ``view_url_ttl``, and cacheable by the browser for that long: botocore's
    presigned GET (its URL form, its SigV4 signing), signed as of the window's start."""
    window, ttl = settings().view_url_window, settings().view_url_ttl
    start = window_start(time.time() if now is None else now, window)
    expires = window + ttl
    base, operation = _url_form(bucket)
    query = [*operation, ("response-cache-control", f"private, max-age={expires}, immutable")]
    request = AWSRequest(method="GET", url=f"{base}{percent_encode(key, safe='/~')}?{urlencode(query)}")
    credentials = aws.credentials()
    if credentials is None:
        raise NoCredentialsError()
    _SignedAt(credentials, settings().region, expires, start).add_auth(request)
    if request.url is None:  # botocore's type allows it; a request built from a URL always has one
        raise RuntimeError("presigned GET without a URL")
    return request.url


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


def read_material(key: str) -> bytes | None:
    """A watermarked picture as stored (the machine pre-checks read it); None if it is gone."""
    try:
        return client().get_object(Bucket=settings().materials_bucket, Key=key)["Body"].read()
    except ClientError as e:
        if _missing(e):
            return None
        raise


def put_material(key: str, data: bytes) -> None:
    client().put_object(Bucket=settings().materials_bucket, Key=key, Body=data, ContentType="image/jpeg",
                         CacheControl=OBJECT_CACHE_CONTROL)


def put_image(key: str, jpeg: bytes, thumbnail: bytes) -> None:
    """A watermarked picture and its thumbnail beside it (``keys.thumbnail_key``). Both or neither: if
    the second put fails, the first object is removed again before the error goes on."""
    small = thumbnail_key(key)
    put_material(small, thumbnail)
    try:
        put_material(key, jpeg)
    except Exception:
        _forget(small)
        raise


def sweep_image(prefix: str, keep: str | None) -> int:
    """Delete every copy under one image's prefix but ``keep`` (the recorded one) and its thumbnail:
    what attempts that died between their write and the record left. Only once no attempt can record
    any more (the image is settled or gone). Returns how many objects went."""
    kept = {keep, thumbnail_key(keep)} if keep else set()
    found = client().list_objects_v2(Bucket=settings().materials_bucket, Prefix=prefix).get("Contents", [])
    gone = [o["Key"] for o in found if o["Key"] not in kept]
    for key in gone:  # a handful at most: one per attempt that died, and its thumbnail
        delete_material(key)
    return len(gone)


def delete_image(key: str) -> None:
    """A watermarked picture and its thumbnail (a delete of a missing key succeeds, as S3's does)."""
    delete_material(thumbnail_key(key))
    delete_material(key)


def _forget(key: str) -> None:
    try:
        delete_material(key)
    except ClientError:
        logger.exception("object of a failed put left behind", extra={"material": key})


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
            delete_image(material_key)
    except ClientError:
        logger.exception("objects of a deleted image left behind", extra={"upload": upload_key, "material": material_key})


# Image links: presigned GETs here, or the distribution's signed URLs (core.image_links, imported only
# where a link is made) where IMAGE_LINKS says so.
def material_url(key: str) -> str:
    if settings().image_links == "cloudfront":
        from core import image_links
        return image_links.material_url(key)
    return presigned_get(settings().materials_bucket, key)


def thumbnail_url(key: str) -> str:
    """The thumbnail of the watermarked picture stored under ``key``."""
    if settings().image_links == "cloudfront":
        from core import image_links
        return image_links.thumbnail_url(key)
    return presigned_get(settings().materials_bucket, thumbnail_key(key))


def sample_url(name: str) -> str:
    if settings().image_links == "cloudfront":
        from core import image_links
        return image_links.sample_url(name)
    return presigned_get(settings().materials_bucket, sample_key(name))


# ---------------------------------------------------------------- sample pictures the exam office uploads

# A picture's first bytes: what it really is, whatever the upload said (R6's types).
_PICTURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def _absent(e: ClientError) -> bool:
    # Without s3:ListBucket (no function here lists these buckets) S3 answers 403 for a key that is not
    # there; this role may read every sample key, so 403 means missing.
    return _missing(e) or e.response.get("Error", {}).get("Code") in ("403", "AccessDenied")


def publish_sample(name: str, max_bytes: int) -> bool:
    """Make the sample picture `name` one the pages can show: it is in the materials bucket already, or
    the exam office's upload of it (the quarantine bucket's `samples/`, from a presigned POST) is a PNG
    or JPEG and is copied there, immutable like every picture. False: there is no such picture."""
    key = sample_key(name)
    try:
        client().head_object(Bucket=settings().materials_bucket, Key=key)
        return True
    except ClientError as e:
        if not _absent(e):
            raise
    try:
        data = client().get_object(Bucket=settings().uploads_bucket, Key=key, Range=f"bytes=0-{max_bytes}")["Body"].read()
    except ClientError as e:
        if _absent(e):
            return False
        raise
    kind = next((t for magic, t in _PICTURES.items() if data.startswith(magic)), None)
    if kind is None or len(data) > max_bytes:
        return False
    client().put_object(Bucket=settings().materials_bucket, Key=key, Body=data, ContentType=kind,
                        CacheControl=OBJECT_CACHE_CONTROL)
    return True

