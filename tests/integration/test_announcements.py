"""The registration-opening reminder (R22): the exam office announces, every subscriber with a
consented contact gets exactly one SMS, in batches at the SMS rate, even when the sender dies halfway;
`GET /announcements/{id}` tells how far it got."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

import pytest

from tests.conftest import claims
from tests.notify_flow import notify_api, partition, sms, start

OFFICE = claims("office", "exam_office")
CATEGORY, OTHER = "临床执业医师", "中医执业医师"


@pytest.fixture
def notifications(aws, monkeypatch):
    return start(aws, monkeypatch)


def phone(i: int) -> str:
    return f"139{i:08d}"


def subscribers(aws, year: int, n: int, category: str = CATEGORY, without_contact=lambda i: False, first: int = 0) -> set[str]:
    """n subscribers written straight to the table with the functions' own item builders, 25 per
    BatchWriteItem; returns the numbers (E.164) of those with a consented contact."""
    from core import clock, db
    from notify import contacts

    now = clock.now()
    items, consented = [], set()
    for i in range(first, first + n):
        user = f"cand-{i:05d}"
        items += db.subscription_items(contacts.subscription(user, year, category, now), 0)
        if not without_contact(i):
            given = contacts.contact(user, phone(i), True, now)
            items.append(db.contact_item(replace(given, verified_at=now.iso), 0))  # verified by its code
            consented.add(contacts.e164(phone(i)))
    for start_ in range(0, len(items), 25):
        request = {aws.table: [{"PutRequest": {"Item": db.encode(item)}} for item in items[start_:start_ + 25]]}
        while request:
            request = aws.ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
    return consented


def announce(year: int, category: str = CATEGORY, text: str | None = None) -> str:
    reply = notify_api("POST", "/announcements", OFFICE, {"examYear": year, "category": category,
                                                          **({"text": text} if text else {})})
    assert reply.status == 202, reply
    return reply.body["announcementId"]


def progress(ann_id: str) -> dict:
    reply = notify_api("GET", f"/announcements/{ann_id}", OFFICE)
    assert reply.status == 200, reply
    return reply.body


def year() -> int:
    return notify_api("GET", "/categories", claims("c", "candidate")).body["examYears"][0]


class Dies:
    """Wraps the channel: records when (fake clock) each SMS went, and kills the sender once, before
    the `after`+1-th send, as a crash would (an exception no channel raises)."""

    def __init__(self, notifications, monkeypatch, after: int | None):
        import notify.app

        self.real, self.after, self.clock = notify.app.channel.send, after, notifications.time
        self.times: list[float] = []
        self.died = False
        monkeypatch.setattr(notify.app.channel, "send", self)

    def __call__(self, to, message):
        if self.after is not None and len(self.times) == self.after and not self.died:
            self.died = True
            raise RuntimeError("the sender was killed")
        message_id = self.real(to, message)
        self.times.append(self.clock())
        return message_id


def busiest_second(times: list[float]) -> int:
    """The most sends in any one-second window [s, s + 1) (1e-9: the pacer's float steps of 1/rate)."""
    times = sorted(times)
    most, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0 + 1e-9:
            j += 1
        most = max(most, i - j + 1)
    return most


def test_5000_subscribers_sender_killed_halfway_each_consented_one_gets_exactly_one(aws, notifications, monkeypatch):
    # Given 5,000 subscribers to this year's 临床执业医师 exam, every fifth without a contact, and 50
    # subscribers to another category
    y = year()
    t0 = time.perf_counter()
    consented = subscribers(aws, y, 5000, without_contact=lambda i: i % 5 == 0)
    subscribers(aws, y, 50, OTHER, first=9000)
    setup_s = time.perf_counter() - t0
    assert len(consented) == 4000
    sender = Dies(notifications, monkeypatch, after=2000)
    # When the office announces and the sender dies after 2,000 messages, then goes on (SQS delivers
    # the failed batch again)
    t1 = time.perf_counter()
    ann_id = announce(y)
    assert progress(ann_id)["done"] is False
    notifications.pump()
    fanout_s = time.perf_counter() - t1
    # Then every consented subscriber got exactly one message, nobody else got any
    sent = Counter(number for number, _ in sms())
    assert sender.died
    assert set(sent) == consented and set(sent.values()) == {1}
    assert all(text.startswith("【医师资格考试】") and CATEGORY in text for _, text in sms())
    # and the office's counts agree
    assert progress(ann_id) | {"finishedAt": None, "createdAt": None} == {
        "announcementId": ann_id, "examYear": y, "category": CATEGORY, "createdAt": None, "recipients": 4000,
        "sent": 4000, "failed": 0, "unconfirmed": 0, "done": True, "finishedAt": None}
    # at the SMS rate (20 a second, on the pacer's clock), with nothing left in the dead-letter queue
    assert busiest_second(sender.times) <= 20
    assert sender.times[-1] - sender.times[0] >= (4000 - 1) / 20 - 1e-6
    assert "Messages" not in aws.sqs.receive_message(QueueUrl=notifications.dlq_url)
    print(f"\n5,000 subscribers: setup {setup_s:.1f} s (BatchWriteItem), fan-out {fanout_s:.1f} s wall for "
          f"{len(sent)} SMS, duplicates {sum(sent.values()) - len(sent)}, paced span {sender.times[-1] - sender.times[0]:.0f} s")


def test_killed_between_the_send_and_its_marker_nobody_gets_it_twice(aws, notifications, monkeypatch):
    """The one window nobody can close: the SMS left, then the sender died before writing it down.
    It is never sent again; the office sees it as unconfirmed (counted in failed)."""
    from core import db

    y = year()
    consented = subscribers(aws, y, 5)
    real, died = db.finish_delivery, []

    def dies_once(marker, status, *args):
        if not died and status.value == "SENT":
            died.append(marker.sk)
            raise RuntimeError("killed after the send")
        return real(marker, status, *args)

    monkeypatch.setattr(db, "finish_delivery", dies_once)
    ann_id = announce(y)
    notifications.pump()
    sent = Counter(number for number, _ in sms())
    assert set(sent) == consented and set(sent.values()) == {1}
    assert {k: progress(ann_id)[k] for k in ("recipients", "sent", "failed", "unconfirmed", "done")} == {
        "recipients": 5, "sent": 4, "failed": 1, "unconfirmed": 1, "done": True}
    marker = next(i for i in partition(aws, f"ANN#{ann_id}") if i["SK"] == died[0])
    assert marker["status"] == "SENDING"


def test_a_refused_number_is_counted_failed_and_the_rest_go_on(aws, notifications, monkeypatch):
    import notify.app
    from notify.channels import Refused

    y = year()
    subscribers(aws, y, 3)
    real = notify.app.channel.send

    def refuse_the_second(to, message):
        if to.phone == phone(1):
            raise Refused("InvalidParameter")
        return real(to, message)

    monkeypatch.setattr(notify.app.channel, "send", refuse_the_second)
    ann_id = announce(y, text="2027年报名将于3月1日开通,请提前准备材料。")
    notifications.pump()
    assert sorted(n for n, _ in sms()) == ["+86" + phone(0), "+86" + phone(2)]
    assert sms()[0][1] == "【医师资格考试】2027年报名将于3月1日开通,请提前准备材料。"
    assert {k: progress(ann_id)[k] for k in ("recipients", "sent", "failed", "done")} == {
        "recipients": 3, "sent": 2, "failed": 1, "done": True}


def test_two_announcements_take_turns_so_the_rate_holds_across_them(aws, notifications, monkeypatch):
    import notify.use_cases

    monkeypatch.setattr(notify.use_cases, "BUSY_DELAY_SECONDS", 0)  # the waiting one looks again at once
    y = year()
    first = subscribers(aws, y, 250)
    second = subscribers(aws, y, 250, OTHER, first=500)
    sender = Dies(notifications, monkeypatch, after=None)
    ids = [announce(y), announce(y, OTHER)]
    notifications.pump()
    assert Counter(n for n, _ in sms()) == Counter(first | second)
    assert all(progress(i)["done"] and progress(i)["sent"] == 250 for i in ids)
    assert busiest_second(sender.times) <= 20


def test_an_announcement_needs_a_known_category_and_only_the_office_makes_one(aws):
    y = year()
    unknown = notify_api("POST", "/announcements", OFFICE, {"examYear": y, "category": "兽医"})
    assert (unknown.status, unknown.code) == (400, "UNKNOWN_CATEGORY") and "兽医" in unknown.body["error"]["messageZh"]
    assert notify_api("POST", "/announcements", claims("c", "candidate"), {"examYear": y, "category": CATEGORY}).status == 403
    assert notify_api("GET", "/announcements/ann-0000000000000000", OFFICE).status == 404
    assert notify_api("GET", "/announcements/ann-0000000000000000", claims("c", "candidate")).status == 403
