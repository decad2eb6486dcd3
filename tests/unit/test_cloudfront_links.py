"""Image links on the distribution (core.image_links): CloudFront signed URLs (canned policy) that every
environment signs byte for byte the same within a window, verifiable with the key group's public key;
and the template's custom resource that makes the key pair."""

from __future__ import annotations

import base64
import json
import sys
import time
import types
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from moto import mock_aws

from local.cdn import KeyPair, canned_policy, verify
from testkit.aws import reset_clients

ORIGIN = "https://d111111abcdef8.cloudfront.net"
KEY = "materials/app-1/id_card/img-1/v1-3f2a.jpg"
WEEK, DAY = 7 * 86400, 86400
# 2026-12-07T00:00:00Z, a Monday; the epoch's weeks start on Thursdays, so this falls mid-window
NOW = 1796601600


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def signing(monkeypatch, keys):
    """The functions' settings as the template sets them, the private key in (moto's) Secrets Manager."""
    with mock_aws():
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="image-key", SecretString=keys.private_pem)
        for var, value in (("IMAGE_LINKS", "cloudfront"), ("IMAGE_ORIGIN", ORIGIN), ("IMAGE_KEY_PAIR_ID", keys.key_id),
                           ("IMAGE_KEY_SECRET", "image-key"), ("AWS_REGION", "us-east-1")):
            monkeypatch.setenv(var, value)
        reset_clients()
        yield keys
    reset_clients()


def expires_of(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["Expires"][0])


def assert_verifies(url: str, keys: KeyPair) -> None:
    """The signature, checked here with the public key alone (not local.cdn's code)."""
    query = parse_qs(urlsplit(url).query)
    assert query["Key-Pair-Id"] == [keys.key_id]
    signature = base64.b64decode(query["Signature"][0].replace("-", "+").replace("_", "=").replace("~", "/"))
    resource = url.split("?")[0]
    policy = json.dumps({"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {
        "AWS:EpochTime": expires_of(url)}}}]}, separators=(",", ":")).encode()
    keys.public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())


def test_a_link_is_the_objects_url_on_the_distribution_signed_by_the_key_pair(signing):
    from core import storage

    url = storage.material_url(KEY)
    assert url.startswith(f"{ORIGIN}/{KEY}?Expires=")
    assert_verifies(url, signing)
    assert verify(ORIGIN, url.removeprefix(ORIGIN), {signing.key_id: signing.public_key}) is None
    other = KeyPair.generate()
    with pytest.raises(InvalidSignature):
        assert_verifies(url.replace(signing.key_id, other.key_id), other)


def test_two_environments_sign_the_identical_link_within_a_window_and_another_in_the_next(signing):
    from core import image_links, storage

    first = (image_links.material_url(KEY, NOW), image_links.thumbnail_url(KEY, NOW))
    reset_clients()  # another environment: its own client, its own read of the key, nothing cached
    later = NOW + 3600
    assert (image_links.material_url(KEY, later), image_links.thumbnail_url(KEY, later)) == first
    assert image_links.material_url(KEY, NOW + DAY) != first[0]  # the next picture window
    assert image_links.thumbnail_url(KEY, NOW + DAY) == first[1]  # still the same thumbnail window
    assert image_links.thumbnail_url(KEY, NOW + WEEK) != first[1]
    assert storage.thumbnail_url(KEY) == image_links.thumbnail_url(KEY, time.time())


def test_thumbnails_stay_a_week_pictures_a_day_from_their_windows_start(signing):
    from core import image_links

    week_start, day_start = NOW // WEEK * WEEK, NOW // DAY * DAY
    thumb, picture = image_links.thumbnail_url(KEY, week_start), image_links.material_url(KEY, day_start)
    assert expires_of(thumb) - week_start >= WEEK and expires_of(picture) - day_start >= DAY
    # handed out at the last second of its window, a link is still good for VIEW_URL_TTL_SECONDS (600)
    assert expires_of(image_links.material_url(KEY, day_start + DAY - 1)) - (day_start + DAY - 1) > 600
    assert ".thumb.jpg?" in thumb and ".thumb.jpg" not in picture


def test_a_changed_image_key_gives_a_changed_link(signing):
    from core import image_links

    assert image_links.material_url(KEY, NOW) != image_links.material_url(KEY.replace("v1-3f2a", "v2-9c01"), NOW)


def test_sample_pictures_are_plain_links_on_the_distribution(signing):
    from core import storage

    assert storage.sample_url("id_card.png") == f"{ORIGIN}/samples/id_card.png"


