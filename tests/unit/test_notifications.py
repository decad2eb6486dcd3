"""The pure parts of notifications: which decisions a candidate is told about and in what words, the
phone number's rules, the SMS pacing, the stream's filter as the local stack evaluates it, and the
DynamoDB requests that make every message at most once. No AWS."""

from __future__ import annotations

import pytest

from core import db, notifications
from core.clock import Now
from core.errors import DomainError
from core.models import Announcement, AuditEntry, Delivery, Marker
from core.notifications import Pacer
from local.streams import check_pattern, matches
from local.template import derive, load_template
from notify import contacts

WEB = "https://exam.example/"
AT = "2026-05-01T08:00:00.000Z"


def entry(action: str, to: str | None, frm: str = "DRAFT", level: str | None = "SITE", note: str | None = None):
    return AuditEntry(at=AT, actor="rev", role="site_reviewer", action=action, from_status=frm, to_status=to,
                      note=note, level=level)


@pytest.mark.parametrize(("audit", "kind", "words"), [
    (entry("return", "RETURNED", note="身份证反面不清楚"), "RETURNED", ["考点退回修改", "身份证反面不清楚"]),
    (entry("return", "RETURNED", "SITE_APPROVED", "REGION", note="学历"), "RETURNED", ["考区退回修改", "学历"]),
    (entry("approve", "SITE_APPROVED"), "SITE_APPROVED", ["通过考点审核", "等待考区审核"]),
    (entry("approve", "APPROVED", "SITE_APPROVED", "REGION"), "APPROVED", ["审核通过"]),
    (entry("reject", "REJECTED", note="不符合报考条件"), "REJECTED", ["考点审核未通过", "不符合报考条件"]),
    (entry("reject", "REJECTED", "SITE_APPROVED", "REGION", note="x"), "REJECTED", ["考区审核未通过"]),
    (entry("phase", "READY_FOR_EXAM", "APPROVED", None), "READY_FOR_EXAM", ["“备考”"]),
    (entry("phase", "PASSED", "READY_FOR_EXAM", None), "PASSED", ["“通过”"]),
    (entry("phase", "FAILED", "APPROVED", None), "FAILED", ["“未通过”"]),
])
def test_every_status_a_candidate_is_told_about_has_its_words_and_the_link(audit, kind, words):
    message = notifications.status_message("app-2026-0001", audit, WEB)
    assert (message.kind, message.ref) == (kind, "app-2026-0001")
    assert message.text.startswith("【医师资格考试】您的报名(报名号 app-2026-0001)")
    assert message.text.endswith("https://exam.example/#/app/app-2026-0001")
    for word in words:
        assert word in message.text


@pytest.mark.parametrize("audit", [
    entry("claimed", None), entry("image_approved", "APPROVED"), entry("image_revise", "NEEDS_REVISION"),
    entry("registered", "DRAFT"), entry("resubmitted", "DRAFT", "RETURNED"), entry("request", None),
    entry("phase", "APPROVED"), entry("upload_discarded", None),
])
def test_anything_else_tells_nobody(audit):
    assert notifications.status_message("app-1", audit, WEB) is None


def test_the_first_comment_is_shortened_and_the_link_escapes_the_id():
    long = "请重新上传" * 30
    text = notifications.status_message("a/b c", entry("return", "RETURNED", note=long + "\n"), WEB).text
    assert "…" in text and long not in text and len(text) < 200
    assert text.endswith("/#/app/a%2Fb%20c")


@pytest.mark.parametrize(("action", "to", "note", "says"), [
    ("return", "RETURNED", "请按要求重新上传学历证书。", "审核意见:请按要求重新上传学历证书。请按意见修改"),
    ("return", "RETURNED", "学历证书不清楚", "审核意见:学历证书不清楚。请按意见修改"),
    ("return", "RETURNED", "请重拍!", "审核意见:请重拍!请按意见修改"),
    ("reject", "REJECTED", "不符合报考条件。", "审核意见:不符合报考条件。详情"),
    ("reject", "REJECTED", "不符合报考条件", "审核意见:不符合报考条件。详情"),
])
def test_a_comment_is_one_sentence_of_the_message_whatever_it_ends_with(action, to, note, says):
    text = notifications.status_message("app-1", entry(action, to, note=note), WEB).text
    assert says in text
    assert "。。" not in text and "!。" not in text


