"""In-process moto with the template's table, buckets and queues (created by the local stack's own
`provision`), and the tests' way of driving the handlers (testkit)."""

from __future__ import annotations

import contextlib
import time

from bench.common import stack, use_function_env


@contextlib.contextmanager
def in_process_aws():
    """Yields the tests' ``Aws`` (clients, queue URLs, resource names). moto backs a table up once
    per transaction, not once per item, as in the tests and the local stack."""
    import boto3
    from moto import mock_aws

    from deploy.catalogue import seed
    from local.moto_server import one_backup_per_transaction
    from local.stack import provision
    from testkit.aws import Aws, reset_clients

    spec = stack()
    use_function_env()  # fake credentials, the template's names and settings
    one_backup_per_transaction()
    with mock_aws():
        reset_clients()
        provision(spec, None)  # endpoint None: boto3's default endpoints, which moto intercepts
        seed(boto3.client("dynamodb"), spec.names["AppTable"])  # the requirement catalogue's first version
        sqs = boto3.client("sqs")
        queue_url = sqs.get_queue_url(QueueName=spec.names["UploadQueue"])["QueueUrl"]
        sqs.purge_queue(QueueUrl=queue_url)  # S3's s3:TestEvent from configuring the notification
        names = spec.names
        try:
            yield Aws(ddb=boto3.client("dynamodb"), s3=boto3.client("s3"), sqs=sqs, queue_url=queue_url,
                               dlq_url=sqs.get_queue_url(QueueName=names["UploadDeadLetterQueue"])["QueueUrl"],
                               table=names["AppTable"], uploads=names["UploadsBucket"],
                               materials=names["MaterialsBucket"])
        finally:
            reset_clients()


class Api:
    """Calls an HTTP function as API Gateway would (the tests' ``api`` fixture), timing each call."""

    def __init__(self):
        self.elapsed: dict[str, float] = {}  # function -> seconds spent in its handler
        self.calls: dict[str, int] = {}

    def __call__(self, function: str, method: str, path: str, who: dict | None, body=None, **kw):
        import importlib

        from local.invoke import invoke
        from testkit.steps import http_event

        module = importlib.import_module(f"{function}.app")
        event = http_event(method, path, who, body, **kw)
        started = time.perf_counter()
        reply = invoke(module.lambda_handler, event)
        self.elapsed[function] = self.elapsed.get(function, 0.0) + time.perf_counter() - started
        self.calls[function] = self.calls.get(function, 0) + 1
        return reply
