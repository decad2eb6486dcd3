"""Status messages (R16, R19-R21): every decision's audit entry travels the table's stream (through the
template's event source and its filter), notify.events and the notify queue to notify.app, which texts
the candidate once, through moto's SNS."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import REGISTRAR, claims, registration
from tests.flow import approve_images, complete
from tests.notify_flow import WEB_URL, notify_api, partition, replay, sms, start, verified_contact

SITE = claims("rev-site", "site_reviewer", site="1101", region="11")
REGION = claims("rev-region", "region_reviewer", region="11")
OFFICE = claims("office", "exam_office")
CAND = claims("cand-001", "candidate")
PHONE = "13987650429"
COMMENT = "学历证书照片模糊,请重新拍摄上传"


@pytest.fixture
def notifications(aws, monkeypatch):
    return start(aws, monkeypatch)


def contact(api, who=CAND, phone=PHONE):
    """A consented contact: the number given with consent and verified by the code texted to it."""
    return verified_contact(who, phone)


def version(api, app_id="app-1", who=SITE):
    return api("review", "GET", f"/review/applications/{app_id}", who).body["application"]["version"]


def decide(api, decision, who=SITE, app_id="app-1", **kw):
    reply = api("review", "POST", f"/review/applications/{app_id}/decision", who,
                {"decision": decision, "version": version(api, app_id, who), **kw})
    assert reply.status == 200, reply
    return reply.body


def claim(api, who=SITE, app_id="app-1"):
    assert api("review", "POST", f"/review/applications/{app_id}/claim", who).status == 200


def ready(api, aws, register, app_id="app-1", candidate="cand-001", **kw):
    register(app_id, candidate=candidate, **kw)
    return complete(api, aws, claims(candidate, "candidate"), app_id)


def to(phone: str = PHONE) -> list[str]:
    return [text for number, text in sms() if number == "+86" + phone]


def test_a_return_texts_the_candidate_once_with_the_comment_and_the_link_even_if_delivered_twice(
        api, aws, register, notifications):
    # Given a candidate who gave a number with consent, and a complete application under review
    ready(api, aws, register)
    contact(api)
    claim(api)
    # When the site reviewer returns it, and the stream's records are delivered twice
    decide(api, "return", comment=COMMENT)
    assert replay(notifications).poll_once() > 0 and notifications.events.poll_once() > 0
    queued = aws.sqs.get_queue_attributes(QueueUrl=notifications.queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert queued["Attributes"]["ApproximateNumberOfMessages"] == "2"  # the return's audit entry, twice
    notifications.pump()
    # Then exactly one message reached that candidate: the comment and the link to the upload page
    (text,) = to()
    assert COMMENT in text and f"{WEB_URL}/#/app/app-1" in text and "退回修改" in text
    assert len(sms()) == 1
    (marker,) = partition(aws, "NOTICE#app-1")
    assert (marker["status"], marker["messageKind"], marker["ref"]) == ("SENT", "RETURNED", "app-1")
    assert "phone" not in marker and PHONE not in json.dumps(marker)


def test_no_contact_or_only_the_registration_phone_without_consent_means_no_message(api, aws, register, notifications):
    # Given two candidates: one gave no number at all, one has only the registration system's phone
    ready(api, aws, register, "app-1", "cand-001")
    body = {**registration("cand-002"), "phone": "13700001111"}
    assert api("status", "PUT", "/applications/app-2", REGISTRAR, body).status == 201
    complete(api, aws, claims("cand-002", "candidate"), "app-2")
    # When both are returned
    for app_id in ("app-1", "app-2"):
        claim(api, app_id=app_id)
        decide(api, "return", app_id=app_id, comment=COMMENT)
    handled = notifications.pump()
    # Then the events were handled, and nothing was sent
    assert handled == 2
    assert sms() == []


def test_each_status_a_candidate_is_told_about_gives_one_message(api, aws, register, notifications):
    # Given two candidates with consented contacts
    ids = ready(api, aws, register, "app-1", "cand-001")
    ready(api, aws, register, "app-2", "cand-002")
    contact(api)
    contact(api, claims("cand-002", "candidate"), "13600002222")
    # When one goes all the way (site, region, 备考, 通过) and the other is rejected at site level
    claim(api)
    approve_images(api, SITE, "app-1", ids)
    decide(api, "approve")
    claim(api, REGION)
    decide(api, "approve", REGION)
    for phase in ("READY_FOR_EXAM", "PASSED"):
        assert api("review", "POST", "/review/applications/app-1/phase", OFFICE, {"status": phase}).status == 200
    claim(api, app_id="app-2")
    decide(api, "reject", app_id="app-2", comment="报考条件不符")
    notifications.pump()
    # Then one message per status, in order, each with its label and the link
    texts = to()
    assert [next(k for k in ("考点审核", "审核通过", "备考", "通过") if k in t) for t in texts] == [
        "考点审核", "审核通过", "备考", "通过"]
    assert all(f"{WEB_URL}/#/app/app-1" in t for t in texts)
    (rejected,) = to("13600002222")
    assert "审核拒绝" in rejected and "报考条件不符" in rejected and "考点" in rejected
    # and image decisions, claims and registrations told nobody anything
    assert len(sms()) == 5


def test_a_message_the_provider_did_not_take_is_retried_and_sent_once(api, aws, register, notifications, monkeypatch):
    # Given SNS throttles the first attempt
    import notify.app
    from notify.channels import NotSent

    ready(api, aws, register)
    contact(api)
    real, calls = notify.app.channel.send, []

    def throttled_once(to_, message):
        calls.append(message.kind)
        if len(calls) == 1:
            raise NotSent("Throttling")
        return real(to_, message)

    monkeypatch.setattr(notify.app.channel, "send", throttled_once)
    # When the application is returned
    claim(api)
    decide(api, "return", comment=COMMENT)
    notifications.pump()
    # Then SQS delivered it again and the second attempt sent it: one message, nothing dead-lettered
    assert calls == ["RETURNED", "RETURNED"] and len(to()) == 1
    assert "Messages" not in aws.sqs.receive_message(QueueUrl=notifications.dlq_url)


@pytest.mark.parametrize(("failure", "status"), [("Refused", "FAILED"), ("Unconfirmed", "UNCONFIRMED")])
def test_a_refused_or_unconfirmed_message_is_never_sent_again(api, aws, register, notifications, monkeypatch,
                                                              failure, status):
    import notify.app
    import notify.channels

    ready(api, aws, register)
    contact(api)
    calls = []

    def failing(to_, message):
        calls.append(message.kind)
        raise getattr(notify.channels, failure)("InvalidParameter" if failure == "Refused" else "ReadTimeoutError")

    monkeypatch.setattr(notify.app.channel, "send", failing)
    claim(api)
    decide(api, "return", comment=COMMENT)
    notifications.pump()
    # Delivered again (a second copy of the event): still one attempt only
    replay(notifications).poll_once()
    notifications.pump()
    (record,) = partition(aws, "NOTICE#app-1")
    assert record["status"] == status and calls == ["RETURNED"]


def test_a_cancelled_transaction_leaves_no_event_behind(aws, notifications):
    """moto applies a transaction's items one by one and rolls back on failure; its stream records must
    go too (local/moto_server.py), or a decision that never happened would text a candidate."""
    from core import db
    from core.models import AuditEntry

    entry = AuditEntry(at="2026-05-01T00:00:00.000Z", actor="rev", role="site_reviewer", action="return",
                       from_status="DRAFT", to_status="RETURNED", note="x", level="SITE")
    items = [{"Put": {"TableName": aws.table, "Item": db.encode(db.audit_item("app-9", entry))}},
             {"Update": {"TableName": aws.table, "Key": {"PK": {"S": "APP#app-9"}, "SK": {"S": "APP"}},
                         "UpdateExpression": "SET #v = :v", "ConditionExpression": "attribute_exists(PK)",
                         "ExpressionAttributeNames": {"#v": "version"}, "ExpressionAttributeValues": {":v": {"N": "2"}}}}]
    with pytest.raises(db.Conflict):
        db.calls.write_transaction(items)
    assert notifications.events.poll_once() == 0
    assert aws.items("app-9") == []


@pytest.fixture
def talkative(monkeypatch, caplog):
    """The notify functions' loggers at DEBUG (they were made at import, at the tests' WARNING)."""
    import notify.api
    import notify.app

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    loggers = (notify.app.logger, notify.api.api.logger)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield
    for logger in loggers:
        logger.setLevel(logging.WARNING)


def test_a_journey_with_a_phone_number_logs_no_phone(api, aws, register, notifications, talkative, capfd, caplog):
    ready(api, aws, register)
    contact(api)
    assert notify_api("PUT", "/me/contact", CAND, {"phone": "1398765042x", "consent": True}).status == 400
    assert notify_api("GET", "/me/contact", CAND).body["phoneMasked"] == "139****0429"
    year = notify_api("GET", "/categories", CAND).body["examYears"][0]
    assert notify_api("POST", "/subscriptions", CAND, {"examYear": year, "category": "临床执业医师"}).status == 201
    claim(api)
    decide(api, "return", comment=COMMENT)
    notifications.pump()
    assert len(to()) == 1
    out, err = capfd.readouterr()
    logged = out + err + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "status message" in logged  # the notify function logged what it did: this test can fail
    for secret in (PHONE, PHONE[-8:], "+86" + PHONE, "1398765042x"):
        assert secret not in logged, (secret, logged[max(0, logged.find(secret) - 600):logged.find(secret) + 100])