def test_an_announcement_has_the_office_words_or_says_registration_is_open():
    ann = Announcement(id="ann-1", exam_year=2027, category="口腔执业医师", by="office", created_at=AT)
    assert notifications.announcement_message(ann).text == (
        "【医师资格考试】2027年医师资格考试(口腔执业医师)报名已开通,请及时登录报名系统报名。")
    custom = Announcement(**{**ann.__dict__, "text": "报名时间:3月1日至3月15日。"})
    assert notifications.announcement_message(custom).text == "【医师资格考试】报名时间:3月1日至3月15日。"
    assert notifications.announcement_message(ann).kind == "ANNOUNCEMENT"


# ---------------------------------------------------------------- the number and the consent


@pytest.mark.parametrize("raw", ["13800138000", " 138 0013 8000 ", "+8613800138000", "0086-138-0013-8000", "(138)00138000"])
def test_typed_numbers_normalise(raw):
    assert contacts.normalise(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["", "1380013800", "23800138000", "12800138000", "138001380001", "+85213800138000",
                                 "138ab138000", "１３８００１３８０００"])
def test_anything_else_is_invalid_phone(raw):
    with pytest.raises(DomainError) as e:
        contacts.normalise(raw)
    assert e.value.code == "INVALID_PHONE" and e.value.status == 400


def test_masked_and_consent():
    assert contacts.masked("13800138000") == "138****8000"
    assert contacts.e164("13800138000") == "+8613800138000"
    now = Now(1_780_000_000)
    c = contacts.contact("u1", "138 0013 8000", True, now)
    assert (c.phone, c.consent_at, c.notice) == ("13800138000", now.iso, contacts.NOTICE_VERSION)
    with pytest.raises(DomainError) as e:
        contacts.contact("u1", "13800138000", False, now)
    assert e.value.code == "CONSENT_REQUIRED"


def test_subscription_ids_are_stable_and_years_are_this_one_and_the_next_two(monkeypatch):
    from core import catalog

    monkeypatch.setattr(catalog, "current", lambda consistent=False: catalog.version(1))  # its categories
    now = Now(1_780_000_000)  # 2026-05-28 in China
    assert contacts.years(now) == [2026, 2027, 2028]
    a = contacts.subscription("u1", 2027, "临床执业医师", now)
    b = contacts.subscription("u2", 2027, "临床执业医师", now)
    assert a.id == b.id != contacts.subscription("u1", 2028, "临床执业医师", now).id
    with pytest.raises(DomainError):
        contacts.subscription("u1", 2025, "临床执业医师", now)


# ---------------------------------------------------------------- pacing


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


def test_the_pacer_spaces_sends_at_the_rate_and_settles_before_the_next_batch():
    clock = Clock()
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(3):  # three batches of 10, each followed by whatever the batch's bookkeeping takes
        for _ in range(10):
            pacer.wait()
            times.append(clock.t)
        pacer.settle()
        clock.t += 0.001
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.05 - 1e-9
    assert times[-1] - times[0] < 29 * 0.05 + 0.01  # no more waiting than the rate needs


