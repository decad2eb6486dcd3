"""Driving notifications in tests as AWS would: the table's stream through the template's event source
(its own filter, local/streams.py) into notify.events, which queues each event, and a Lambda-like SQS
poller running notify.app on the queue (local/worker.py). SMS go to moto's SNS; `sms()` reads what it
accepted."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from local.invoke import LambdaContext
from tests.conftest import derived_stack

ACCOUNT, REGION = "123456789012", "us-east-1"
WEB_URL = "https://exam.example"
# What template.yaml gives NotifyFunction; set before notify.app is imported (it reads them at cold start).
os.environ.setdefault("WEB_URL", WEB_URL)
os.environ.setdefault("SMS_PER_SECOND", "20")
os.environ.setdefault("NOTIFY_QUEUE_URL", f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{derived_stack().names['NotifyQueue']}")
os.environ.setdefault("PRECHECK_QUEUE_URL", f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{derived_stack().names['PrecheckQueue']}")


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps: pacing is checked, not waited for."""

    def __init__(self):
        self.t = 1000.0
        self.sends: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.t += seconds


@dataclass
class Notifications:
    aws: object
    events: object  # the stream's event source, feeding notify.events
    worker: object
    time: FakeTime
    queue_url: str
    dlq_url: str
    received: list[int] = field(default_factory=list)

    def pump(self, rounds: int = 10_000) -> int:
        """Stream -> notify.events -> queue -> notify.app until nothing moves; how many queue messages were handled."""
        return pump(self.events, self.worker, rounds)


def pump(events, worker, rounds: int) -> int:
    """The stream's event source and a queue's poller, in turns, until neither moves; messages handled."""
    total = 0
    for _ in range(rounds):
        moved = events.poll_once()
        got = worker.poll_once()
        total += got
        if not moved and not got:
            return total
    raise AssertionError(f"{worker.queue_url} never drained")


def partition(aws, pk: str) -> list[dict]:
    from core import db

    out = aws.ddb.query(TableName=aws.table, KeyConditionExpression="PK = :pk",
                        ExpressionAttributeValues={":pk": {"S": pk}})
    return [db.decode(i) for i in out["Items"]]


def notify_api(method: str, path: str, who: dict | None, body=None, **kw):
    """Call the notify API function (notify.api) as API Gateway would."""
    from notify import api
    from tests.conftest import http_event, invoke

    return invoke(api.lambda_handler, http_event(method, path, who, body, **kw))


def stream_poller(aws, starting_position: str | None = None):
    """The template's stream event source (local/streams.py) invoking notify.events."""
    import notify.events
    from local.stack import client
    from local.streams import StreamPoller

    (source,) = derived_stack().stream_sources
    stream_arn = aws.ddb.describe_table(TableName=aws.table)["Table"]["LatestStreamArn"]
    return StreamPoller(client("dynamodbstreams", None, account_id_endpoint_mode="disabled"), stream_arn, REGION,
                        lambda event: notify.events.lambda_handler(event, LambdaContext()), source.filters,
                        source.batch_size, starting_position or source.starting_position,
                        source.report_batch_item_failures, source.maximum_retry_attempts)


def replay(notifications: Notifications):
    """A second reading of the whole stream into the same queue: every event delivered once more."""
    return stream_poller(notifications.aws, "TRIM_HORIZON")


def sms() -> list[tuple[str, str]]:
    """(phone in E.164, text) of every SMS moto's SNS accepted in this test, in order."""
    from moto.sns.models import sns_backends

    return list(sns_backends[ACCOUNT][REGION].sms_messages.values())


def start(aws, monkeypatch, per_second: float = 20.0) -> Notifications:
    """The stream's event source (from LATEST, as deployed) and the notify queue's poller, with a fake
    clock behind the SMS pacing."""
    import notify.app
    from core.notifications import Pacer
    from local.worker import Worker

    stack = derived_stack()
    sqs = aws.sqs
    queue_url = sqs.get_queue_url(QueueName=stack.names["NotifyQueue"])["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=stack.names["NotifyDeadLetterQueue"])["QueueUrl"]
    events = stream_poller(aws)
    clock = FakeTime()
    monkeypatch.setattr(notify.app, "pacer", Pacer(per_second, clock=clock, sleep=clock.sleep))
    monkeypatch.setattr(notify.app, "sender", notify.app.sender.__class__(
        **{**notify.app.sender.__dict__, "sms_per_second": per_second}))
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    worker = Worker(sqs, queue_url, arn, REGION, invoke=lambda event: notify.app.lambda_handler(event, LambdaContext()),
                    wait_seconds=0, visibility_timeout=0)
    return Notifications(aws=aws, events=events, worker=worker, time=clock, queue_url=queue_url, dlq_url=dlq_url)
