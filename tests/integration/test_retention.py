"""Retention (README "Retention"): an application's records are kept RetentionDays after the end of its
exam year, then DynamoDB's TTL removes them; every item of one application carries the same instant,
so the audit trail never outlives, nor is outlived by, the images it describes."""

from __future__ import annotations

import pytest

from core import settings as settings_module
from core.db import keep_until
from tests.conftest import claims
from tests.flow import approve_images, complete, reserve

CAND = claims("cand-001", "candidate")
SITE = claims("rev-site", "site_reviewer", site="1101", region="11")


@pytest.fixture
def retained(monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "400")
    settings_module.settings.cache_clear()
    yield keep_until(2026, 400)
    settings_module.settings.cache_clear()


def test_every_item_of_an_application_expires_together_but_a_pending_reservation_sooner(api, aws, register, retained):
    register("app-1")
    ids = complete(api, aws, CAND, "app-1")
    assert api("review", "POST", "/review/applications/app-1/claim", SITE).status == 200
    approve_images(api, SITE, "app-1", ids)
    pending = reserve(api, CAND, "app-1", "other").body["imageId"]

    items = aws.items("app-1")
    kinds = {i["kind"] for i in items}
    assert {"application", "image", "seat", "audit"} <= kinds
    for item in items:
        if item.get("imageId") == pending and item["kind"] in ("image", "seat"):
            assert item["ttl"] < retained  # an unused reservation goes a day after it expires
        else:
            assert item["ttl"] == retained, item
    image = next(i for i in items if i["kind"] == "image" and i["status"] == "APPROVED")
    outside = [aws.ddb.get_item(TableName=aws.table, Key={"PK": {"S": f"REF#{image['reference']}"}, "SK": {"S": "REF"}})
               ["Item"], *aws.ddb.query(TableName=aws.table, KeyConditionExpression="PK = :pk",
                                        ExpressionAttributeValues={":pk": {"S": f"NAME#{_name(items)}"}})["Items"]]
    assert [int(o["ttl"]["N"]) for o in outside] == [retained, retained]  # the trace and the search lookups too


def _name(items):
    return next(i["candidateName"] for i in items if i["kind"] == "application")
