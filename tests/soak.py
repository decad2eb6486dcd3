"""The faults soak: uploads through the real process_image handler and the local SQS worker
(local/worker.py, as tests/flow builds it) on in-process moto, while AWS misbehaves the ways it does.

Faults come from a seeded schedule, raised where botocore would raise them (a `before-call` hook on
process_image's own clients, so only the function meets them, never the test driving it):
S3 GetObject/PutObject/DeleteObject errors, DynamoDB throttling, transactions cancelled by a
conflicting one, an outage (S3 PutObject failing for a stretch: its uploads end in the dead-letter
queue), the worker killed before or after an AWS call or between two records, duplicate and
out-of-order deliveries, and a slow-decode file in every tenth batch (the slowest file imaging's
budgets let through, charged as if it took 25 s; and the scan flood they refuse). Then a redrive
of the dead-letter queue (local/dlq.py) and the invariants `check` asserts.

`make test` runs it bounded (tests/integration/test_faults.py); `make soak` runs 2,000 uploads.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from botocore.exceptions import ClientError
from PIL import Image

from core.keys import thumbnail_key
from local.invoke import LambdaContext, claims
from testkit import corpus
from testkit.people import id_number
from tests.flow import put, reserve, worker

TIMEOUT_MS = 30_000  # process_image's Timeout in template.yaml
SLOW_MS = 25_000  # what the slow-decode file takes, on the invocation's clock (a host ~20x slower)
WAVE = 100  # uploads put before the worker runs: ten batches, one slow-decode file among them
PLACES = ["id_card"] * 2 + ["diploma"] * 2 + ["practice_proof"] + ["other"] * 5  # an application's ten
# The schedule: with these, about one upload in ten meets a fault (the report prints the count).
DUPLICATES = 0.025  # share of messages S3 delivers twice; a third of those arrive a wave later
FAULT_RATE = {"GetObject": 0.008, "PutObject": 0.008, "DeleteObject": 0.004,  # per call of process_image
              "TransactWriteItems": 0.015, "UpdateItem": 0.005, "Query": 0.001}  # (it makes ~8 Queries)
KILL_RATE = {"before a call": 0.0004, "after a call": 0.0004, "between records": 0.004}  # the worker dies
OUTAGE_PUTS = 60  # S3 PutObject calls failing in a row, in the middle wave


class Killed(BaseException):
    """The worker's process dies (a crash; Lambda's timeout). A BaseException: no handler on the way
    out catches it, as nothing runs after a kill."""


class Invocation(LambdaContext):
    """process_image's context, whose clock is real time plus what the schedule charged (a slow decode).
    Past the timeout the time left goes negative: Lambda would have stopped the invocation."""

    def __init__(self):
        super().__init__(function_name="process-image", memory_limit_in_mb=1024, timeout_s=TIMEOUT_MS / 1000)
        self.started, self.charged = time.monotonic(), 0

    def get_remaining_time_in_millis(self) -> int:
        return TIMEOUT_MS - round((time.monotonic() - self.started) * 1000) - self.charged


@dataclass
class Faults:
    """The schedule, armed only while process_image runs. From the second wave on, a kind that has
    not come up yet comes at its next chance, so a short run meets every kind too."""

    rng: random.Random
    injected: Counter = field(default_factory=Counter)
    due: set[str] = field(default_factory=set)
    armed: bool = False
    outage: int = 0  # PutObject calls still to fail

    def install(self) -> None:
        from core import db, storage

        for client in (db.client(), storage.client()):
            client.meta.events.register("before-call", self.before)
            client.meta.events.register("after-call", self.after)

    def comes(self, kind: str, rate: float) -> bool:
        if kind in self.due or self.rng.random() < rate:
            self.due.discard(kind)
            self.injected[kind] += 1
            return True
        return False

    def kill(self, where: str) -> None:
        if self.armed and self.comes(f"kill {where}", KILL_RATE[where]):
            raise Killed(where)

    def before(self, model, params, **_) -> None:
        if not self.armed:
            return
        op = model.name
        if op == "PutObject" and self.outage:
            self.outage -= 1
            self.injected["s3 outage"] += 1
            raise self.error("ServiceUnavailable", "Service is unable to handle request.", op, 503)
        self.kill("before a call")
        rate = FAULT_RATE.get(op, 0)
        if op == "GetObject" and self.comes("s3 get", rate):
            raise self.error("InternalError", "We encountered an internal error. Please try again.", op, 500)
        if op == "PutObject" and self.comes("s3 put", rate):
            raise self.error("SlowDown", "Please reduce your request rate.", op, 503)
        if op == "DeleteObject" and self.comes("s3 delete", rate):
            raise self.error("InternalError", "We encountered an internal error. Please try again.", op, 500)
        if op == "TransactWriteItems" and self.comes("dynamodb transaction cancelled", rate / 2):
            # another writer's transaction on one of its items: that item's reason says so
            reasons = [{"Code": "None"} for _ in json.loads(params["body"])["TransactItems"]]
            reasons[self.rng.randrange(len(reasons))] = {"Code": "TransactionConflict",
                                                         "Message": "Transaction is ongoing for the item"}
            raise self.error("TransactionCanceledException", "Transaction cancelled, please refer cancellation "
                             f"reasons for specific reasons [{', '.join(r['Code'] for r in reasons)}]", op, 400,
                             CancellationReasons=reasons)
        if op in ("TransactWriteItems", "Query", "UpdateItem") and self.comes(
                "dynamodb throttled", rate / 2 if op == "TransactWriteItems" else rate):
            raise self.rng.choice([
                self.error("ProvisionedThroughputExceededException", "The level of configured provisioned "
                           "throughput for the table was exceeded.", op, 400),
                self.error("ThrottlingException", "Throughput exceeds the current capacity of your table or "
                           "index.", op, 400)])

    def after(self, **_) -> None:
        self.kill("after a call")  # the call took effect; the process died before it learnt so

    @staticmethod
    def error(code: str, message: str, operation: str, status: int, **extra) -> ClientError:
        """The exception botocore raises for this error response (the client's modelled class)."""
        from core import db, storage

        client = storage.client() if operation.endswith("Object") else db.client()
        response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status},
                    **extra}
        return client.exceptions.from_code(code)(response, operation)


