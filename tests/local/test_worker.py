"""The SQS event-source stand-in against moto: real batch events, partial batch failures, retries
after the visibility timeout, the dead-letter queue after maxReceiveCount; and `local.dlq`."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import unquote_plus

import pytest

from local import dlq
from local.template import REGION
from local.worker import Worker, sqs_event, to_delete

VISIBILITY_S = 1  # as LOCAL_VISIBILITY_TIMEOUT would set it, so retries show quickly


@pytest.fixture
def queues(embedded_aws):
    """A fresh upload queue and dead-letter queue with the template's attributes."""
    sqs = embedded_aws.client("sqs")
    suffix = uuid.uuid4().hex[:8]
    by_name = {q["QueueName"]: q for q in embedded_aws.stack.queues}
    names = embedded_aws.stack.names
    dead_letter, upload = by_name[names["UploadDeadLetterQueue"]], by_name[names["UploadQueue"]]
    dlq_name = f"{dead_letter['QueueName']}-{suffix}"
    dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes=dead_letter["Attributes"])["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {**json.loads(upload["Attributes"]["RedrivePolicy"]), "deadLetterTargetArn": dlq_arn}
    url = sqs.create_queue(QueueName=f"{upload['QueueName']}-{suffix}",
                           Attributes={**upload["Attributes"], "RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn, dlq_url, redrive["maxReceiveCount"]


class Function:
    """Fails the messages whose body is in `failing`; records what it was given."""

    def __init__(self, failing=(), raises: bool = False):
        self.failing, self.raises = set(failing), raises
        self.events: list[dict] = []

    def __call__(self, event: dict) -> dict:
        self.events.append(event)
        if self.raises:
            raise RuntimeError("the function failed")
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"] if r["body"] in self.failing]}

    def bodies(self) -> list[str]:
        return [r["body"] for e in self.events for r in e["Records"]]


def worker(queues, function) -> Worker:
    sqs, url, arn, _, _ = queues
    return Worker(sqs, url, arn, REGION, function, visibility_timeout=VISIBILITY_S, wait_seconds=1)


def poll_until(w: Worker, done, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        w.poll_once()


def count(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_objects_created_under_uploads_notify_the_queue(embedded_aws):
    # Given the bucket and queue as the template wires them
    s3, sqs = embedded_aws.client("s3"), embedded_aws.client("sqs")
    names = embedded_aws.stack.names
    url = sqs.get_queue_url(QueueName=names["UploadQueue"])["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    # When
    s3.put_object(Bucket=names["UploadsBucket"], Key="uploads/app-1/id_card/img-1", Body=b"x")
    s3.put_object(Bucket=names["UploadsBucket"], Key="elsewhere/img-2", Body=b"x")
    # Then only the upload is announced
    keys = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"):
        # URL-encoded as S3 does (moto encodes "/" too, real S3 does not: decode as process_image does)
        keys += [unquote_plus(r["s3"]["object"]["key"]) for m in batch for r in json.loads(m["Body"]).get("Records", [])]
    assert keys == ["uploads/app-1/id_card/img-1"]


def test_the_function_gets_a_lambda_sqs_event(queues):
    sqs, url, arn, _, _ = queues
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "test"}})
    function = Function()
    poll_until(worker(queues, function), lambda: function.events)
    ((record,),) = [e["Records"] for e in function.events]
    assert record["body"] == "one" and record["messageId"] and record["receiptHandle"]
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", arn, REGION)
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["SentTimestamp"] and record["attributes"]["ApproximateFirstReceiveTimestamp"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "test"
    assert record["md5OfBody"]
    assert count(sqs, url) == 0  # succeeded, so deleted


def test_only_the_reported_failure_comes_back_after_the_visibility_timeout(queues):
    sqs, url, _, _, _ = queues
    sqs.send_message(QueueUrl=url, MessageBody="good")
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    function = Function(failing={"bad"})
    w = worker(queues, function)
    poll_until(w, lambda: sorted(function.bodies()) == ["bad", "good"])
    poll_until(w, lambda: function.bodies().count("bad") == 2)
    assert function.bodies().count("good") == 1
    retried = [r for e in function.events for r in e["Records"] if r["body"] == "bad"][-1]
    assert retried["attributes"]["ApproximateReceiveCount"] == "2"


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(queues):
    sqs, url, _, dlq_url, max_receives = queues
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    function = Function(failing={"poison"})
    poll_until(worker(queues, function), lambda: count(sqs, dlq_url) == 1, timeout=30)
    assert function.bodies() == ["poison"] * max_receives
    assert count(sqs, url) == 0


def test_when_the_function_raises_the_whole_batch_is_retried(queues):
    sqs, url, _, _, _ = queues
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    function = Function(raises=True)
    poll_until(worker(queues, function), lambda: len(function.bodies()) >= 4)
    assert sorted(function.bodies()[:2]) == ["a", "b"] and sorted(function.bodies()[2:4]) == ["a", "b"]


@pytest.mark.parametrize(("result", "deleted"), [
    (None, ["1", "2"]),
    ({}, ["1", "2"]),
    ({"batchItemFailures": []}, ["1", "2"]),
    ({"batchItemFailures": [{"itemIdentifier": "2"}]}, ["1"]),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, []),
    ({"batchItemFailures": [{"itemIdentifier": None}]}, []),
    ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, []),
])
def test_what_lambda_deletes_after_an_invoke(result, deleted):
    messages = [{"MessageId": "1"}, {"MessageId": "2"}]
    assert [m["MessageId"] for m in to_delete(messages, result, True)] == deleted


def test_without_report_batch_item_failures_a_returned_list_is_ignored():
    messages = [{"MessageId": "1"}]
    assert to_delete(messages, {"batchItemFailures": [{"itemIdentifier": "1"}]}, False) == messages


def test_sqs_event_without_attributes_still_has_the_lambda_shape():
    event = sqs_event([{"MessageId": "m", "ReceiptHandle": "r", "Body": "b"}], "arn:q", "us-east-1")
    (record,) = event["Records"]
    assert record["md5OfBody"] == "92eb5ffee6ae2fec3ad71c777531578f"  # md5("b")
    assert set(record["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"}


def test_dlq_show_lists_without_consuming_and_redrive_moves_back(queues):
    sqs, url, _, dlq_url, _ = queues
    sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"Records": [{"s3": {"object": {"key": "uploads/a/b/c"}}}]}))
    found_url, found_arn = dlq.dead_letter_queue(sqs, url)
    assert found_url.endswith(dlq_url.rsplit("/", 1)[-1])

    shown = dlq.show(sqs, found_url)
    assert len(shown) == 1 and "uploads/a/b/c" in dlq.describe(shown[0])
    assert count(sqs, dlq_url) == 1

    moved = dlq.redrive(sqs, found_url, found_arn, url)
    assert moved == 1
    assert count(sqs, dlq_url) == 0 and count(sqs, url) == 1


