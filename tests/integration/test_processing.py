"""process_image end to end under moto (issue 4): every upload ends SUBMITTED (watermarked) or
INVALID with a reason, exactly once; transient failures are retried; orphans are cleaned up."""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from core import storage
from core.keys import thumbnail_key
from testkit import corpus
from testkit.people import id_number
from tests.conftest import claims
from tests.flow import drain, put, reserve, upload

CAND = claims("cand-001", "candidate")


def images(aws, app_id):
    return {i["imageId"]: i for i in aws.items(app_id) if i["kind"] == "image"}


def objects(aws, bucket):
    return [o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.fixture
def app1(register):
    return register("app-1")


def test_every_corpus_file_ends_in_its_expected_state(api, aws, register):
    cases = corpus.corpus()
    assert len(cases) >= 25
    expected = {}
    for n, case in enumerate(cases):
        app_id = f"app-{n}"
        register(app_id, number=id_number(n))  # one account's many applications: a person each (one a year)
        content_type = "image/png" if case.name.lower().endswith(".png") else "image/jpeg"
        expected[app_id] = (case, upload(api, aws, CAND, app_id, "other", case.data, content_type))

    drain(aws)

    for app_id, (case, image_id) in expected.items():
        image = images(aws, app_id)[image_id]
        if case.expect == "ok":
            assert image["status"] == "SUBMITTED", (case.name, image)
            assert (image["width"], image["height"]) == (case.width, case.height), case.name
            stored = aws.s3.get_object(Bucket=aws.materials, Key=image["objectKey"])["Body"].read()
            assert len(stored) == image["bytes"]
            with Image.open(io.BytesIO(stored)) as picture:
                assert picture.format == "JPEG" and picture.size == (case.width, case.height)
                assert not picture.getexif()
            assert image["thumbnailKey"] == thumbnail_key(image["objectKey"])  # the record names it (pages link it)
            small = aws.s3.get_object(Bucket=aws.materials, Key=image["thumbnailKey"])
            assert small["CacheControl"] == "private, max-age=31536000, immutable"
            with Image.open(small["Body"]) as thumbnail:
                assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 320
        else:
            assert image["status"] == "INVALID", (case.name, image)
            assert image["reason"] == case.expect, case.name
            if case.found:
                assert image["reasonFound"] == case.found, case.name
            assert "objectKey" not in image and "thumbnailKey" not in image
        assert "SEAT" not in json.dumps(image)
    # Nothing raw is left in quarantine, and only accepted files have a watermarked copy and thumbnail.
    assert objects(aws, aws.uploads) == []
    submitted = [i["objectKey"] for app_id in expected for i in images(aws, app_id).values() if "objectKey" in i]
    assert len(submitted) == len([c for c in cases if c.expect == "ok"])
    assert sorted(objects(aws, aws.materials)) == sorted(submitted + [thumbnail_key(k) for k in submitted])


def test_page_shows_the_submitted_image_with_a_short_lived_url_and_invalid_with_how_to_fix(api, aws, app1):
    good = upload(api, aws, CAND, "app-1", "id_card", corpus.photo_jpeg())
    bad = upload(api, aws, CAND, "app-1", "id_card", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200)
    drain(aws)

    page = api("status", "GET", "/applications/app-1", CAND).body
    id_card = next(m for m in page["materials"] if m["type"] == "id_card")
    shown = {i["imageId"]: i for i in id_card["images"]}
    assert shown[good]["status"] == "SUBMITTED" and "X-Amz-Expires=4200" in shown[good]["url"]
    assert shown[bad]["status"] == "INVALID" and shown[bad]["url"] is None
    assert shown[bad]["reason"] == "UNSUPPORTED_FORMAT" and "HEIC" in shown[bad]["reasonMessage"]
    assert "HEIC" in shown[bad]["reasonMessageZh"]
    assert id_card["remaining"] == 1 and id_card["canUpload"] is True  # INVALID holds no place


def test_duplicate_delivery_gives_one_image_and_one_audit_entry(api, aws, app1):
    reply = reserve(api, CAND, "app-1", "diploma")
    key = reply.body["upload"]["fields"]["key"]
    put(aws, key, corpus.photo_jpeg())
    message = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"][0]
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=message["Body"])  # S3 delivers at least once
    aws.sqs.change_message_visibility(QueueUrl=aws.queue_url, ReceiptHandle=message["ReceiptHandle"],
                                      VisibilityTimeout=0)

    assert drain(aws) == 2

    image = images(aws, "app-1")[reply.body["imageId"]]
    assert image["status"] == "SUBMITTED" and image["version"] == 2
    audit = [a["action"] for a in aws.items("app-1") if a["kind"] == "audit"]
    assert audit.count("image_submitted") == 1
    assert sorted(objects(aws, aws.materials)) == sorted([image["objectKey"], thumbnail_key(image["objectKey"])])


