"""process_image under faults (R12: one upload never holds up another, none is ever lost): a slow
record costs only the records it leaves no time for, and only once; keys of no reservation leave
quarantine; and the faults soak (tests/soak.py) through the real handler and the local worker."""

from __future__ import annotations

import os

import pytest

from tests.conftest import claims
from tests.flow import drain, put, upload, worker
from tests.soak import KINDS, PLACES, SLOW_MS, Invocation, Soak, check, healthy

CAND = claims("cand-001", "candidate")
SOAK_UPLOADS = int(os.environ.get("SOAK_UPLOADS", "300"))  # make soak: 2000


def statuses(aws, app_id: str) -> dict[str, str]:
    return {i["imageId"]: i["status"] for i in aws.items(app_id) if i["kind"] == "image"}


class Batch:
    """Ten uploads of one application handed to process_image as one batch, the slow ones first;
    record n takes cost_ms[n] (300 ms if not given) on the invocation's clock: a Lambda context
    charged by the transform, nothing sleeps."""

    def __init__(self, api, aws, register, monkeypatch, cost_ms: dict[int, int]):
        from process_image import app

        register("app-1")
        self.aws, self.files = aws, [healthy(n) for n in range(len(PLACES))]
        self.ids = [upload(api, aws, CAND, "app-1", place, data) for place, data in zip(PLACES, self.files, strict=True)]
        self.cost = {self.files[n]: ms for n, ms in cost_ms.items()}
        self.real, self.calls, self.events, self.answers = app.transform, [], [], []
        monkeypatch.setattr(app, "transform", self.transform)
        self.poller = worker(aws, invoke=self.invoke)

    def transform(self, data: bytes, reference: str):
        self.calls[-1].charged += self.cost.get(data, 300)
        return self.real(data, reference)

    def image_of(self, record: dict) -> int:
        return next(n for n, i in enumerate(self.ids) if i in record["body"])

    def invoke(self, event: dict) -> dict:
        from process_image import app

        event["Records"].sort(key=lambda r: (self.files[self.image_of(r)] not in self.cost, self.image_of(r)))
        self.calls.append(Invocation())
        self.events.append(event)
        self.answers.append(app.lambda_handler(event, self.calls[-1]))
        return self.answers[-1]

    def statuses(self, event: dict) -> list[str]:
        found = statuses(self.aws, "app-1")
        return [found[self.ids[self.image_of(r)]] for r in event["Records"]]


def test_a_slow_record_fails_only_the_records_it_left_no_time_for_and_they_come_back_once(
        api, aws, register, monkeypatch):
    # Given a batch of ten uploads, one of which takes 25 s (a slow decode, a slow S3 read)
    batch = Batch(api, aws, register, monkeypatch, {3: SLOW_MS})

    # When the worker hands it to process_image, the slow one first
    assert batch.poller.poll_once() == 10

    # Then the records it left less than one record's bound of time were not started, and are the
    # only failures reported; the invocation ended within its timeout
    event, answer = batch.events[0], batch.answers[0]
    left_out = [r["messageId"] for r in event["Records"][1:]]
    assert answer == {"batchItemFailures": [{"itemIdentifier": m} for m in left_out]}
    assert batch.statuses(event) == ["SUBMITTED"] + ["PENDING"] * 9
    assert batch.calls[0].get_remaining_time_in_millis() > 0

    # And they come back once, alone, and are all processed; nothing reaches the dead-letter queue
    assert batch.poller.poll_once() == 9 and batch.poller.poll_once() == 0
    again = batch.events[1]["Records"]
    assert sorted(r["messageId"] for r in again) == sorted(left_out)
    assert {r["attributes"]["ApproximateReceiveCount"] for r in again} == {"2"}
    assert set(statuses(aws, "app-1").values()) == {"SUBMITTED"}
    assert aws.sqs.receive_message(QueueUrl=aws.dlq_url).get("Messages") is None


@pytest.mark.parametrize("bounded", [True, False], ids=["bound", "no bound"])
def test_records_within_the_bound_never_run_an_invocation_past_its_timeout(
        api, aws, register, monkeypatch, bounded):
    from process_image import app

    if not bounded:
        monkeypatch.setattr(app, "RECORD_BOUND_MS", 0)
    # Given a batch of ten in which six files take 5 s each (under the bound) and four 300 ms: 31 s
    batch = Batch(api, aws, register, monkeypatch, {n: 5_000 for n in range(6)})

    batch.poller.poll_once()

    left = batch.calls[0].get_remaining_time_in_millis()
    if bounded:  # after five slow ones 5 s are left: the rest wait for the next invocation
        assert left > 0
        assert batch.statuses(batch.events[0]) == ["SUBMITTED"] * 5 + ["PENDING"] * 5
        assert len(batch.answers[0]["batchItemFailures"]) == 5
    else:  # without it the invocation runs past 30 s: Lambda stops it and the whole batch comes back
        assert left < 0


def test_with_less_than_one_records_bound_left_nothing_is_started(aws):
    from process_image import app

    class Late(Invocation):
        def get_remaining_time_in_millis(self) -> int:
            return app.RECORD_BOUND_MS - 1

    event = {"Records": [{"messageId": "m-1", "receiptHandle": "r", "body": "{}", "attributes": {},
                          "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"},
                         {"messageId": "m-2", "receiptHandle": "r", "body": "{}", "attributes": {},
                          "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}]}
    assert app.lambda_handler(event, Invocation()) == {"batchItemFailures": []}  # an empty notification is done
    with pytest.raises(Exception, match="All records failed"):  # Lambda then returns the whole batch
        app.lambda_handler(event, Late())


@pytest.mark.parametrize("key", ["uploads/a/b", "uploads/app-1/b/c/d", "uploads/app-1/other/../x",
                                 "uploads/app-1/../x", "uploads/app-1/other/no-such-image"])
def test_an_object_of_no_reservation_is_deleted_from_quarantine(aws, register, key):
    register("app-1")
    before = aws.items("app-1")
    put(aws, key, healthy(1))
    assert drain(aws) == 1
    assert aws.s3.list_objects_v2(Bucket=aws.uploads).get("KeyCount") == 0
    assert aws.items("app-1") == before


def test_faults_soak_loses_no_upload(api, aws, register, monkeypatch, capsys):
    soak = Soak(api, aws, register, monkeypatch, uploads=SOAK_UPLOADS)
    report = check(aws, soak, soak.run())
    with capsys.disabled():
        print("\n" + "\n".join(report.lines()))
    assert report.lost == 0 and report.timeouts == 0
    assert report.deferred > 0  # the slow-decode files did leave their neighbours too little time
    assert report.dlq_before > 0  # the outage's uploads went to the dead-letter queue and came back
    assert all(report.faults[k] > 0 for k in (*KINDS, "s3 outage", "duplicate deliveries")), report.faults
