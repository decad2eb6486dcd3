"""The table's stream -> NotifyEventsFunction -> the precheck queue -> here: each message is the audit
entry of a picture SUBMITTED in a checked slot (or deleted from the identity slot), as the stream gave
it. Partial batch failures: a transient error (S3, DynamoDB) fails only its own message, which SQS
delivers again (after 3 receives it waits in the precheck dead-letter queue, which alarms); a message
that can never be processed is logged, counted and dropped at once.

The OCR (rapidocr, ONNX Runtime, OpenCV: the OCR layer) is imported and its models loaded on the first
picture, not at import: a batch of deletes needs none, and the local stack, which loads every function
in one process, starts without it (~1 s)."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import coldstart, db
from core.settings import settings
from core.telemetry import dropped, telemetry
from precheck import use_cases
from precheck.reading import Reading

logger, tracer, metrics = telemetry()
settings()  # validated at cold start
processor = BatchProcessor(event_type=EventType.SQS)
ACTIONS = ("image_submitted", "image_deleted")


@lru_cache(maxsize=1)
def reader():
    from precheck import ocr  # the OCR layer: only now

    threads = int(os.environ.get("OCR_THREADS") or 0)  # the template's: one per vCPU its memory buys
    return ocr.Reader(n_threads=threads or None)


def read(picture: bytes, watermarks: list[str]) -> Reading:
    return reader().read(picture, watermarks)


class Unprocessable(Exception):
    """Not a stream record of a picture's audit entry: no retry can change that."""


def command(body: str | None) -> use_cases.CheckCommand:
    try:
        record = json.loads(body or "")
        image = record["dynamodb"]["NewImage"]
        values = {name: image[name]["S"] for name in ("action", "imageId", "materialType")}
        app_id = db.app_id_of(record["dynamodb"]["Keys"]["PK"]["S"])
    except (ValueError, TypeError, KeyError) as e:
        raise Unprocessable(type(e).__name__) from None
    if values["action"] not in ACTIONS or not all(isinstance(v, str) and v for v in values.values()):
        raise Unprocessable("not a picture's audit entry")
    return use_cases.CheckCommand(app_id, values["imageId"], values["materialType"])


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    try:
        cmd = command(record.body)
    except Unprocessable as e:
        dropped(logger, metrics, record, str(e), "PrecheckMessagesUnprocessable")
        return
    result = use_cases.check(cmd, read)
    logger.info("pre-check", extra={"result": result, "materialType": cmd.material_type})
    metrics.add_metric(name=f"Prechecks{result.capitalize()}", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
coldstart.done()  # loaded: last line of the module
