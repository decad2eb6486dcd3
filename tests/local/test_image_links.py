"""The local stack serves image links as the distribution does (local.cdn): `/materials/...` only with a
URL signed by the stack's key pair, valid and unexpired, for exactly that URL; the object as S3 stored it
(Content-Type, Cache-Control, ETag), 304 for a copy the browser has; CloudFront's 403 otherwise.
`/samples/...` without a signature."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from local.cdn import KeyPair
from local.template import derive, load_template

pytestmark = pytest.mark.localstack

KEY = "materials/app-links/id_card/img-1/v1-abc.jpg"
CACHE_CONTROL = "private, max-age=31536000, immutable"
JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 100


@pytest.fixture(scope="module")
def signed(local_stack):
    """sign(path, expires, key=None, key_id=None): a URL signed as the functions sign, with the stack's
    private key (read from its secret) unless another key is given."""
    s3 = local_stack.client("s3")
    bucket = local_stack.name("MaterialsBucket")
    s3.put_object(Bucket=bucket, Key=KEY, Body=JPEG, ContentType="image/jpeg", CacheControl=CACHE_CONTROL)
    s3.put_object(Bucket=bucket, Key="materials/app-links/other.jpg", Body=JPEG, ContentType="image/jpeg")
    env = derive(load_template(), {"JwtIssuer": "https://issuer.test", "JwtAudience": "a",
                                   "WebOrigin": local_stack.url}).functions["StatusFunction"].environment
    secrets = local_stack.client("secretsmanager")
    pem = secrets.get_secret_value(SecretId=env["IMAGE_KEY_SECRET"])["SecretString"]
    assert env["IMAGE_ORIGIN"] == local_stack.url and env["IMAGE_LINKS"] == "cloudfront"

    def sign(path: str, expires: int, private_pem: str = pem, key_id: str = env["IMAGE_KEY_PAIR_ID"]) -> str:
        key = load_pem_private_key(private_pem.encode(), None)
        signer = CloudFrontSigner(key_id, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))  # type: ignore[union-attr]
        return signer.generate_presigned_url(f"{local_stack.url}/{path}", date_less_than=datetime.fromtimestamp(expires, UTC))

    return sign


def denied(response: requests.Response) -> bool:
    return (response.status_code == 403 and response.headers["Content-Type"] == "text/xml"
            and b"<Code>AccessDenied</Code>" in response.content)


def test_a_valid_link_gets_the_object_with_its_cache_control_and_a_304_for_the_browsers_copy(signed):
    url = signed(KEY, int(time.time()) + 3600)
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == JPEG
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == CACHE_CONTROL
    assert response.headers["Content-Length"] == str(len(JPEG))
    again = requests.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""


def test_a_tampered_signature_is_refused(signed):
    url = signed(KEY, int(time.time()) + 3600)
    signature = url.split("Signature=")[1].split("&")[0]
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    assert denied(requests.get(url.replace(signature, flipped), timeout=10))


def test_a_valid_signature_for_another_path_is_refused(signed, local_stack):
    url = signed(KEY, int(time.time()) + 3600)
    assert denied(requests.get(url.replace(KEY, "materials/app-links/other.jpg"), timeout=10))
    # the query is the other path's, the signature this one's: the same refusal
    other = signed("materials/app-links/other.jpg", int(time.time()) + 3600)
    assert requests.get(other, timeout=10).status_code == 200


def test_an_expired_link_is_refused(signed):
    assert denied(requests.get(signed(KEY, int(time.time()) - 1), timeout=10))


def test_an_unknown_key_or_another_keys_signature_is_refused(signed):
    stranger = KeyPair.generate()
    expires = int(time.time()) + 3600
    assert denied(requests.get(signed(KEY, expires, key_id=stranger.key_id), timeout=10))
    assert denied(requests.get(signed(KEY, expires, private_pem=stranger.private_pem), timeout=10))


def test_a_link_without_its_signature_is_refused_but_sample_pictures_need_none(local_stack):
    response = requests.get(f"{local_stack.url}/{KEY}", timeout=10)
    assert response.status_code == 403 and b"<Code>MissingKey</Code>" in response.content
    sample = requests.get(f"{local_stack.url}/samples/id_card.png", timeout=10)
    assert sample.status_code == 200 and sample.headers["Content-Type"] == "image/png"
    assert sample.content.startswith(b"\x89PNG")
