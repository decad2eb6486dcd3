"""Notifications over HTTP against `make run`'s stack: the table's stream, the event source, the notify
queue and SNS all running as the template says, and `GET /dev/outbox` showing what would have gone out."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.local.test_journeys import Session, register, upload_required, wait_for

pytestmark = pytest.mark.localstack


def outbox(stack, phone: str) -> list[dict]:
    messages = requests.get(f"{stack.url}/dev/outbox", timeout=10).json()["messages"]
    return [m for m in messages if m["to"] == "+86" + phone]


def test_a_return_and_an_announcement_reach_the_candidates_phone_once(local_stack):
    # Given a candidate who saved a number with consent and subscribed to next year's reminder
    sub, phone = f"cand-sms-{uuid.uuid4().hex[:6]}", "13655501234"
    candidate = Session(local_stack, sub, ["candidate"])
    saved = candidate.call("PUT", "/me/contact", {"phone": "136 5550 1234", "consent": True})
    assert saved.status_code == 202 and saved.json()["phoneMasked"] == "136****1234"
    # the code comes by SMS (the outbox, kind "verify"); typed, the number counts
    (sent,) = wait_for(lambda: [m for m in outbox(local_stack, phone) if m["kind"] == "verify"])
    code = re.search(r"\b([0-9]{6})\b", sent["text"]).group(1)
    verified = candidate.call("POST", "/me/contact/verify", {"code": code})
    assert verified.status_code == 200 and verified.json()["verified"] is True
    year = candidate.call("GET", "/categories").json()["examYears"][1]
    assert candidate.call("POST", "/subscriptions", {"examYear": year, "category": "口腔执业医师"}).status_code == 201
    app_id = register(local_stack, sub)
    upload_required(candidate, app_id)
    # When the site reviewer returns the application with a comment
    site = Session(local_stack, "site-sms", ["site_reviewer"], site="1101", region="11")
    assert site.call("POST", f"/review/applications/{app_id}/claim").status_code == 200
    version = site.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]
    comment = "身份证反面反光,请重新拍摄。"  # a reviewer's own full stop: the message adds no second one
    assert site.call("POST", f"/review/applications/{app_id}/decision",
                     {"decision": "return", "comment": comment, "version": version}).status_code == 200
    # Then the outbox has one message to that number, with the comment and the link to the upload page
    told = lambda: [m for m in outbox(local_stack, phone) if m["kind"] != "verify"]  # noqa: E731
    assert wait_for(told)
    (message,) = told()
    assert comment in message["text"] and f"{local_stack.url}/#/app/{app_id}" in message["text"]
    assert "。。" not in message["text"]
    assert (message["kind"], message["ref"]) == ("RETURNED", app_id) and message["at"]

    # When the exam office announces next year's registration for that category
    office = Session(local_stack, "office", ["exam_office"])
    accepted = office.call("POST", "/announcements", {"examYear": year, "category": "口腔执业医师"})
    assert accepted.status_code == 202
    ann_id = accepted.json()["announcementId"]
    # Then it is done, with the counts, and the candidate has one reminder too
    assert wait_for(lambda: office.call("GET", f"/announcements/{ann_id}").json()["done"])
    progress = office.call("GET", f"/announcements/{ann_id}").json()
    assert progress["recipients"] >= 1 and progress["sent"] == progress["recipients"] and progress["failed"] == 0
    kinds = [m["kind"] for m in outbox(local_stack, phone)]
    assert kinds == ["verify", "RETURNED", "ANNOUNCEMENT"]

    # and the stack's log never had the number in it
    log = local_stack.log.read_text(encoding="utf-8", errors="replace")
    for secret in (phone, phone[-8:], "136 5550 1234"):
        assert secret not in log, secret

    # When the candidate deletes the contact, their subscriptions go with it
    assert candidate.call("DELETE", "/me/contact").status_code == 204
    assert candidate.call("GET", "/subscriptions").json() == {"items": [], "hasContact": False, "pendingNumber": None}


def test_the_sms_gateway_stand_in_receives_exactly_what_the_outbox_shows_signed(local_stack):
    # Given: a candidate with a number, whose application is returned (one status message)
    sub, phone = f"cand-gw-{uuid.uuid4().hex[:6]}", f"139{uuid.uuid4().int % 10**8:08d}"
    candidate = Session(local_stack, sub, ["candidate"])
    assert candidate.call("PUT", "/me/contact", {"phone": phone, "consent": True}).status_code in (200, 202)
    app_id = register(local_stack, sub)
    upload_required(candidate, app_id)
    site = Session(local_stack, "site-gw", ["site_reviewer"], site="1101", region="11")
    assert site.call("POST", f"/review/applications/{app_id}/claim").status_code == 200
    version = site.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]
    assert site.call("POST", f"/review/applications/{app_id}/decision",
                     {"decision": "return", "comment": "学历证书不清晰", "version": version}).status_code == 200
    assert wait_for(lambda: outbox(local_stack, phone))

    # When: every message sent so far has its delivery marker
    def settled():
        shown = requests.get(f"{local_stack.url}/dev/outbox", timeout=10).json()["messages"]
        return shown if shown and all(m["kind"] for m in shown) else None

    shown = wait_for(settled)
    received = requests.get(f"{local_stack.url}/dev/sms-gateway", timeout=10).json()["messages"]
    # Then: the same messages, one for one, each signed and verified by the gateway
    assert sorted((m["messageId"], m["to"], m["text"]) for m in received) == sorted(
        (m["messageId"], m["to"], m["text"]) for m in shown)
    assert all(m["verified"] and m["signature"] and m["keyId"] for m in received)
    mine = [m for m in shown if m["to"] == "+86" + phone]
    assert mine and {m["kind"] for m in mine} <= {"RETURNED", "verify"}  # a verification code, where asked first
