"""Candidate uploads through the handler and moto: the presigned POST S3 enforces, slot capacity under 20
concurrent reservations, an expired seat freed by the condition itself, delete with its objects, and the
HTTP shape of a refusal. Each reserve/delete rule is tests/unit/test_reserve_and_delete.py's."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
import requests

from core import contract
from core.clock import iso
from tests.conftest import claims
from tests.flow import caller, race
from upload_presign import use_cases

CAND = claims("cand-001", "candidate")
URL = "/applications/app-1/materials/{type}/images"


@pytest.fixture
def app1(register):
    return register("app-1")


def reserve(api, material="id_card", who=CAND, **body):
    return api("upload_presign", "POST", URL.format(type=material), who, {"contentType": "image/jpeg", **body})


def policy(reply) -> dict:
    return json.loads(base64.b64decode(reply.body["upload"]["fields"]["policy"]))


def test_reservation_returns_a_presigned_post_whose_policy_pins_size_type_key_and_expiry(api, app1, aws):
    before = time.time()
    reply = reserve(api, size=150_000, fileName="front.jpg")

    assert reply.status == 201
    body = reply.body
    key = body["upload"]["fields"]["key"]
    assert key == f"uploads/app-1/id_card/{body['imageId']}"
    assert len(body["imageId"]) >= 20  # unguessable
    assert body["maxBytes"] == 204800
    assert body["upload"]["url"] == f"https://{aws.uploads}.s3.us-east-1.amazonaws.com/"  # regional endpoint
    conditions = policy(reply)["conditions"]
    assert ["content-length-range", 1, 204800] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert {"key": key} in conditions
    expiry = datetime.strptime(policy(reply)["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert before < expiry <= before + 300 + 1  # at most 5 minutes
    assert body["expiresAtEpoch"] <= before + 300 + 1
    assert body["expiresAt"] == iso(body["expiresAtEpoch"])  # ISO 8601 beside the epoch
    assert body["upload"]["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # SigV4
    image = [i for i in aws.items("app-1") if i["kind"] == "image"][0]
    assert image["status"] == "PENDING" and image["uploadKey"] == key and image["fileName"] == "front.jpg"
    assert [a["action"] for a in aws.items("app-1") if a["kind"] == "audit"] == ["registered", "image_reserved"]


def test_multipart_post_of_the_returned_form_stores_the_object_and_notifies_the_queue(api, app1, aws):
    reply = reserve(api)
    upload = reply.body["upload"]

    sent = requests.post(upload["url"], data=upload["fields"], files={"file": ("a.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")},
                         timeout=10)

    assert sent.status_code in (200, 204), sent.text
    key = upload["fields"]["key"]
    head = aws.s3.head_object(Bucket=aws.uploads, Key=key)
    assert head["ContentLength"] == 103 and head["ContentType"] == "image/jpeg"
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)["Messages"]
    records = [r for m in messages for r in json.loads(m["Body"]).get("Records", [])]
    assert any(r["eventName"].startswith("ObjectCreated") for r in records)
    from urllib.parse import unquote_plus

    assert key in [unquote_plus(r["s3"]["object"]["key"]) for r in records]


@pytest.mark.parametrize(("material", "body", "status", "code"), [
    ("id_card", {"contentType": "image/gif"}, 400, "UNSUPPORTED_CONTENT_TYPE"),
    ("id_card", {"contentType": "image/jpeg", "size": 204801}, 413, "FILE_TOO_LARGE"),
    ("passport", {"contentType": "image/jpeg"}, 404, "UNKNOWN_MATERIAL_TYPE"),
    ("id_card", {}, 400, "INVALID_REQUEST"),
    ("id_card", {"contentType": "image/jpeg", "size": "big"}, 400, "INVALID_REQUEST"),
])
def test_refusals_carry_their_code_and_write_nothing(api, app1, aws, material, body, status, code):
    before = aws.items("app-1")
    reply = api("upload_presign", "POST", URL.format(type=material), CAND, body)
    assert (reply.status, reply.code) == (status, code)
    assert reply.body["error"]["messageZh"]
    assert aws.items("app-1") == before


def test_roles_and_tokens(api, app1):
    assert reserve(api, who=claims("r1", "site_reviewer", site="1101")).status == 403
    assert reserve(api, who=claims("reg", "registrar")).status == 403
    assert reserve(api, who=None).status == 401


def test_twenty_concurrent_reservations_for_a_two_image_slot_give_exactly_two(api, app1, aws, serial_moto):
    who = caller(CAND)
    body = contract.UploadRequest(contentType="image/jpeg")
    results = race(*[(use_cases.reserve_upload, who, "app-1", "id_card", body)] * 20)

    assert sorted(r if isinstance(r, str) else "OK" for r in results) == ["OK", "OK"] + ["SLOT_FULL"] * 18
    items = aws.items("app-1")
    assert len([i for i in items if i["kind"] == "image"]) == 2
    assert sorted(i["SK"] for i in items if i["kind"] == "seat") == ["SEAT#id_card#0", "SEAT#id_card#1"]


def test_a_reservation_never_uploaded_frees_its_place_after_expiry(api, app1, aws, clock):
    first = reserve(api).body
    reserve(api)
    assert reserve(api).code == "SLOT_FULL"

    clock.tick(301)
    again = reserve(api)

    assert again.status == 201
    images = {i["imageId"]: i for i in aws.items("app-1") if i["kind"] == "image"}
    assert first["imageId"] not in images  # the expired reservation was replaced, not left behind
    assert again.body["imageId"] in images and len(images) == 2


def test_delete_removes_record_seat_and_objects_then_404(api, app1, aws):
    reply = reserve(api).body
    image_id = reply["imageId"]
    key = reply["upload"]["fields"]["key"]
    aws.s3.put_object(Bucket=aws.uploads, Key=key, Body=b"raw")
    # (a copy an attempt under way stores is its own to remove when the record refuses it: test_processing)

    gone = api("upload_presign", "DELETE", f"{URL.format(type='id_card')}/{image_id}", CAND)
    twice = api("upload_presign", "DELETE", f"{URL.format(type='id_card')}/{image_id}", CAND)

    assert gone.status == 204 and gone.body is None
    assert twice.status == 404
    kinds = aws.kinds("app-1")
    assert "image" not in kinds and "seat" not in kinds
    assert aws.s3.list_objects_v2(Bucket=aws.uploads).get("KeyCount") == 0
    assert aws.s3.list_objects_v2(Bucket=aws.materials).get("KeyCount") == 0
    actions = [a["action"] for a in aws.items("app-1") if a["kind"] == "audit"]
    assert actions == ["registered", "image_reserved", "image_deleted"]
    assert reserve(api).status == 201 and reserve(api).status == 201  # the place is free again


