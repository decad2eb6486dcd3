"""The notify API (R22 without the password): a candidate's contact and consent, subscriptions, the
categories; validation in both languages; personal data stored once, shown masked, deleted on request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import claims
from tests.notify_flow import code_for, notify_api, partition, verified_contact

CAND = claims("cand-001", "candidate")
OTHER = claims("cand-002", "candidate")
CATEGORY = "中西医结合执业助理医师"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def year(aws) -> int:
    return notify_api("GET", "/categories", CAND).body["examYears"][0]


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "008613812345678"])
def test_a_mainland_mobile_number_is_saved_once_and_shown_masked(aws, typed):
    # When the candidate gives their number with consent (as people type it) and types the code texted to it
    reply = verified_contact(CAND, "13812345678", shown=typed)
    # Then it is stored once, as 11 digits, with the consent's time and notice version, and shown masked
    assert reply.body["phoneMasked"] == "138****5678" and reply.body["consent"] is True
    assert reply.body["consentAt"] and reply.body["noticeVersion"] and reply.body["verifiedAt"]
    (item,) = partition(aws, "USER#cand-001")
    assert (item["kind"], item["phone"], item["consentAt"]) == ("contact", "13812345678", reply.body["consentAt"])
    assert "13812345678" not in json.dumps(reply.body)
    assert notify_api("GET", "/me/contact", CAND).body == reply.body


def test_a_new_number_replaces_the_old_one_once_verified(aws, clock):
    verified_contact(CAND, "13812345678")
    clock.tick(61)  # one code a minute
    sent = notify_api("PUT", "/me/contact", CAND, {"phone": "15900001111", "consent": True})
    assert sent.status == 202
    # Until its code is typed, the verified number stays the one messages go to
    shown = notify_api("GET", "/me/contact", CAND).body
    assert (shown["phoneMasked"], shown["verified"], shown["pending"]["phoneMasked"]) == ("138****5678", True,
                                                                                          "159****1111")
    assert notify_api("POST", "/me/contact/verify", CAND, {"code": code_for("15900001111")}).status == 200
    assert [i["phone"] for i in partition(aws, "USER#cand-001")] == ["15900001111"]
    shown = notify_api("GET", "/me/contact", CAND).body
    assert (shown["phoneMasked"], shown["verified"], shown["pending"]) == ("159****1111", True, None)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "0138123456", "+1 212 555 0100",
                                   "1381234567a", "10086", "138 1234 567８"])
def test_an_invalid_phone_is_400_with_the_contracts_body_and_changes_nothing(aws, phone):
    reply = notify_api("PUT", "/me/contact", CAND, {"phone": phone, "consent": True})
    assert reply.status == 400
    assert set(reply.body) == {"error"} and set(reply.body["error"]) == {"code", "message", "messageZh"}
    assert reply.code == "INVALID_PHONE"
    assert "13 to 19" in reply.body["error"]["message"] and "11 位中国大陆手机号码" in reply.body["error"]["messageZh"]
    assert partition(aws, "USER#cand-001") == []


@pytest.mark.parametrize(("body", "code", "zh"), [
    ({"phone": "13812345678", "consent": False}, "CONSENT_REQUIRED", "隐私声明"),
    ({"phone": "13812345678"}, "INVALID_REQUEST", "consent"),
    ({"phone": "13812345678", "consent": "true"}, "INVALID_REQUEST", "consent"),
    ({"phone": 13812345678, "consent": True}, "INVALID_REQUEST", "phone"),
    ({"phone": "13812345678", "consent": True, "password": "hunter2"}, "INVALID_REQUEST", "password"),
])
def test_consent_is_required_and_nothing_else_is_accepted(aws, body, code, zh):
    reply = notify_api("PUT", "/me/contact", CAND, body)
    assert (reply.status, reply.code) == (400, code), reply
    assert zh in reply.body["error"]["messageZh"]
    assert partition(aws, "USER#cand-001") == []


def test_no_contact_is_404_and_only_candidates_have_one(aws):
    assert notify_api("GET", "/me/contact", CAND).status == 404
    for who in (claims("r", "site_reviewer", site="1101"), claims("o", "exam_office"), claims("reg", "registrar")):
        assert notify_api("PUT", "/me/contact", who, {"phone": "13812345678", "consent": True}).status == 403
        assert notify_api("POST", "/subscriptions", who, {"examYear": 2026, "category": CATEGORY}).status == 403
    # a role check comes before the body: 403 whatever is sent
    assert notify_api("PUT", "/me/contact", claims("o", "exam_office"), "{not json").status == 403


def test_subscribe_twice_is_one_subscription_and_unsubscribing_deletes_it(aws, year):
    first = notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": CATEGORY})
    again = notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": CATEGORY})
    assert (first.status, again.status) == (201, 200) and first.body == again.body
    assert set(first.body) == {"id", "examYear", "category", "createdAt"}
    listed = notify_api("GET", "/subscriptions", CAND).body
    assert listed == {"items": [first.body], "hasContact": False, "pendingNumber": None}
    assert notify_api("GET", "/subscriptions", OTHER).body["items"] == []
    # the fan-out's list has the subscriber too, and loses them with the subscription
    assert [i["SK"] for i in partition(aws, f"SUBS#{year}#{CATEGORY}")] == ["USER#cand-001"]
    assert notify_api("DELETE", f"/subscriptions/{first.body['id']}", OTHER).status == 404  # not theirs
    assert notify_api("DELETE", f"/subscriptions/{first.body['id']}", CAND).status == 204
    assert notify_api("DELETE", f"/subscriptions/{first.body['id']}", CAND).status == 404
    assert partition(aws, f"SUBS#{year}#{CATEGORY}") == [] and partition(aws, "USER#cand-001") == []


def test_a_subscription_needs_a_known_category_and_an_exam_to_come(aws, year):
    unknown = notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": "兽医"})
    past = notify_api("POST", "/subscriptions", CAND, {"examYear": year - 1, "category": CATEGORY})
    assert (unknown.status, unknown.code) == (400, "UNKNOWN_CATEGORY") and "兽医" in unknown.body["error"]["messageZh"]
    assert (past.status, past.code) == (400, "INVALID_REQUEST") and str(year) in past.body["error"]["messageZh"]
    assert partition(aws, "USER#cand-001") == []


def test_deleting_the_contact_deletes_every_subscription(aws, year):
    verified_contact(CAND, "13812345678")
    for category in (CATEGORY, "临床执业医师"):
        assert notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": category}).status == 201
    notify_api("POST", "/subscriptions", OTHER, {"examYear": year, "category": CATEGORY})
    assert notify_api("GET", "/subscriptions", CAND).body["hasContact"] is True
    # When
    assert notify_api("DELETE", "/me/contact", CAND).status == 204
    # Then nothing of theirs is left, in their partition or in the fan-out's lists; the other stays
    assert partition(aws, "USER#cand-001") == []
    assert [i["SK"] for i in partition(aws, f"SUBS#{year}#{CATEGORY}")] == ["USER#cand-002"]
    assert partition(aws, f"SUBS#{year}#临床执业医师") == []
    assert notify_api("GET", "/me/contact", CAND).status == 404
    assert notify_api("DELETE", "/me/contact", CAND).status == 204  # again: nothing to delete, still 204


def test_categories_are_the_catalogues(aws):
    from core import catalog

    body = notify_api("GET", "/categories", claims("o", "exam_office")).body
    assert body["categories"] == list(catalog.current().categories) and len(body["examYears"]) == 3


def _names(node) -> set[str]:
    """Every property, parameter and schema name of an OpenAPI document."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "schemas") and isinstance(value, dict):
                found |= set(value)
            if key == "name" and isinstance(value, str):
                found.add(value)
            found |= _names(value)
    elif isinstance(node, list):
        for value in node:
            found |= _names(value)
    return found