@pytest.mark.parametrize("body", [
    json.dumps({"Records": [{"s3": {"object": {"key": 42}}}]}),
    json.dumps({"Records": [{"s3": {"object": {"key": ["uploads/a"]}}}]}),
    json.dumps({"Records": [{"s3": {"object": {"key": None}}}]}),
    json.dumps({"Records": "uploads/a"}),
    json.dumps({"Records": [{"s3": "x"}]}),
    json.dumps({"Records": []}),
    json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}),
    json.dumps(["uploads/a"]),
    "7",
    "not json\nsecond line",
    "[" * 100_000,
], ids=["int key", "list key", "null key", "records a string", "s3 a string", "no records", "test event",
        "a list", "a number", "not json", "deeply nested"])
def test_dlq_show_lists_unreadable_messages_and_keeps_going(queues, monkeypatch, capsys, body):
    # Given a hostile message between two upload events in the dead-letter queue
    sqs, url, _, dlq_url, _ = queues
    for message in (json.dumps({"Records": [{"s3": {"object": {"key": "uploads/app-1/before"}}}]}), body,
                    json.dumps({"Records": [{"s3": {"object": {"key": "uploads/app-1/after"}}}]})):
        sqs.send_message(QueueUrl=dlq_url, MessageBody=message)
    monkeypatch.setenv("AWS_ENDPOINT_URL", sqs.meta.endpoint_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # When
    assert dlq.main(["show", "--queue-url", url]) == 0
    # Then all three are listed, the hostile one as unreadable on one line
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("3 message(s)")
    assert sorted(line.split()[-1] for line in out[1:] if "uploads/app-1/" in line) == [
        "uploads/app-1/after", "uploads/app-1/before"]
    (unreadable,) = [line for line in out[1:] if "unreadable, not an S3 upload event" in line]
    assert unreadable.endswith(repr(body[:120])) and len(out) == 4  # on one line: newlines shown escaped
    assert count(sqs, dlq_url) == 3  # showing consumed nothing
