"""A phone number counts as consented only once verified (api-contract.md "What is tested is what
deploys"): `PUT /me/contact` → 202 and a 6-digit code by SMS (kind `verify`), `POST /me/contact/verify`
→ 200; a wrong code is 400 INVALID_CODE, the sixth try 429 TOO_MANY_ATTEMPTS (tries counted by a
condition, raced on threads); an unverified number gets no status message and no announcement; a
number two accounts registered gets one message per announcement. Through the handlers and moto."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.conftest import claims
from tests.flow import caller, complete, race
from tests.integration.test_notify import claim, decide
from tests.notify_flow import code_for, notify_api, partition, sms, start, verified_contact

CAND = claims("cand-001", "candidate")
CAND_2 = claims("cand-002", "candidate")
OFFICE = claims("office", "exam_office")
PHONE = "13987650429"
CATEGORY = "临床执业医师"


@pytest.fixture
def notifications(aws, monkeypatch):
    return start(aws, monkeypatch)


def give(who: dict = CAND, phone: str = PHONE):
    return notify_api("PUT", "/me/contact", who, {"phone": phone, "consent": True})


def verify(code: str, who: dict = CAND):
    return notify_api("POST", "/me/contact/verify", who, {"code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_number_is_given_202_its_code_texted_and_verified_200(aws, clock):
    # When the candidate gives a number with consent
    sent = give(CAND, "139 8765 0429")
    # Then 202: a code was texted to it, and nothing counts yet
    assert sent.status == 202, sent
    assert (sent.body["verification"], sent.body["phoneMasked"]) == ("SENT", "139****0429")
    (to, text), = sms(codes=True)
    assert to == "+86" + PHONE and re.search(r"验证码为 [0-9]{6},10 分钟内有效", text)
    code = code_for(PHONE)
    (stored,) = partition(aws, "USER#cand-001")
    assert stored["kind"] == "verification" and stored["tries"] == 0 and code not in str(stored)  # only its hash
    assert PHONE not in str(partition(aws, f"CODE#{stored['token']}"))  # the SMS's marker: kind, ref, no number
    (marker,) = partition(aws, f"CODE#{stored['token']}")
    assert (marker["status"], marker["messageKind"]) == ("SENT", "verify")
    shown = notify_api("GET", "/me/contact", CAND).body
    assert (shown["verified"], shown["pending"]["phoneMasked"]) == (False, "139****0429")
    listed = notify_api("GET", "/subscriptions", CAND).body
    assert listed["hasContact"] is False
    # the settings page asks for the code again after a reload: the list says a code is waiting, masked
    assert listed["pendingNumber"] == {"phoneMasked": "139****0429", "expiresAt": sent.body["expiresAt"],
                                       "resendAfter": sent.body["resendAfter"]}
    # When the code is typed: the number is the candidate's consented contact, and the code is used up
    done = verify(code)
    assert done.status == 200 and done.body["verified"] is True and done.body["verifiedAt"] == clock().iso
    assert [i["kind"] for i in partition(aws, "USER#cand-001")] == ["contact"]
    listed = notify_api("GET", "/subscriptions", CAND).body
    assert (listed["hasContact"], listed["pendingNumber"]) == (True, None)
    assert (verify(code).status, verify(code).code) == (400, "INVALID_CODE")  # used: no code is waiting


def test_a_wrong_code_is_invalid_code_and_the_sixth_try_too_many_attempts(aws, clock):
    assert give().status == 202
    code = code_for(PHONE)
    # Five wrong codes: each 400 INVALID_CODE, saying how many tries are left
    for left in (4, 3, 2, 1, 0):
        reply = verify(wrong(code))
        assert (reply.status, reply.code) == (400, "INVALID_CODE"), reply
        assert (f"{left} tries left" in reply.body["error"]["message"]) == (left > 0)
        assert reply.body["error"]["messageZh"].startswith("验证码不正确")
    # The sixth, even the right code: 429 TOO_MANY_ATTEMPTS, and the number is not verified
    reply = verify(code)
    assert (reply.status, reply.code) == (429, "TOO_MANY_ATTEMPTS"), reply
    assert "新的验证码" in reply.body["error"]["messageZh"]
    assert [i["kind"] for i in partition(aws, "USER#cand-001")] == ["verification"]
    assert notify_api("GET", "/subscriptions", CAND).body["pendingNumber"] is None  # spent: not asked for again
    # A new code within the minute: 429 as well (one code a minute), with when to ask again
    again = give()
    assert (again.status, again.code) == (429, "TOO_MANY_ATTEMPTS") and "秒后再试" in again.body["error"]["messageZh"]
    assert len(sms(codes=True)) == 1
    # After it: a new code, five new tries, and the right one verifies
    clock.tick(60)
    assert give().status == 202
    fresh = code_for(PHONE)
    assert verify(wrong(fresh)).code == "INVALID_CODE"
    assert verify(fresh).status == 200


def test_an_expired_or_malformed_code_changes_nothing(aws, clock):
    assert give().status == 202
    code = code_for(PHONE)
    for malformed in ("12345", "1234567", "12345a", ""):
        reply = verify(malformed)
        assert (reply.status, reply.code) == (400, "INVALID_REQUEST"), reply
    assert partition(aws, "USER#cand-001")[0]["tries"] == 0  # not a try
    clock.tick(600)
    assert notify_api("GET", "/subscriptions", CAND).body["pendingNumber"] is None  # expired: not asked for again
    reply = verify(code)
    assert (reply.status, reply.code) == (400, "INVALID_CODE") and "已过期" in reply.body["error"]["messageZh"]
    assert [i["kind"] for i in partition(aws, "USER#cand-001")] == ["verification"]


def test_simultaneous_tries_are_five_however_many_arrive_at_once(aws, serial_moto):
    # Given a code sent, and twelve tries of wrong codes at the same moment (a script guessing)
    assert give().status == 202
    code = code_for(PHONE)
    from core import contract as c
    from notify import api_use_cases

    me = caller(CAND)
    guesses = [f"{(int(code) + k) % 10**6:06d}" for k in range(1, 13)]
    results = race(*[(api_use_cases.verify_contact, me, c.CodeIn(code=g)) for g in guesses])
    # Then exactly five were compared (INVALID_CODE), the rest refused before any comparison
    assert Counter(results) == {"INVALID_CODE": 5, "TOO_MANY_ATTEMPTS": 7}, results
    assert partition(aws, "USER#cand-001")[0]["tries"] == 5
    assert verify(code).code == "TOO_MANY_ATTEMPTS"


def test_an_unverified_number_gets_no_status_message_and_no_announcement(api, aws, register, notifications, clock):
    # Given a candidate who gave a number with consent but never typed the code, subscribed, under review
    register("app-1")
    complete(api, aws, CAND, "app-1")
    assert give().status == 202
    year = notify_api("GET", "/categories", CAND).body["examYears"][0]
    assert notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": CATEGORY}).status == 201
    # When the application is returned and the office announces
    claim(api)
    decide(api, "return", comment="请重新拍摄")
    ann = notify_api("POST", "/announcements", OFFICE, {"examYear": year, "category": CATEGORY}).body["announcementId"]
    notifications.pump()
    # Then the only text the number got is its code
    assert sms() == [] and len(sms(codes=True)) == 1
    progress = notify_api("GET", f"/announcements/{ann}", OFFICE).body
    assert (progress["done"], progress["recipients"], progress["sent"]) == (True, 0, 0)


def test_one_message_per_number_per_announcement_when_two_applications_share_it(api, aws, register, notifications):
    # Given two candidates (two applications) who both verified the same number, both subscribed, and a
    # third with a number of their own
    for who, app_id in ((CAND, "app-1"), (CAND_2, "app-2")):
        register(app_id, candidate=who["sub"])
        verified_contact(who, PHONE)
    third = claims("cand-003", "candidate")
    verified_contact(third, "13600001111")
    year = notify_api("GET", "/categories", CAND).body["examYears"][0]
    for who in (CAND, CAND_2, third):
        assert notify_api("POST", "/subscriptions", who, {"examYear": year, "category": CATEGORY}).status == 201
    # When the office announces, and the fan-out's batch is delivered twice
    ann = notify_api("POST", "/announcements", OFFICE, {"examYear": year, "category": CATEGORY}).body["announcementId"]
    notifications.pump()
    from notify import queues
    queues.send(notifications.queue_url, {"announcement": ann}, 0)
    notifications.pump()
    # Then each number got the announcement once
    assert Counter(to for to, _ in sms()) == {"+86" + PHONE: 1, "+8613600001111": 1}
    progress = notify_api("GET", f"/announcements/{ann}", OFFICE).body
    assert (progress["recipients"], progress["sent"], progress["done"]) == (2, 2, True)
    numbers = [i for i in partition(aws, f"ANN#{ann}") if i["SK"].startswith("PHONE#")]
    assert len(numbers) == 2 and PHONE not in str(numbers)
    # and each application's own status change is still told to its candidate (two events, two messages)
    for who, app_id in ((CAND, "app-1"), (CAND_2, "app-2")):
        complete(api, aws, who, app_id)
        claim(api, app_id=app_id)
        decide(api, "return", app_id=app_id, comment="请重新拍摄")
    notifications.pump()
    assert sum(to == "+86" + PHONE and "退回修改" in text for to, text in sms()) == 2
