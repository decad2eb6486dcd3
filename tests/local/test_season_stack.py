"""The exam season over HTTP against `make run`'s stack: the template's EventBridge schedule run at once by
`POST /dev/run/reminders`, its message through the notify queue's function, the reminder in
`GET /dev/outbox` once however often it runs. An exam year of its own, so no other test's window moves."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime

import pytest
import requests

from core.season import BEIJING, DAY
from tests.conftest import registration
from tests.local.test_journeys import Session, wait_for

pytestmark = pytest.mark.localstack


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), BEIJING).isoformat()


def outbox(stack, phone: str) -> list[dict]:
    messages = requests.get(f"{stack.url}/dev/outbox", timeout=10).json()["messages"]
    return [m for m in messages if m["to"] == "+86" + phone]


def reminders_to(stack, phone: str) -> list[dict]:
    return [m for m in outbox(stack, phone) if m["kind"] == "deadline"]


def test_dev_run_reminders_sends_the_due_reminder_once(local_stack):
    # Given a candidate filling in, with a consented phone, in an exam year whose uploads close in 2 days
    year = 2090 + uuid.uuid4().int % 9  # a year of this run's own: a reused stack keeps earlier windows
    sub, phone = f"cand-season-{uuid.uuid4().hex[:6]}", f"137{uuid.uuid4().int % 10**8:08d}"
    candidate = Session(local_stack, sub, ["candidate"])
    assert candidate.call("PUT", "/me/contact", {"phone": phone, "consent": True}).status_code == 202
    (sent,) = wait_for(lambda: [m for m in outbox(local_stack, phone) if m["kind"] == "verify"])
    code = re.search(r"\b([0-9]{6})\b", sent["text"]).group(1)
    assert candidate.call("POST", "/me/contact/verify", {"code": code}).status_code == 200
    app_id = f"app-season-{uuid.uuid4().hex[:8]}"
    registrar = Session(local_stack, "registrar", ["registrar"])
    assert registrar.call("PUT", f"/applications/{app_id}", registration(sub, year=year)).status_code == 201
    now = time.time()
    office = Session(local_stack, "office", ["exam_office"])
    times = {"uploadOpens": iso(now - DAY), "uploadCloses": iso(now + 2 * DAY), "fixUntil": iso(now + 5 * DAY),
             "siteReviewDue": iso(now + 6 * DAY), "regionReviewDue": iso(now + 7 * DAY)}
    assert office.call("PUT", f"/windows/{year}/11", times).status_code == 200
    # When the schedule is run at once, twice
    for _ in range(2):
        ran = requests.post(f"{local_stack.url}/dev/run/reminders", timeout=60)
        assert ran.status_code == 200 and ran.json()["failed"] is False, ran.text
    # Then the candidate has exactly one reminder, the 3-day one, naming the close and the upload page
    assert wait_for(lambda: reminders_to(local_stack, phone))
    (message,) = reminders_to(local_stack, phone)
    assert message["ref"] == app_id and "3 天" in message["text"] and f"/#/app/{app_id}" in message["text"]
    assert datetime.fromisoformat(times["uploadCloses"]).strftime("%Y-%m-%d %H:%M") in message["text"]
    # and the candidate's page counts down to that close
    window = candidate.call("GET", f"/applications/{app_id}").json()["window"]
    assert (window["applies"], window["closesAt"], window["open"]) == ("uploadCloses", times["uploadCloses"], True)
