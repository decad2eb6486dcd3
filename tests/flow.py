"""Driving the real pipeline in tests: reserve through upload_presign, put the file where the
presigned POST would, and let a Lambda-like SQS poller run process_image on what S3 notified."""

from __future__ import annotations

import os

from local.invoke import LambdaContext
from testkit.steps import put, reserve  # noqa: F401  (re-exported for tests)


def upload(api, aws, who: dict, app_id: str, material: str, data: bytes, content_type: str = "image/jpeg") -> str:
    reply = reserve(api, who, app_id, material, content_type)
    assert reply.status == 201, reply
    put(aws, reply.body["upload"]["fields"]["key"], data, content_type)
    return reply.body["imageId"]


def worker(aws, queue_url: str | None = None, visibility_timeout: int = 0, invoke=None):
    """Lambda's SQS event source mapping, as the local stack runs it (local/worker.py). `invoke`:
    how the function is called with each batch event (default: process_image with a test context)."""
    from local.worker import Worker
    from process_image.app import lambda_handler

    url = queue_url or aws.queue_url
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Worker(aws.sqs, url, arn, os.environ["AWS_REGION"],
                  invoke=invoke or (lambda event: lambda_handler(event, LambdaContext())),
                  wait_seconds=0, visibility_timeout=visibility_timeout)


def drain(aws, rounds: int = 20) -> int:
    """Process until the queue is empty; returns the number of messages received."""
    w, total = worker(aws), 0
    for _ in range(rounds):
        got = w.poll_once()
        total += got
        if not got:
            return total
    return total


REQUIRED = {"11": {"id_card": 2, "diploma": 1, "practice_proof": 1},
            "31": {"id_card": 2, "diploma": 1, "practice_proof": 1, "residence_permit": 1}}


def small_photo(seed: int = 1) -> bytes:
    """A valid, quick-to-process document photo (short side at the 300 px minimum)."""
    from testkit import corpus

    return corpus.jpeg(corpus.photo((400, 300), seed=seed))


def complete(api, aws, who: dict, app_id: str, region: str = "11") -> dict[str, list[str]]:
    """Upload and process every required material: the application enters its site's queue."""
    ids = {t: [upload(api, aws, who, app_id, t, small_photo(n)) for n in range(count)]
           for t, count in REQUIRED[region].items()}
    drain(aws)
    return ids


def caller(who: dict):
    """The identity a handler would build from these claims."""
    from core.identity import caller_from_event

    return caller_from_event({"requestContext": {"authorizer": {"jwt": {"claims": who}}}})


def race(*calls) -> list:
    """Run the use cases at the same moment on threads; each result is its return value or the
    contract code it raised. Threads call the use cases directly: Powertools' HTTP resolvers keep the
    current event in a process-wide class attribute, so two handler invocations on threads in one
    process would read each other's request (Lambda never runs two in one process)."""
    import threading

    from core.errors import DomainError

    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, fn, args):
        barrier.wait()
        try:
            results[i] = fn(*args)
        except DomainError as e:
            results[i] = e.code

    threads = [threading.Thread(target=run, args=(i, fn, args)) for i, (fn, *args) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def approve_images(api, who: dict, app_id: str, ids: dict[str, list[str]]) -> None:
    """The site reviewer (holding the claim) approves every image; freshly processed images are version 2."""
    for image_id in [i for group in ids.values() for i in group]:
        reply = api("review", "POST", f"/review/applications/{app_id}/images/{image_id}/decision", who,
                    {"decision": "approve", "version": 2})
        assert reply.status == 200, reply