def test_no_password_anywhere_in_the_api():
    """R22's source asked for the exam site's password; nothing here ever does."""
    from tools.openapi import build

    doc = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert doc == build(), "docs/openapi.json is stale: python -m tools.openapi --write"
    names = _names(doc)
    assert {"phone", "consent", "examYear", "announcementId"} <= names  # the document has the routes: can fail
    assert not [n for n in names if re.search(r"pass(word|wd)|pwd|secret|credential", n, re.I)]
    assert {"/me/contact", "/subscriptions", "/subscriptions/{id}", "/announcements",
            "/announcements/{announcementId}"} <= set(doc["paths"])
    contact = doc["paths"]["/me/contact"]["put"]["responses"]
    assert "INVALID_PHONE" in json.dumps(contact["400"]) and "CONSENT_REQUIRED" in json.dumps(contact["400"])


def test_personal_data_expires_with_retention_days(aws, year, monkeypatch):
    """A number goes RETENTION_DAYS after it was last given; a subscription with its exam season, as
    that season's applications do (core.db.keep_until)."""
    from core import clock, db
    from core.settings import settings

    monkeypatch.setenv("RETENTION_DAYS", "30")
    settings.cache_clear()
    try:
        verified_contact(CAND, "13812345678")
        notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": CATEGORY})
    finally:
        monkeypatch.delenv("RETENTION_DAYS")
        settings.cache_clear()
    items = {i["SK"][:4]: i for i in partition(aws, "USER#cand-001")}
    assert abs(items["CONT"]["ttl"] - (clock.now().seconds + 30 * 86400)) < 60
    assert items["SUB#"]["ttl"] == db.keep_until(year, 30)
    (listed,) = partition(aws, f"SUBS#{year}#{CATEGORY}")
    assert listed["ttl"] == db.keep_until(year, 30)
    # and without a retention (RETENTION_DAYS 0) nothing expires
    verified_contact(OTHER, "13812345678")
    assert "ttl" not in partition(aws, "USER#cand-002")[0]
