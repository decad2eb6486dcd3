"""Driving the machine pre-checks in tests as AWS would: the table's stream through the template's event
source into notify.events (its filter lets a picture SUBMITTED in a checked slot through), which puts it
on the precheck queue, and a Lambda-like SQS poller running precheck.app on that queue (local/worker.py)
with the real OCR."""

from __future__ import annotations

from local.invoke import LambdaContext
from tests.conftest import derived_stack
from tests.notify_flow import (  # sets the queues' URLs notify.events reads at cold start
    REGION,
    pump,
    stream_poller,
)


class Prechecks:
    """Start it before the uploads: the stream's event source reads from LATEST, as deployed."""

    def __init__(self, aws):
        import precheck.app
        from local.worker import Worker

        self.aws = aws
        self.events = stream_poller(aws)
        self.queue_url = aws.sqs.get_queue_url(QueueName=derived_stack().names["PrecheckQueue"])["QueueUrl"]
        arn = aws.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.worker = Worker(aws.sqs, self.queue_url, arn, REGION, wait_seconds=0, visibility_timeout=0,
                             invoke=lambda event: precheck.app.lambda_handler(event, LambdaContext()), batch_size=5)

    def pump(self, rounds: int = 200) -> int:
        """Stream -> notify.events -> precheck queue -> precheck.app until nothing moves; messages handled."""
        return pump(self.events, self.worker, rounds)