def test_two_deliveries_processed_at_once_keep_the_copy_the_record_names(api, aws, app1, serial_moto):
    """S3 and SQS deliver at least once: two workers may hold one upload at the same time. Each draws
    its own reference (R12) and writes its own copy; the loser removes only its own, so the record
    points at a stored picture whose watermark is the recorded reference."""
    from process_image import app as function
    from process_image import use_cases

    reply = reserve(api, CAND, "app-1", "diploma")
    key = reply.body["upload"]["fields"]["key"]
    put(aws, key, corpus.photo_jpeg())
    both_rendered = threading.Barrier(2, timeout=60)
    drawn = []

    def transform(data, reference):
        made = function.transform(data, reference)
        drawn.append(reference)
        both_rendered.wait()  # neither records before both have written their copy
        return made

    with ThreadPoolExecutor(2) as pool:
        ends = sorted(pool.map(lambda _: use_cases.process_upload(key, transform), range(2)))

    assert ends == ["duplicate", "submitted"]
    image = images(aws, "app-1")[reply.body["imageId"]]
    assert image["status"] == "SUBMITTED" and len(set(drawn)) == 2
    assert image["reference"] in drawn and image["objectKey"].endswith(f"-{image['reference']}.jpg")
    assert sorted(objects(aws, aws.materials)) == sorted([image["objectKey"], thumbnail_key(image["objectKey"])])
    assert objects(aws, aws.uploads) == []


@pytest.mark.parametrize("after", ["its own redelivery wins", "another delivery won"])
def test_a_copy_left_by_an_attempt_that_died_is_swept_by_the_delivery_after_it(api, aws, app1, monkeypatch, after):
    """An attempt that dies between storing its copy and the record leaves an object no record names;
    the delivery that settles the image (or finds it settled) removes it, whatever the message's
    receive count says (a message redriven from the dead-letter queue counts from 1 again)."""
    from process_image import app as function
    from process_image import use_cases

    reply = reserve(api, CAND, "app-1", "diploma")
    key = reply.body["upload"]["fields"]["key"]
    put(aws, key, corpus.photo_jpeg())
    real = use_cases.transact

    def dies(*args, **kwargs):
        raise Killed("the invocation timed out")

    monkeypatch.setattr(use_cases, "transact", dies)
    with pytest.raises(Killed):
        use_cases.process_upload(key, function.transform)
    monkeypatch.setattr(use_cases, "transact", real)
    left = objects(aws, aws.materials)
    assert len(left) == 2 and images(aws, "app-1")[reply.body["imageId"]]["status"] == "PENDING"

    if after == "another delivery won":  # S3's duplicate message recorded it: the redelivery finds it settled
        assert use_cases.process_upload(key, function.transform) == "submitted"
        assert use_cases.process_upload(key, function.transform) == "duplicate"
    else:
        assert use_cases.process_upload(key, function.transform) == "submitted"

    image = images(aws, "app-1")[reply.body["imageId"]]
    assert image["status"] == "SUBMITTED" and not set(left) & {image["objectKey"], thumbnail_key(image["objectKey"])}
    assert sorted(objects(aws, aws.materials)) == sorted([image["objectKey"], thumbnail_key(image["objectKey"])])


class Killed(BaseException):
    """The invocation's end (a crash, Lambda's timeout): nothing on the way out runs."""


def test_an_object_whose_reservation_was_deleted_is_removed_and_changes_nothing(api, aws, app1):
    reply = reserve(api, CAND, "app-1", "diploma")
    image_id, key = reply.body["imageId"], reply.body["upload"]["fields"]["key"]
    assert api("upload_presign", "DELETE", f"/applications/app-1/materials/diploma/images/{image_id}", CAND).status == 204
    before = aws.items("app-1")

    put(aws, key, corpus.photo_jpeg())  # the browser's upload lands after the delete
    drain(aws)

    assert aws.items("app-1") == before
    assert objects(aws, aws.uploads) == [] and objects(aws, aws.materials) == []


def test_s3_test_event_and_foreign_keys_are_skipped(aws, app1):
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=json.dumps(
        {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": aws.uploads}))
    put(aws, "uploads/not-a-reservation", b"x")
    before = aws.items("app-1")
    assert drain(aws) == 2
    assert aws.items("app-1") == before
    assert aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"


UNPROCESSABLE = {
    "not JSON": "\x00\x01 not json {",
    "empty": "",
    "a JSON list": "[1, 2]",
    "no records": json.dumps({"hello": "world"}),
    "records not a list": json.dumps({"Records": "uploads/x"}),
    "a record not an object": json.dumps({"Records": [1]}),
    "another service's event": json.dumps({"Records": [{"eventSource": "aws:sns", "Sns": {"Message": "{}"}}]}),
}


def test_a_message_that_can_never_be_processed_is_counted_and_dropped_at_once(aws, app1, capfd, caplog):
    from local.worker import sqs_event
    from process_image import app

    # Given messages no retry can make processable, with one real upload notification among them
    key = "uploads/not-a-reservation"
    put(aws, key, b"x")
    for body in UNPROCESSABLE.values():
        aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=body)
    messages = [m for _ in range(3) for m in aws.sqs.receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])]
    assert len(messages) == len(UNPROCESSABLE) + 1
    capfd.readouterr()
    # When process_image gets them in one batch
    from tests.soak import Invocation

    answer = app.lambda_handler(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1"), Invocation())
    # Then none comes back (none will reach the dead-letter queue), each is logged and counted
    assert answer == {"batchItemFailures": []}
    dropped = [r for r in caplog.records if r.getMessage() == "message dropped: it can never be processed"]
    assert sorted(d.reason for d in dropped) == sorted(["not JSON"] * 2 + ["not an S3 event"] * (len(UNPROCESSABLE) - 2))
    assert {d.messageId for d in dropped} < {m["MessageId"] for m in messages}
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith("{")]
    (emitted,) = [line for line in lines if "UploadMessagesUnprocessable" in line]
    assert emitted["UploadMessagesUnprocessable"] == [1.0] * len(UNPROCESSABLE)
    assert objects(aws, aws.uploads) == []  # the real notification among them was processed