def test_a_page_read_signs_each_link_once_per_window(signing, monkeypatch):
    from core import image_links

    image_links.material_url(KEY, NOW)  # the cold start: the key read and loaded
    calls = []
    signer = image_links._signer(signing.key_id, "image-key")
    original = signer.rsa_signer
    monkeypatch.setattr(signer, "rsa_signer", lambda m: calls.append(m) or original(m))
    keys = [f"materials/app-1/t{i}/img-{i}/v1.jpg" for i in range(6)]
    for _ in range(3):  # three page reads in one window
        for key in keys:
            image_links.material_url(key, NOW), image_links.thumbnail_url(key, NOW)
    assert len(calls) == 12


@pytest.mark.parametrize("var,value", [("THUMBNAIL_URL_WINDOW_SECONDS", "100000"), ("PICTURE_URL_WINDOW_SECONDS", "60"),
                                       ("IMAGE_LINKS", "cdn"), ("IMAGE_ORIGIN", "d1.cloudfront.net")])
def test_settings_refuse_windows_that_environments_could_disagree_on_and_bad_origins(signing, monkeypatch, var, value):
    from core.settings import settings

    monkeypatch.setenv(var, value)
    settings.cache_clear()
    with pytest.raises(RuntimeError, match=var):
        settings()


def test_a_link_needs_the_key_pair_where_only_samples_are_shown(signing, monkeypatch):
    from core import image_links, storage

    monkeypatch.delenv("IMAGE_KEY_SECRET")
    reset_clients()
    assert storage.sample_url("x.png") == f"{ORIGIN}/samples/x.png"
    with pytest.raises(RuntimeError, match="IMAGE_KEY_SECRET"):
        image_links.material_url(KEY)
    monkeypatch.delenv("IMAGE_ORIGIN")
    reset_clients()
    with pytest.raises(RuntimeError, match="IMAGE_ORIGIN"):
        storage.sample_url("x.png")


# ---------------------------------------------------------------- the template's custom resource

def custom_resource():
    """ImageKeysFunction's inline code, with a stand-in for Lambda's cfnresponse module that records."""
    from samtranslator.yaml_helper import yaml_parse

    from local.template import TEMPLATE_PATH

    code = yaml_parse(TEMPLATE_PATH.read_text())["Resources"]["ImageKeysFunction"]["Properties"]["Code"]["ZipFile"]
    sent: list[tuple] = []
    cfnresponse = types.SimpleNamespace(SUCCESS="SUCCESS", FAILED="FAILED",
                                        send=lambda *args, **kw: sent.append((args, kw)))
    module: dict = {}
    sys.modules["cfnresponse"] = cfnresponse  # type: ignore[assignment]
    try:
        exec(compile(code, "ImageKeysFunction", "exec"), module)  # noqa: S102 - the template's own code
    finally:
        del sys.modules["cfnresponse"]
    return module["handler"], sent


def test_the_custom_resource_makes_one_key_pair_and_keeps_it(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="image-key", SecretString="none yet")["ARN"]
        handler, sent = custom_resource()
        event = {"RequestType": "Create", "ResourceProperties": {"SecretId": arn}}
        handler(event, None)
        (args, _), = sent
        assert args[2] == "SUCCESS"
        public_pem, created = args[3]["PublicKeyPem"], args[4]
        private = serialization.load_pem_private_key(secrets.get_secret_value(SecretId=arn)["SecretString"].encode(), None)
        assert private.key_size == 2048
        assert private.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode() == public_pem
        # a link the functions sign with the secret's key verifies with the public key CloudFront gets
        public = serialization.load_pem_public_key(public_pem.encode())
        private.public_key().verify(private.sign(canned_policy("https://x/materials/a", 1), padding.PKCS1v15(), hashes.SHA1()),
                                    canned_policy("https://x/materials/a", 1), padding.PKCS1v15(), hashes.SHA1())
        assert public.public_numbers() == private.public_key().public_numbers()
        # Update: the same key, the same physical id; Delete: nothing removed
        handler({**event, "RequestType": "Update", "PhysicalResourceId": created}, None)
        handler({**event, "RequestType": "Delete", "PhysicalResourceId": created}, None)
        (update, _), (delete, _) = sent[1:]
        assert update[2:5] == ("SUCCESS", args[3], created)
        assert delete[2:5] == ("SUCCESS", {}, created)
        assert secrets.get_secret_value(SecretId=arn)["SecretString"].startswith("-----BEGIN PRIVATE KEY-----")
        # a failure is reported (the stack waits for no timeout), without the secret's content
        handler({"RequestType": "Create", "ResourceProperties": {"SecretId": "missing"}}, None)
        assert sent[-1][0][2] == "FAILED" and sent[-1][1]["reason"] == "ResourceNotFoundException"
