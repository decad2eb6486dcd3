"""The table's stream -> here -> the notify queue, or the precheck queue. The event source's filter
(template.yaml) lets only these through: the audit entries of decisions (R16, R19-R21) and new
announcements (R22), what a candidate may be told about, to the notify queue; a picture SUBMITTED in a
slot the machine pre-checks cover, or deleted from the identity slot, to the precheck queue
(functions/precheck: one reader of the stream serves both, as DynamoDB Streams advise at most two per
shard). Each becomes one message, so that a message which cannot be handled now is retried on its own,
with its queue's dead-letter queue behind it, instead of holding up the stream's shard.

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
precheck_queue_url = config.precheck_queue_url()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
PRECHECK_ACTIONS = frozenset({"image_submitted", "image_deleted"})


def destination(raw: dict) -> str:
    action = (((raw.get("dynamodb") or {}).get("NewImage") or {}).get("action") or {}).get("S")
    return precheck_queue_url if action in PRECHECK_ACTIONS else queue_url


def record_handler(record: DynamoDBRecord) -> None:
    # The record as the stream gave it (keys and the new image in DynamoDB's JSON): no phone in it.
    queues.send(destination(record.raw_event), record.raw_event)
    metrics.add_metric(name="EventsQueued", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
coldstart.done()  # loaded: last line of the module
