"""Each function's Powertools logger, tracer and metrics, made one way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics, Tracer

if TYPE_CHECKING:  # the HTTP functions never load the SQS event classes at a cold start
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

# Every AWS call goes through botocore and nothing else here speaks HTTP: X-Ray's patch_all would also
# import and patch sqlite3, httplib, requests, ... at every cold start, for no subsegment we could use.
TRACED_MODULES = ("botocore",)


def telemetry() -> tuple[Logger, Tracer, Metrics]:
    return Logger(), Tracer(patch_modules=TRACED_MODULES), Metrics()


def dropped(logger: Logger, metrics: Metrics, record: SQSRecord, reason: str, metric: str) -> None:
    """A queue message that can never be processed is done with at once, not failed: more receives would
    change nothing but the dead-letter queue's alarm. Counted; its body is not logged (anyone's text)."""
    logger.warning("message dropped: it can never be processed", extra={
        "messageId": record.message_id, "reason": reason, "bytes": len(record.body or "")})
    metrics.add_metric(name=metric, unit="Count", value=1)
