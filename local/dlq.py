"""The upload dead-letter queue: `python -m local.dlq show` lists what is in it, `redrive` moves it
back to the upload queue (after a fix, the uploads are processed again).

Talks to whatever AWS_ENDPOINT_URL points at; without it, to the running `make run` stack (asked at
http://127.0.0.1:${PORT:-3000}/dev/aws). Against AWS, pass --queue-url (the stack's UploadQueueUrl
output) and leave AWS_ENDPOINT_URL unset.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import boto3
import requests

from local.invoke import FAKE_KEYS

HOLD_SECONDS = 30  # messages being listed or moved stay hidden this long, so none is seen twice


def _sqs_and_queue(args) -> tuple[object, str]:
    if args.queue_url:
        return boto3.client("sqs"), args.queue_url
    local = requests.get(f"{args.stack}/dev/aws", timeout=5).json()
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or local["endpointUrl"]
    sqs = boto3.session.Session().client("sqs", endpoint_url=endpoint, region_name=local["region"], **FAKE_KEYS)
    return sqs, sqs.get_queue_url(QueueName=local["resources"]["UploadQueue"])["QueueUrl"]


def dead_letter_queue(sqs, queue_url: str) -> tuple[str, str]:
    """The dead-letter queue's URL and ARN, from the source queue's RedrivePolicy."""
    policy = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
    arn = json.loads(policy["RedrivePolicy"])["deadLetterTargetArn"]
    account, name = arn.split(":")[4:6]
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"], arn


def _drain(sqs, url: str):
    """Every message of the queue once (each hidden for HOLD_SECONDS)."""
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=HOLD_SECONDS,
                                    MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"],
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return
        yield from batch


def show(sqs, dlq_url: str) -> list[dict]:
    messages = list(_drain(sqs, dlq_url))
    for m in messages:  # visible again right away: showing them must not hide them
        sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return messages


def redrive(sqs, dlq_url: str, dlq_arn: str, queue_url: str, move_task: bool = False) -> int | None:
    """Move every message back. Returns how many were moved, or None when SQS's own message move
    task does it (asynchronously; real SQS only, moto does not implement it)."""
    if move_task:
        sqs.start_message_move_task(SourceArn=dlq_arn)
        return None
    moved = 0
    for m in _drain(sqs, dlq_url):
        sqs.send_message(QueueUrl=queue_url, MessageBody=m["Body"], MessageAttributes=m.get("MessageAttributes", {}))
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
        moved += 1
    return moved


def describe(message: dict) -> str:
    """One line for a parked message: its upload keys, or what it holds instead when it is not an S3
    upload event (not JSON, no Records, a key that is not a string): shown, never a crash."""
    received = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
    return f"{message.get('MessageId', '?')}  received {received}x  {_upload_keys(message.get('Body'))}"


def _upload_keys(body) -> str:
    try:
        keys = [record["s3"]["object"]["key"] for record in json.loads(body)["Records"]]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        keys = []
    if keys and all(isinstance(k, str) for k in keys):
        return " ".join(keys)
    return f"unreadable, not an S3 upload event: {str(body)[:120]!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("show", "redrive"))
    parser.add_argument("--stack", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}",
                        help="the local stack to ask for the endpoint and queue names")
    parser.add_argument("--queue-url", help="the upload queue (its RedrivePolicy names the dead-letter queue)")
    args = parser.parse_args(argv)
    try:
        sqs, queue_url = _sqs_and_queue(args)
    except requests.RequestException as e:
        print(f"Is `make run` running? Could not reach {args.stack}: {e}", file=sys.stderr)
        return 1
    endpoint_override = os.environ.get("AWS_ENDPOINT_URL")
    dlq_url, dlq_arn = dead_letter_queue(sqs, queue_url)
    if args.command == "show":
        messages = show(sqs, dlq_url)
        print(f"{len(messages)} message(s) in {dlq_url}")
        for m in messages:
            print("  " + describe(m))
    else:
        moved = redrive(sqs, dlq_url, dlq_arn, queue_url, move_task=bool(args.queue_url) and not endpoint_override)
        print("move task started (SQS moves the messages back)" if moved is None else
              f"moved {moved} message(s) back to {queue_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
