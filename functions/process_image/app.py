"""S3 ObjectCreated -> SQS -> here: validate, make upright, strip metadata, watermark, store, record
(R5-R8, R12). Partial batch failures: a transient error fails only its own record, which SQS
delivers again (and after 5 receives moves to the dead-letter queue)."""

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import service
from core.processing import Outcome
from core.settings import settings
from process_image import imaging

logger = Logger()
settings()  # validated at cold start: a missing setting fails the init, not the first write
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)

CHINA = timezone(timedelta(hours=8))  # the watermark's date is the candidate's calendar day


def transform(data: bytes, reference: str) -> tuple[bytes | None, Outcome]:
    try:
        done = imaging.process(data, reference=reference, day=datetime.now(UTC).astimezone(CHINA).date())
    except imaging.InvalidImage as e:
        return None, Outcome(reason=e.reason, found=e.found)
    return done.jpeg, Outcome(width=done.width, height=done.height, bytes=len(done.jpeg), sha256=done.sha256)


def object_keys(body: dict) -> list[str]:
    """Upload keys named by one S3 notification. Real S3 and moto differ (moto has no `sequencer` or
    `userIdentity`); both URL-encode keys with quote_plus. s3:TestEvent carries none."""
    if body.get("Event") == "s3:TestEvent":
        return []
    return [
        unquote_plus(r["s3"]["object"]["key"])
        for r in body.get("Records", [])
        if str(r.get("eventName", "")).startswith("ObjectCreated")
        and r.get("s3", {}).get("object", {}).get("key")
    ]


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    for key in object_keys(json.loads(record.body)):
        result = service.process_upload(key, transform)
        logger.info("upload processed", extra={"key": key, "result": result})
        metrics.add_metric(name=f"Images{result.capitalize()}", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
