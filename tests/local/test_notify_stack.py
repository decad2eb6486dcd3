"""Notifications over HTTP against `make run`'s stack: the table's stream, the event source, the notify
queue and SNS all running as the template says, and `GET /dev/outbox` showing what would have gone out."""

from __future__ import annotations

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
    assert saved.status_code == 200 and saved.json()["phoneMasked"] == "136****1234"
    year = candidate.call("GET", "/categories").json()["examYears"][1]
    assert candidate.call("POST", "/subscriptions", {"examYear": year, "category": "口腔执业医师"}).status_code == 201
    app_id = register(local_stack, sub)
    upload_required(candidate, app_id)
    # When the site reviewer returns the application with a comment
    site = Session(local_stack, "site-sms", ["site_reviewer"], site="1101", region="11")
    assert site.call("POST", f"/review/applications/{app_id}/claim").status_code == 200
    version = site.call("GET", f"/review/applications/{app_id}").json()["application"]["version"]
    comment = "身份证反面反光,请重新拍摄"
    assert site.call("POST", f"/review/applications/{app_id}/decision",
                     {"decision": "return", "comment": comment, "version": version}).status_code == 200
    # Then the outbox has one message to that number, with the comment and the link to the upload page
    assert wait_for(lambda: outbox(local_stack, phone))
    (message,) = outbox(local_stack, phone)
    assert comment in message["text"] and f"{local_stack.url}/#/app/{app_id}" in message["text"]
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
    assert kinds == ["RETURNED", "ANNOUNCEMENT"]

    # and the stack's log never had the number in it
    log = local_stack.log.read_text(encoding="utf-8", errors="replace")
    for secret in (phone, phone[-8:], "136 5550 1234"):
        assert secret not in log, secret

    # When the candidate deletes the contact, their subscriptions go with it
    assert candidate.call("DELETE", "/me/contact").status_code == 204
    assert candidate.call("GET", "/subscriptions").json() == {"items": [], "hasContact": False}
