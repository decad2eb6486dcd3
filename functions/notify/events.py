"""The table's stream -> here -> the notify queue. The event source's filter (template.yaml) lets only
what a candidate may be told about through: the audit entries of decisions (R16, R19-R21) and new
announcements (R22). Each becomes one message, so that a message which cannot be sent now is retried
on its own, with the dead-letter queue behind it, instead of holding up the stream's shard.

A batch that cannot be queued is reported from its first failed record; the event source retries from
there (a record queued twice is sent once: notify.use_cases' markers)."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import coldstart
from core.telemetry import telemetry
from notify import config, queues

logger, tracer, metrics = telemetry()
queue_url = config.queue_url()  # validated at cold start
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    # The record as the stream gave it (keys and the new image in DynamoDB's JSON): no phone in it.
    queues.send(queue_url, record.raw_event)
    metrics.add_metric(name="EventsQueued", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
coldstart.done()  # loaded: last line of the module
