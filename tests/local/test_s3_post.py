"""The local S3 takes a presigned POST only as S3 does (local/s3_post.py in front of moto, which alone
stores every one of these): each tampered upload is refused with S3's status and XML error code, and
nothing is stored or notified; the form core.storage signs, with a 100 KB JPEG, is stored."""

from __future__ import annotations

import base64
import io
import json
import random
import xml.etree.ElementTree as ET

import pytest
import requests
from PIL import Image

from tests.conftest import reset_clients

KEY = "uploads/app-1/id_card/img-1"


@pytest.fixture
def sign(embedded_aws, monkeypatch):
    """core.storage's presigned POST for the local uploads bucket (as upload_presign makes it)."""
    from core import storage

    monkeypatch.setenv("AWS_ENDPOINT_URL", embedded_aws.url)
    monkeypatch.setenv("UPLOADS_BUCKET", embedded_aws.stack.names["UploadsBucket"])
    monkeypatch.setenv("MATERIALS_BUCKET", embedded_aws.stack.names["MaterialsBucket"])
    reset_clients()
    yield lambda expires_in=300: storage.presigned_post(KEY, "image/jpeg", 200 * 1024, expires_in)
    reset_clients()


@pytest.fixture
def uploads(embedded_aws):
    s3, bucket = embedded_aws.client("s3"), embedded_aws.stack.names["UploadsBucket"]
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    return lambda: [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def jpeg(at_least: int = 100 * 1024) -> bytes:
    rng = random.Random(7)
    side = 160
    while True:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(out, "JPEG", quality=90)
        if len(out.getvalue()) >= at_least:
            return out.getvalue()
        side += 8


def post(url: str, fields: dict | list, data: bytes, after_file: dict | None = None) -> requests.Response:
    parts = [(k, (None, v)) for k, v in (fields.items() if isinstance(fields, dict) else fields)]
    parts.append(("file", ("photo.jpg", data, "image/jpeg")))
    parts += [(k, (None, v)) for k, v in (after_file or {}).items()]
    return requests.post(url, files=parts, timeout=30)


def rewritten(policy: str, **changes) -> str:
    document = json.loads(base64.b64decode(policy))
    document["conditions"] = [["content-length-range", 1, 10 * 1024 * 1024] if isinstance(c, list) else c
                              for c in document["conditions"]]
    return base64.b64encode(json.dumps({**document, **changes}).encode()).decode()


def error(response: requests.Response) -> dict[str, str]:
    return {child.tag: child.text for child in ET.fromstring(response.content)}


def test_what_s3_refuses_is_refused_with_s3s_code_and_nothing_is_stored(embedded_aws, sign, uploads):
    good = sign()
    url, fields = good["url"], good["fields"]
    photo = jpeg()
    materials = good["url"].replace(embedded_aws.stack.names["UploadsBucket"], embedded_aws.stack.names["MaterialsBucket"])
    cases = {
        "204801 bytes": (url, fields, b"\xff" * 204801, "400", "EntityTooLarge"),
        "0 bytes": (url, fields, b"", "400", "EntityTooSmall"),
        "another Content-Type": (url, {**fields, "Content-Type": "image/png"}, photo, "403", "AccessDenied"),
        "another key": (url, {**fields, "key": "uploads/app-2/id_card/img-9"}, photo, "403", "AccessDenied"),
        "another bucket": (materials, fields, photo, "403", "AccessDenied"),
        "an expired policy": (url, sign(expires_in=-1)["fields"], photo, "403", "AccessDenied"),
        "a tampered signature": (url, {**fields, "x-amz-signature": "0" * 64}, photo, "403", "SignatureDoesNotMatch"),
        "a missing signature": (url, {k: v for k, v in fields.items() if k != "x-amz-signature"}, photo, "400",
                                "InvalidArgument"),
        "no signature at all": (url, {"key": KEY, "Content-Type": "image/jpeg"}, photo, "403", "AccessDenied"),
        "an unknown access key": (url, {**fields, "x-amz-credential": "AKIAOTHER/" + fields["x-amz-credential"].split(
            "/", 1)[1]}, photo, "403", "InvalidAccessKeyId"),
        "an extra form field": (url, {**fields, "x-amz-meta-owner": "cand-002"}, photo, "403", "AccessDenied"),
        "a rewritten policy": (url, {**fields, "policy": rewritten(fields["policy"])}, photo, "403",
                               "SignatureDoesNotMatch"),
        "no key": (url, {k: v for k, v in fields.items() if k != "key"}, photo, "400", "InvalidArgument"),
    }
    seen = {}
    for case, (target, form, data, status, code) in cases.items():
        response = post(target, form, data)
        seen[case] = (str(response.status_code), error(response).get("Code") if response.content else None)
        assert seen[case] == (status, code), (case, response.text)
    messages = {case: error(post(t, f, d))["Message"] for case, (t, f, d, *_) in cases.items()}
    assert messages["an expired policy"] == "Invalid according to Policy: Policy expired."
    assert messages["another key"].startswith('Invalid according to Policy: Policy Condition failed: ["eq", "$key"')
    assert messages["another Content-Type"].startswith(
        'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "image/jpeg"]')
    assert messages["another bucket"].startswith('Invalid according to Policy: Policy Condition failed: ["eq", "$bucket"')
    assert messages["an extra form field"] == "Invalid according to Policy: Extra input fields: x-amz-meta-owner"
    too_large = error(post(url, fields, b"\xff" * 204801))
    assert (too_large["ProposedSize"], too_large["MaxSizeAllowed"]) == ("204801", str(200 * 1024))
    assert error(post(url, fields, b""))["MinSizeAllowed"] == "1"
    assert uploads() == []
    assert embedded_aws.client("s3").list_objects_v2(
        Bucket=embedded_aws.stack.names["MaterialsBucket"]).get("KeyCount") == 0


def test_the_signed_form_with_a_100_kb_jpeg_is_stored_as_signed(embedded_aws, sign, uploads):
    photo = jpeg()
    assert 100 * 1024 <= len(photo) <= 200 * 1024
    upload = sign()
    # S3 ignores what follows the file: a second key there changes nothing
    response = post(upload["url"], upload["fields"], photo, after_file={"key": "uploads/app-2/id_card/img-9"})
    assert response.status_code == 204, response.text
    assert uploads() == [KEY]
    stored = embedded_aws.client("s3").get_object(Bucket=embedded_aws.stack.names["UploadsBucket"], Key=KEY)
    assert stored["Body"].read() == photo and stored["ContentType"] == "image/jpeg"
