"""Fixtures shared by every test: AWS settings that can never reach a real account, moto with the
table built from template.yaml, HTTP API v2 events and a Lambda context."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import pytest

from local.invoke import FAKE_AWS, LambdaContext, Reply, claims, invoke  # noqa: F401  (re-exported for tests)
from testkit.aws import Aws, reset_clients
from testkit.people import REGISTRAR, id_number, registration  # noqa: F401  (re-exported for tests)
from testkit.steps import http_event  # noqa: F401  (re-exported for tests)

# Before any client or handler module reads them: fake credentials, a region, and the functions' settings.
os.environ.update({
    **FAKE_AWS,
    "TABLE_NAME": "exam-materials-test", "UPLOADS_BUCKET": "exam-uploads-test",
    "MATERIALS_BUCKET": "exam-materials-test", "POWERTOOLS_SERVICE_NAME": "test",
    "POWERTOOLS_METRICS_NAMESPACE": "ExamMaterialsTest", "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
})
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_var, None)

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def derived_stack():
    """The resources of template.yaml as the local stack derives them (local/template.py)."""
    from local.template import derive, load_template

    return derive(load_template(), {"JwtIssuer": "https://issuer.test", "JwtAudience": "exam-materials-test"})


@functools.lru_cache(maxsize=1)
def aws_clients() -> tuple:
    """One set of clients for every test: moto intercepts them inside each test's mock_aws()."""
    import moto  # noqa: F401  (moto must be imported before the clients are made)

    from local.stack import client

    return tuple(client(service, None) for service in ("dynamodb", "sqs", "s3"))


@pytest.fixture
def aws(monkeypatch):
    """moto in-process with every table, bucket, queue (with its dead-letter queue) and bucket
    notification provisioned from template.yaml by the local stack's own code: tests cannot drift
    from the infrastructure."""
    from moto import mock_aws

    from deploy.catalogue import seed
    from local.moto_server import one_backup_per_transaction
    from local.stack import provision

    stack = derived_stack()
    names = stack.names
    ddb, sqs, s3 = aws_clients()
    for var, logical in (("TABLE_NAME", "AppTable"), ("UPLOADS_BUCKET", "UploadsBucket"),
                         ("MATERIALS_BUCKET", "MaterialsBucket")):
        monkeypatch.setenv(var, names[logical])
    one_backup_per_transaction()
    with mock_aws():
        reset_clients()
        provision(stack, None, (ddb, sqs, s3))
        seed(ddb, names["AppTable"])  # the catalogue's first version, by the deployments' seed step
        queue_url = sqs.get_queue_url(QueueName=names["UploadQueue"])["QueueUrl"]
        sqs.purge_queue(QueueUrl=queue_url)  # S3's s3:TestEvent on configuring the notification
        yield Aws(ddb=ddb, s3=s3, sqs=sqs, queue_url=queue_url,
                  dlq_url=sqs.get_queue_url(QueueName=names["UploadDeadLetterQueue"])["QueueUrl"],
                  table=names["AppTable"], uploads=names["UploadsBucket"], materials=names["MaterialsBucket"])
        reset_clients()


@pytest.fixture(autouse=True)
def first_catalogue():
    """The catalogue's first version (deploy/catalogue.json) as a function that read it keeps it: the
    pure tiers decide on it without a table (the `aws` fixture starts from the table's own instead)."""
    from core import catalog

    catalog.forget()
    catalog.remember(1, _seed_data())
    yield
    catalog.forget()


@functools.lru_cache(maxsize=1)
def _seed_data() -> dict:
    from deploy.catalogue import seed_data

    return seed_data()


@pytest.fixture
def serial_moto():
    """moto's backends are not thread-safe (two conditional writes can both succeed in moto, never in
    DynamoDB): serialise each request so race tests exercise our conditions, not moto's locking."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def locked(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked
    try:
        yield lock
    finally:
        BotocoreStubber.__call__ = original


class Clock:
    """The one clock the use cases read (core.clock.now), moved by hand: `clock.tick(60)`."""

    def __init__(self, t: float | None = None):
        import time

        self.t = time.time() if t is None else t

    def __call__(self):
        from core.clock import Now

        return Now(self.t)

    def tick(self, seconds: float = 1.0) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr("core.clock.now", c)
    return c


@pytest.fixture
def context():
    return LambdaContext()  # 900 s left: the bounds on time left never stop a test's invocation


@pytest.fixture
def api(aws, context):
    """Call any HTTP function as API Gateway would: api("status", "GET", "/applications", who)."""
    import importlib

    def call(function: str, method: str, path: str, who: dict | None, body=None, **kw) -> Reply:
        module = importlib.import_module(function if "." in function else f"{function}.app")
        return invoke(module.lambda_handler, http_event(method, path, who, body, **kw), context)

    return call


@pytest.fixture
def register(api):
    def make(app_id: str = "app-1", **kw) -> dict:
        reply = api("status", "PUT", f"/applications/{app_id}", REGISTRAR, registration(**kw))
        assert reply.status == 201, reply
        return reply.body

    return make