class FailingPuts:
    """Makes storing the watermarked copy fail (an S3 outage) for the first `times` calls."""

    def __init__(self, monkeypatch, times: int):
        from core import storage

        self.real, self.times, self.calls = storage.put_material, times, []
        monkeypatch.setattr(storage, "put_material", self)

    def __call__(self, key, data):
        self.calls.append(key)  # the thumbnail's put, then the picture's
        if len(self.calls) <= self.times:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "S3 is down"}}, "PutObject")
        return self.real(key, data)


def test_a_transient_s3_error_fails_only_that_record_and_the_retry_submits(api, aws, app1, monkeypatch):
    first = upload(api, aws, CAND, "app-1", "diploma", corpus.photo_jpeg())
    fault = FailingPuts(monkeypatch, times=1)
    drain(aws)

    image = images(aws, "app-1")[first]
    failed, *stored = fault.calls  # each attempt writes its own key: the failed one named nothing
    assert stored == [thumbnail_key(image["objectKey"]), image["objectKey"]]
    assert failed.startswith(f"materials/app-1/diploma/{first}-") and failed != stored[0]
    assert image["status"] == "SUBMITTED"
    assert sorted(objects(aws, aws.materials)) == sorted([image["objectKey"], thumbnail_key(image["objectKey"])])


def test_a_picture_whose_put_fails_after_its_thumbnails_leaves_no_thumbnail_behind(aws, monkeypatch):
    image_id = "img-1"
    real, calls = storage.put_material, []

    def thumbnail_only(key, data):
        calls.append(key)
        if not key.endswith(".thumb.jpg"):
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "PutObject")
        return real(key, data)

    monkeypatch.setattr(storage, "put_material", thumbnail_only)
    with pytest.raises(ClientError):
        storage.put_image(f"materials/app-1/diploma/{image_id}.jpg", b"\xff\xd8picture", b"\xff\xd8small")
    assert calls == [f"materials/app-1/diploma/{image_id}.thumb.jpg", f"materials/app-1/diploma/{image_id}.jpg"]
    assert objects(aws, aws.materials) == []


def test_a_fault_on_every_attempt_ends_in_the_dlq_after_five_receives_and_redrive_submits(api, aws, app1, monkeypatch):
    from local import dlq

    image_id = upload(api, aws, CAND, "app-1", "diploma", corpus.photo_jpeg())
    fault = FailingPuts(monkeypatch, times=10**6)
    drain(aws)

    assert len(fault.calls) == 5  # maxReceiveCount of template.yaml's redrive policy
    assert images(aws, "app-1")[image_id]["status"] == "PENDING"  # not lost, not half-done
    parked = dlq.show(aws.sqs, aws.dlq_url)
    assert len(parked) == 1 and image_id in parked[0]["Body"]

    fault.times = 0  # the fault is gone
    dlq_arn = aws.sqs.get_queue_attributes(QueueUrl=aws.dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    dlq.redrive(aws.sqs, aws.dlq_url, dlq_arn, aws.queue_url)
    drain(aws)

    assert images(aws, "app-1")[image_id]["status"] == "SUBMITTED"
    assert dlq.show(aws.sqs, aws.dlq_url) == []


def test_a_file_storage_let_through_over_200_kb_is_named_by_its_first_bytes(api, aws, app1):
    # Given objects larger than R6 allows (storage would refuse them; this is the defence behind it)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 210_000
    big_jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 210_000
    heic_id = upload(api, aws, CAND, "app-1", "other", heic)
    jpeg_id = upload(api, aws, CAND, "app-1", "other", big_jpeg)
    # When processed
    drain(aws)
    # Then the HEIC photo gets the HEIC advice (R8), the oversized JPEG the size advice
    found = images(aws, "app-1")
    assert (found[heic_id]["reason"], found[heic_id]["reasonFound"]) == ("UNSUPPORTED_FORMAT", "HEIC")
    assert found[jpeg_id]["reason"] == "TOO_LARGE" and "reasonFound" not in found[jpeg_id]
    page = api("status", "GET", "/applications/app-1", CAND).body
    texts = {i["imageId"]: i["reasonMessageZh"] for m in page["materials"] for i in m["images"]}
    assert "HEIC" in texts[heic_id] and "200KB" in texts[jpeg_id]
