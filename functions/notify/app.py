"""DynamoDB stream (through NotifyPipe's filter) -> SQS -> here: a message to the candidate when a
decision changes their application's status (R16, R19-R21), the registration-opening reminder's
fan-out (R22), one batch per message, and the deadline reminders' sweep (a scheduled message,
notify.reminders). Partial batch failures: a message that could not be sent now
fails only its own record, which SQS delivers again (after 5 receives: the dead-letter queue)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import coldstart, db
from core.notifications import Pacer
from core.settings import settings
from core.telemetry import telemetry
from notify import config, queues, reminders, use_cases
from notify.gateway_sms import sms_channel

logger, tracer, metrics = telemetry()
settings()  # validated at cold start: a missing setting fails the init, not the first message
sender = config.sender()
processor = BatchProcessor(event_type=EventType.SQS)
channel = sms_channel()  # SNS, or the domestic gateway (SmsChannel); a WeChat message would sit beside them
pacer = Pacer(sender.sms_per_second)


def requeue(announcement_id: str, delay_seconds: int) -> None:
    queues.send(sender.queue_url, {"announcement": announcement_id}, delay_seconds)


def announce(announcement_id: str) -> None:
    outcome = use_cases.announce(announcement_id, channel, pacer, sender.sms_per_second, sender.lease_seconds, requeue)
    metrics.add_metric(name=f"Announcement{outcome.title()}", unit="Count", value=1)


def remind(seconds_left: float) -> None:
    def go_on(delay_seconds: int) -> None:
        queues.send(sender.queue_url, {"reminders": "continue"}, delay_seconds)

    outcome = reminders.sweep(channel, pacer, sender.sms_per_second, sender.lease_seconds, sender.web_url, seconds_left,
                              go_on)
    metrics.add_metric(name=f"Reminders{outcome.title()}", unit="Count", value=1)


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    body = json.loads(record.body)
    if body.get("eventSource") == "aws:dynamodb":  # a stream record the pipe let through
        image = db.decode(body.get("dynamodb", {}).get("NewImage", {}))
        if image.get("kind") == "audit":
            outcome = use_cases.status_changed(image, channel, sender.web_url)
            logger.info("status message", extra={"outcome": outcome, "application": db.app_id_of(image["PK"])})
            metrics.add_metric(name=f"StatusMessages{outcome.title().replace('_', '')}", unit="Count", value=1)
            return
        if image.get("kind") == "announcement":
            announce(image["id"])
            return
    elif isinstance(body.get("announcement"), str):  # the next batch of a fan-out
        announce(body["announcement"])
        return
    elif body.get("reminders") in ("sweep", "continue"):  # the schedule's message, or a sweep's next part
        remind(lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else 60.0)
        return
    logger.warning("not a notification event; dropped", extra={"messageId": record.message_id})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
coldstart.done()  # loaded: last line of the module