KINDS = ("s3 get", "s3 put", "s3 delete", "dynamodb throttled", "dynamodb transaction cancelled",
         "kill before a call", "kill after a call", "kill between records")


@dataclass
class Upload:
    app_id: str
    image_id: str
    status: str  # what it must end as: SUBMITTED or INVALID
    reason: str | None = None


def healthy(seed: int) -> bytes:
    """A small photo unlike every other seed's (no near-duplicate hints between the uploads)."""
    rnd = random.Random(seed)
    img = Image.frombytes("RGB", (12, 9), rnd.randbytes(12 * 9 * 3)).resize((400, 300), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def slowest_allowed() -> bytes:
    """A 4000x4000 progressive JPEG with as many scans as imaging's budgets let through (scan count,
    block visits), without its end marker (decoded twice): the slowest file it accepts."""
    from process_image import imaging, jpeg_layout

    size = (4000, 4000)
    base = jpeg_layout.read(corpus.scan_flood(size, scans=0), max_scans=10**6)
    each = jpeg_layout.read(corpus.scan_flood(size, scans=1), max_scans=10**6).block_visits - base.block_visits
    scans = min(imaging.MAX_SCANS - base.scans, (imaging.MAX_SCAN_BLOCKS - base.block_visits) // each)
    return corpus.without_eoi(corpus.scan_flood(size, scans=scans))


@dataclass
class Report:
    uploads: int
    faults: Counter
    slow_files: int
    records_started: int
    invocations: int
    deferred: int
    timeouts: int
    dlq_before: int
    dlq_after: int
    late: int  # of the duplicate deliveries, those that came a wave later
    seconds: float
    counts: Counter = field(default_factory=Counter)  # statuses found
    lost: int = 0

    def lines(self) -> list[str]:
        faults = {k: v for k, v in sorted(self.faults.items()) if k != "s3 outage"}
        total = sum(faults.values()) + self.slow_files
        return [
            f"faults soak: {self.uploads} uploads in {self.seconds:.0f} s, lost {self.lost}, "
            f"ended {dict(self.counts)}",
            f"  faults injected: {total} ({total / self.uploads:.1%} of uploads): "
            + ", ".join(f"{k} {v}" for k, v in faults.items())
            + f" ({self.late} of those a wave late), slow-decode files {self.slow_files}; "
            f"and an S3 outage: {self.faults['s3 outage']} PutObject calls failed in a row",
            f"  attempts: {self.records_started} records started in "
            f"{self.invocations} invocations ({self.records_started / self.uploads:.2f} per upload); "
            f"{self.deferred} not started (too little time left), {self.timeouts} invocations timed out",
            f"  dead-letter queue: {self.dlq_before} before the redrive, {self.dlq_after} after",
        ]


class Soak:
    def __init__(self, api, aws, register, monkeypatch, uploads: int, seed: int = 20260):
        from process_image import app

        self.api, self.aws, self.register, self.uploads = api, aws, register, uploads
        self.rng = random.Random(seed)
        self.faults = Faults(random.Random(seed + 1))
        self.cases = [c for c in corpus.corpus() if not c.ok]  # every refusal reason
        self.slow, self.flood = slowest_allowed(), corpus.scan_flood((1000, 1000), scans=3000)
        self.expected: list[Upload] = []
        self.late: list[str] = []  # duplicate deliveries held back a wave
        self.stats = Counter()
        self.call: Invocation | None = None
        self.records_in_call = 0
        self._real_record, self._real_transform = app.record_handler, app.transform
        monkeypatch.setattr(app, "record_handler", self._record)
        monkeypatch.setattr(app, "transform", self._transform)
        self.worker = worker(aws, invoke=self._invoke)

    # ---- the function, as Lambda runs it
    def _invoke(self, event: dict) -> dict:
        from process_image.app import lambda_handler

        self.call, self.records_in_call = Invocation(), 0
        self.stats["invocations"] += 1
        self.faults.armed = True
        try:
            result = lambda_handler(event, self.call)
        finally:
            self.faults.armed = False
        if self.call.get_remaining_time_in_millis() <= 0:  # Lambda would have stopped it: nothing deleted
            self.stats["timeouts"] += 1
            raise Killed("timeout")
        return result

    def _record(self, record, lambda_context):
        from process_image.app import NotStarted

        if self.records_in_call:
            self.faults.kill("between records")
        self.records_in_call += 1
        started = True
        try:
            return self._real_record(record, lambda_context)
        except NotStarted:
            started = False
            self.stats["deferred"] += 1
            raise
        finally:
            self.stats["records started"] += started

    def _transform(self, data: bytes, reference: str):
        if data != self.slow:
            return self._real_transform(data, reference)
        started = time.monotonic()
        try:
            return self._real_transform(data, reference)
        finally:  # this record takes SLOW_MS in all
            self.call.charged += SLOW_MS - round((time.monotonic() - started) * 1000)

    # ---- what the candidates do
    def _file(self, n: int, wave: int) -> tuple[bytes, str, str, str | None]:
        """(bytes, content type, expected status, reason) of the n-th upload."""
        if n % WAVE == WAVE // 2:  # one slow-decode file a wave, the accepted and the refused in turn
            self.stats["slow files"] += 1
            return (self.slow, "image/jpeg", "SUBMITTED", None) if wave % 2 == 0 else (
                self.flood, "image/jpeg", "INVALID", "CORRUPT")
        if self.rng.random() < 0.05:
            case = self.rng.choice(self.cases)
            return case.data, "image/png" if case.name.endswith(".png") else "image/jpeg", "INVALID", case.expect
        return healthy(n), "image/jpeg", "SUBMITTED", None

    def _upload_wave(self, start: int, wave: int) -> None:
        for n in range(start, min(start + WAVE, self.uploads)):
            app_id, candidate = f"soak-{n // len(PLACES):04d}", f"cand-s{n // len(PLACES):04d}"
            if n % len(PLACES) == 0:
                self.register(app_id, candidate=candidate, number=id_number(n // len(PLACES)))
            data, content_type, status, reason = self._file(n, wave)
            reply = reserve(self.api, claims(candidate, "candidate"), app_id, PLACES[n % len(PLACES)], content_type)
            assert reply.status == 201, reply
            put(self.aws, reply.body["upload"]["fields"]["key"], data, content_type)
            self.expected.append(Upload(app_id, reply.body["imageId"], status, reason))

    def _reorder(self) -> None:
        """S3's notifications, delivered out of order, some twice, some of those a wave later."""
        sqs, url = self.aws.sqs, self.aws.queue_url
        bodies = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages"):
            bodies += [m["Body"] for m in batch]
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
        twice = [b for b in bodies if self.rng.random() < DUPLICATES]
        self.stats["duplicate deliveries"] += len(twice)
        now, later = twice[: len(twice) * 2 // 3], twice[len(twice) * 2 // 3:]
        bodies += now + self.late
        self.stats["late deliveries"] += len(self.late)
        self.late = later
        self.rng.shuffle(bodies)
        for body in bodies:
            sqs.send_message(QueueUrl=url, MessageBody=body)

    def _drain(self) -> None:
        while True:
            try:
                if not self.worker.poll_once():
                    return
            except Killed:
                self.faults.armed = False
                self.worker = worker(self.aws, invoke=self._invoke)  # a new process takes over

    def run(self) -> Report:
        from local import dlq

        started = time.monotonic()
        self.faults.install()
        waves = range(0, self.uploads, WAVE)
        for wave, start in enumerate(waves):
            if wave:
                self.faults.due = {k for k in KINDS if not self.faults.injected[k]}
            self._upload_wave(start, wave)
            self._reorder()
            if wave == len(waves) // 2:
                self.faults.outage = OUTAGE_PUTS
            self._drain()
        self.late, late = [], self.late
        for body in late:
            self.aws.sqs.send_message(QueueUrl=self.aws.queue_url, MessageBody=body)
        self.stats["late deliveries"] += len(late)
        self._drain()

        dlq_arn = self.aws.sqs.get_queue_attributes(QueueUrl=self.aws.dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        before = len(dlq.show(self.aws.sqs, self.aws.dlq_url))
        dlq.redrive(self.aws.sqs, self.aws.dlq_url, dlq_arn, self.aws.queue_url)
        self._drain()
        after = len(dlq.show(self.aws.sqs, self.aws.dlq_url))
        faults = Counter(self.faults.injected)
        faults["duplicate deliveries"] = self.stats["duplicate deliveries"]
        return Report(uploads=self.uploads, faults=faults, slow_files=self.stats["slow files"],
                      records_started=self.stats["records started"], invocations=self.stats["invocations"],
                      deferred=self.stats["deferred"], timeouts=self.stats["timeouts"], dlq_before=before,
                      dlq_after=after, late=self.stats["late deliveries"], seconds=time.monotonic() - started)


def check(aws, soak: Soak, report: Report) -> Report:
    """Every reservation ends as its file must (SUBMITTED or INVALID with the file's reason), none is
    lost or left PENDING, each is decided once, every stored copy is a SUBMITTED image's and nothing
    is left in quarantine or in either queue."""
    found, decided = {}, Counter()
    for app_id in sorted({u.app_id for u in soak.expected}):
        for item in aws.items(app_id):
            if item["kind"] == "image":
                found[item["imageId"]] = item
            elif item["kind"] == "audit" and item["action"] in ("image_submitted", "image_invalid"):
                decided[item["imageId"]] += 1
    wrong = []
    for u in soak.expected:
        image = found.get(u.image_id)
        report.counts[image["status"] if image else "LOST"] += 1
        if image is None or image["status"] != u.status or image.get("reason") != u.reason:
            wrong.append((u, image and (image["status"], image.get("reason"))))
    report.lost = report.counts["LOST"] + report.counts["PENDING"]
    assert not wrong, f"{len(wrong)} uploads did not end as their file must, e.g. {wrong[:3]}"
    assert len(found) == len(soak.expected), "an image nobody reserved"
    assert set(decided) == set(found) and set(decided.values()) == {1}, "an image decided twice (or never)"
    stored = Counter(o["Key"] for page in aws.s3.get_paginator("list_objects_v2").paginate(Bucket=aws.materials)
                     for o in page.get("Contents", []))
    submitted = Counter(k for i in found.values() if i["status"] == "SUBMITTED"
                        for k in (i["objectKey"], thumbnail_key(i["objectKey"])))
    assert stored == submitted, ("a stored copy or thumbnail that is no SUBMITTED image's, or one missing", stored - submitted, submitted - stored)
    assert aws.s3.list_objects_v2(Bucket=aws.uploads).get("KeyCount", 0) == 0, "a raw upload left in quarantine"
    left = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["All"])["Attributes"]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
    assert report.dlq_after == 0, "an upload in the dead-letter queue after the redrive"
    return report
