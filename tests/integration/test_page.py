"""The candidate's materials page through the handler and moto: one DynamoDB Query, no S3 call. What the
page says at every stage is decided on hand-built snapshots in tests/unit/test_pages.py."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from core import db, storage
from tests.conftest import claims
from tests.flow import complete

CAND = claims("cand-001", "candidate")


def read(api, who=CAND, app_id="app-1"):
    reply = api("status", "GET", f"/applications/{app_id}", who)
    assert reply.status == 200, reply
    return reply.body


@pytest.fixture
def app1(register):
    return register("app-1")


def test_one_query_and_no_s3_call_behind_the_page(api, aws, app1):
    complete(api, aws, CAND, "app-1")
    read(api)  # warm: clients created, modules imported
    calls = []

    def count(event_name, **_):
        calls.append(event_name)

    db.client().meta.events.register("before-send", count)
    storage.client().meta.events.register("before-send", count)
    try:
        body = read(api)
    finally:
        db.client().meta.events.unregister("before-send", count)
        storage.client().meta.events.unregister("before-send", count)

    assert calls == ["before-send.dynamodb.Query"]
    shown = [i for m in body["materials"] for i in m["images"]]
    assert all(i["url"] for i in shown)  # URLs signed locally
    # the thumbnail the page shows is the one process_image stored beside the picture
    assert all(i["thumbnailUrl"].split("?")[0] == i["url"].split("?")[0].removesuffix(".jpg") + ".thumb.jpg" for i in shown)
    key = unquote(urlsplit(shown[0]["thumbnailUrl"]).path).split(f"/{aws.materials}/", 1)[-1].lstrip("/")
    assert aws.s3.get_object(Bucket=aws.materials, Key=key)["Body"].read().startswith(b"\xff\xd8")