def test_a_slow_sender_is_not_made_slower():
    clock = Clock()
    pacer = Pacer(2, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.t += 5  # the send took 5 s
    pacer.wait()
    assert clock.t == 5


@pytest.mark.parametrize(("rate", "size"), [(20, 100), (1, 10), (0.05, 1), (1000, 100)])
def test_a_batch_is_what_the_rate_sends_in_ten_seconds(rate, size):
    assert notifications.batch_size(rate) == size


# ---------------------------------------------------------------- the stream's filter (template.yaml)


def record(event: str, **image) -> dict:
    return {"eventName": event, "dynamodb": {"NewImage": {k: {"S": v} for k, v in image.items()}}}


@pytest.fixture(scope="module")
def filters():
    (source,) = derive(load_template(), {"JwtIssuer": "i", "JwtAudience": "a"}).stream_sources
    return source.filters


@pytest.mark.parametrize(("event", "passes"), [
    (record("INSERT", kind="audit", action="return"), True),
    (record("INSERT", kind="audit", action="phase"), True),
    (record("INSERT", kind="announcement", id="ann-1"), True),
    (record("MODIFY", kind="audit", action="return"), False),
    (record("REMOVE", kind="audit", action="return"), False),
    (record("INSERT", kind="audit", action="claimed"), False),
    (record("INSERT", kind="audit", action="image_revise"), False),
    (record("INSERT", kind="application", action="return"), False),
    (record("INSERT", kind="delivery"), False),
    (record("MODIFY", kind="announcement"), False),
    ({"eventName": "INSERT", "dynamodb": {}}, False),
])
def test_the_filter_lets_through_decisions_and_new_announcements_only(filters, event, passes):
    assert any(matches(p, event) for p in filters) is passes


def test_the_filter_evaluator_knows_what_it_cannot_emulate():
    assert matches({"a": [{"prefix": "ab"}]}, {"a": "abc"}) and not matches({"a": [{"prefix": "ab"}]}, {"a": "b"})
    assert matches({"a": [{"anything-but": ["x"]}]}, {"a": "y"}) and not matches({"a": [{"anything-but": "x"}]}, {"a": "x"})
    assert matches({"a": [{"exists": False}]}, {}) and not matches({"a": [{"exists": True}]}, {})
    assert matches({"a": ["x"]}, {"a": ["y", "x"]})  # a list value matches if any element does
    for unsupported in ({"a": [{"numeric": [">", 1]}]}, {"a": "x"}, {"a": [{"suffix": "x"}]}):
        with pytest.raises(ValueError):
            check_pattern(unsupported)


# ---------------------------------------------------------------- requests, exactly


MARKER = Marker(pk="ANN#ann-1", sk="USER#u1", message_kind="ANNOUNCEMENT", ref="ann-1", channel="sms", token="tok",
                claimed_at=AT, ttl=99)


def test_a_delivery_is_claimed_only_if_nobody_has_and_finished_only_by_its_claimer():
    assert db.delivery_claim_request(MARKER, "T") == {
        "TableName": "T", "ConditionExpression": "attribute_not_exists(PK)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "Item": {"PK": {"S": "ANN#ann-1"}, "SK": {"S": "USER#u1"}, "kind": {"S": "delivery"}, "status": {"S": "SENDING"},
                 "messageKind": {"S": "ANNOUNCEMENT"}, "ref": {"S": "ann-1"}, "channel": {"S": "sms"},
                 "token": {"S": "tok"}, "claimedAt": {"S": AT}, "ttl": {"N": "99"}}}
    finish = db.delivery_finish_request(MARKER, Delivery.SENT, "later", "mid-1", "T")
    assert finish["ConditionExpression"] == "#t = :token" and finish["ExpressionAttributeValues"] == {":token": {"S": "tok"}}
    assert (finish["Item"]["status"], finish["Item"]["messageId"], finish["Item"]["at"]) == (
        {"S": "SENT"}, {"S": "mid-1"}, {"S": "later"})
    assert "phone" not in finish["Item"]


def test_progress_moves_the_cursor_from_where_the_batch_began_under_the_lease():
    ann = Announcement(id="ann-1", exam_year=2027, category="c", by="o", created_at=AT, cursor="USER#a")
    update, release = db.progress_items(ann, "USER#k", {"recipients": 3, "sent": 3}, False, AT, "tok", "T")
    assert update["Update"]["ConditionExpression"] == "#d = :false AND #c = :before"
    assert update["Update"]["ExpressionAttributeValues"][":before"] == {"S": "USER#a"}
    assert update["Update"]["UpdateExpression"] == "SET #d = :done, #c = :cursor ADD #n0 :n0, #n1 :n1"
    assert release == {"Delete": {"TableName": "T", "Key": {"PK": {"S": "FANOUT"}, "SK": {"S": "LEASE"}},
                                  "ConditionExpression": "#t = :token", "ExpressionAttributeNames": {"#t": "token"},
                                  "ExpressionAttributeValues": {":token": {"S": "tok"}}}}
    first = Announcement(**{**ann.__dict__, "cursor": None})
    (done, _) = db.progress_items(first, None, {}, True, AT, "tok", "T")
    assert done["Update"]["ConditionExpression"] == "#d = :false AND attribute_not_exists(#c)"
    assert done["Update"]["UpdateExpression"] == "SET #d = :done, #f = :at"


def test_the_lease_is_taken_only_when_free_or_run_out():
    request = db.lease_request("ann-1", "tok", 100, 220, "T")
    assert request["ConditionExpression"] == "attribute_not_exists(PK) OR #until <= :now"
    assert request["ExpressionAttributeValues"] == {":now": {"N": "100"}}
    assert request["Item"]["until"] == {"N": "220"} and request["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
